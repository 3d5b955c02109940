"""patient_search: name/MRN/date-of-birth search, filters, allow-listed sorting, scoping."""

from __future__ import annotations

import datetime as dt

import pytest

from kap_clinic.common.errors import PermissionDeniedError, ValidationFailed
from patients import selectors, services
from patients.models import Patient, PatientCondition

pytestmark = pytest.mark.django_db


@pytest.fixture
def roster(personas):
    rows = {}
    for first, last, dob, status in [
        ("Maya", "Smith", dt.date(1970, 1, 2), "screening"),
        ("Sam", "Smithers", dt.date(1985, 6, 7), "in_treatment"),
        ("Li", "Wong", dt.date(1992, 12, 30), "referred"),
    ]:
        patient = services.patient_create(
            actor=personas.prescriber, legal_first_name=first, legal_last_name=last, date_of_birth=dob
        )
        Patient.objects.filter(pk=patient.pk).update(status=status)
        rows[last] = patient
    PatientCondition.objects.create(patient=rows["Wong"], condition="ptsd")
    return rows


def names(qs) -> list[str]:
    return [p.legal_last_name for p in qs]


def test_search_matches_the_start_of_any_name_word(personas, roster) -> None:
    assert names(selectors.patient_search(user=personas.prescriber, q="smi")) == ["Smith", "Smithers"]
    assert names(selectors.patient_search(user=personas.prescriber, q="sam smi")) == ["Smithers"]
    assert names(selectors.patient_search(user=personas.prescriber, q="Smith, Maya")) == ["Smith"]


def test_search_by_mrn_and_by_date_of_birth(personas, roster) -> None:
    mrn = roster["Wong"].mrn
    assert names(selectors.patient_search(user=personas.prescriber, q=mrn)) == ["Wong"]
    assert names(selectors.patient_search(user=personas.prescriber, q=mrn.removeprefix("KAP-"))) == ["Wong"]
    assert names(selectors.patient_search(user=personas.prescriber, q="1985-06-07")) == ["Smithers"]
    assert names(selectors.patient_search(user=personas.prescriber, q="06/07/1985")) == ["Smithers"]


def test_filters_by_status_condition_and_clinician(personas, roster) -> None:
    assert names(selectors.patient_search(user=personas.prescriber, status="referred", q="w")) == ["Wong"]
    assert names(selectors.patient_search(user=personas.prescriber, condition="ptsd")) == ["Wong"]
    mine = selectors.patient_search(user=personas.admin, clinician=str(personas.outsider.public_id))
    assert names(mine) == ["Other"]


def test_sorting_is_allow_listed(personas, roster) -> None:
    by_dob = names(selectors.patient_search(user=personas.prescriber, q="smi", sort="-dob"))
    assert by_dob == ["Smithers", "Smith"]
    with pytest.raises(ValidationFailed) as exc:
        selectors.patient_search(user=personas.prescriber, sort="email")
    assert exc.value.field == "sort"


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [({"status": "asleep"}, "status"), ({"condition": "flu"}, "condition"), ({"clinician": "nope"}, "clinician")],
)
def test_bad_filter_values_are_refused_naming_the_parameter(personas, kwargs, field) -> None:
    with pytest.raises(ValidationFailed) as exc:
        selectors.patient_search(user=personas.prescriber, **kwargs)
    assert exc.value.field == field


def test_admins_cannot_filter_by_clinical_condition(personas, roster) -> None:
    with pytest.raises(PermissionDeniedError):
        selectors.patient_search(user=personas.admin, condition="ptsd")


def test_search_only_ever_returns_visible_patients(personas, roster) -> None:
    assert names(selectors.patient_search(user=personas.outsider, q="smi")) == []
    assert names(selectors.patient_search(user=personas.outsider)) == ["Other"]
    assert names(selectors.patient_search(user=personas.patient_user)) == ["Ellis"]
