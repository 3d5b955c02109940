"""One access layer: each rule is one function, and every entry point refuses the same person alike.

The rules (PRODUCT.md roles; CONVENTIONS.md "each access rule is one function"):
- care team: ``patients.selectors.care_team_memberships_of`` / ``user_is_on_care_team``; a clinician
  outside the team gets a 404 (audited) from pages, the API and the selectors, and a 403 from services;
- active clinician of a discipline: ``kap_clinic.accounts.permissions.is_active_clinician_of``;
- practice admins see no clinical content: ``patients.selectors.clinical_content_refused`` (403).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import reverse

from consent.services._common import require_care_team_clinician
from kap_clinic.accounts.permissions import (
    NURSE_DISCIPLINE,
    PRESCRIBER_DISCIPLINE,
    THERAPIST_DISCIPLINE,
    is_active_clinician_of,
    user_is_active,
)
from kap_clinic.audit.models import AuditEvent
from kap_clinic.common.errors import PermissionDeniedError
from patients import selectors, services
from sessions_app.common import inputs

pytestmark = pytest.mark.django_db

PHQ9 = [1, 1, 1, 1, 1, 1, 1, 1, 0]


def api_url(patient, suffix: str = "") -> str:
    return f"/api/v1/patients/{patient.public_id}/{suffix}"


def denials(user) -> int:
    return AuditEvent.objects.filter(actor=user, action="patient.access_denied", outcome="denied").count()


# --- care team -----------------------------------------------------------------------------


def test_the_outsider_is_refused_the_same_way_by_page_api_selector_and_services(personas, client_for, api_for) -> None:
    outsider, patient = personas.outsider, personas.demo_patient

    assert client_for(outsider).get(reverse("patients:detail", args=[patient.public_id])).status_code == 404
    assert denials(outsider) == 1
    assert api_for(outsider).get(api_url(patient)).status_code == 404
    assert api_for(outsider).get(api_url(patient, "assessments/")).status_code == 404
    assert denials(outsider) == 3
    with pytest.raises(Http404):
        selectors.patient_get_for(user=outsider, public_id=patient.public_id)
    assert denials(outsider) == 4

    # The one rule, asked directly and through every wrapper the services call.
    assert not selectors.care_team_memberships_of(outsider).filter(patient=patient).exists()
    assert not selectors.user_is_on_care_team(user=outsider, patient=patient)
    assert not inputs.on_care_team(outsider, patient)
    assert not selectors.patient_list_visible_to(outsider).filter(pk=patient.pk).exists()
    with pytest.raises(PermissionDeniedError):
        services.assessment_record(actor=outsider, patient=patient, instrument="phq9", answers=PHQ9)
    with pytest.raises(PermissionDeniedError):
        require_care_team_clinician(outsider, patient)
    with pytest.raises(PermissionDeniedError):
        inputs.require_clinician_on_team(outsider, patient, "write notes")


@pytest.mark.parametrize("member", ["prescriber", "nurse", "therapist"])
def test_every_member_of_the_team_passes_the_same_entry_points(member, personas, client_for, api_for) -> None:
    user, patient = getattr(personas, member), personas.demo_patient
    assert client_for(user).get(reverse("patients:detail", args=[patient.public_id])).status_code == 200
    assert api_for(user).get(api_url(patient)).status_code == 200
    assert selectors.patient_get_for(user=user, public_id=patient.public_id, clinical=True) == patient
    assert selectors.user_is_on_care_team(user=user, patient=patient)
    assert inputs.on_care_team(user, patient)
    require_care_team_clinician(user, patient)
    assert denials(user) == 0


def test_leaving_the_team_or_being_deactivated_ends_access_everywhere_at_once(personas, api_for) -> None:
    nurse, patient = personas.nurse, personas.demo_patient
    patient.care_team.filter(clinician=nurse).update(active=False)
    assert api_for(nurse).get(api_url(patient)).status_code == 404
    assert not selectors.user_is_on_care_team(user=nurse, patient=patient)
    assert not inputs.on_care_team(nurse, patient)

    prescriber = personas.prescriber
    prescriber.is_active = False
    prescriber.save(update_fields=["is_active"])
    assert not user_is_active(prescriber)
    assert not selectors.user_is_on_care_team(user=prescriber, patient=patient)
    assert not selectors.patient_list_visible_to(prescriber).exists()
    with pytest.raises(PermissionDeniedError):
        services.assessment_record(actor=prescriber, patient=patient, instrument="phq9", answers=PHQ9)


# --- active clinician of a discipline ------------------------------------------------------


def test_only_a_prescriber_decides_eligibility_on_every_entry_point(personas, client_for, api_for) -> None:
    nurse, patient = personas.nurse, personas.demo_patient
    page = reverse("patients:eligibility_decide", args=[patient.public_id])
    assert client_for(nurse).get(page).status_code == 403
    body = {"decision": "deferred", "rationale": "Waiting for the cardiology letter."}
    assert api_for(nurse).post(api_url(patient, "eligibility/"), body, format="json").status_code == 403
    with pytest.raises(PermissionDeniedError):
        services.eligibility_decide(actor=nurse, patient=patient, decision="deferred", rationale="x")
    with pytest.raises(PermissionDeniedError):
        inputs.require_prescriber_on_team(nurse, patient, "order a dose")
    # The prescriber on the team reaches the same page (the refusal above is the discipline, not the team).
    assert client_for(personas.prescriber).get(page).status_code == 200


def test_the_discipline_rule_answers_for_each_persona(personas) -> None:
    assert is_active_clinician_of(personas.prescriber, PRESCRIBER_DISCIPLINE)
    assert is_active_clinician_of(personas.nurse, PRESCRIBER_DISCIPLINE, NURSE_DISCIPLINE)
    assert is_active_clinician_of(personas.therapist, THERAPIST_DISCIPLINE)
    assert is_active_clinician_of(personas.therapist)  # any discipline
    assert not is_active_clinician_of(personas.nurse, PRESCRIBER_DISCIPLINE)
    assert not is_active_clinician_of(personas.admin)
    assert not is_active_clinician_of(personas.patient_user)
    assert not is_active_clinician_of(None)
    personas.prescriber.is_active = False
    assert not is_active_clinician_of(personas.prescriber, PRESCRIBER_DISCIPLINE)


def test_a_deactivated_prescriber_is_refused_by_the_service(personas) -> None:
    prescriber = personas.prescriber
    prescriber.is_active = False
    prescriber.save(update_fields=["is_active"])
    with pytest.raises(PermissionDeniedError):
        services.eligibility_decide(actor=prescriber, patient=personas.demo_patient, decision="deferred", rationale="x")


# --- practice admins see no clinical content -----------------------------------------------


def test_the_admin_is_refused_clinical_content_the_same_way_everywhere(personas, client_for, api_for) -> None:
    admin, patient = personas.admin, personas.demo_patient
    assert selectors.clinical_content_refused(admin)
    assert not selectors.clinical_content_refused(personas.prescriber)

    assert client_for(admin).get(reverse("patients:assessment_list", args=[patient.public_id])).status_code == 403
    assert api_for(admin).get(api_url(patient, "assessments/")).status_code == 403
    assert api_for(admin).get(api_url(patient, "eligibility/")).status_code == 403
    with pytest.raises(PermissionDenied, match=r"Practice admins do not see clinical content\."):
        selectors.patient_get_for(user=admin, public_id=patient.public_id, clinical=True)
    with pytest.raises(PermissionDeniedError):
        selectors.patient_search(user=admin, condition="ptsd")
    assert api_for(admin).get("/api/v1/patients/", {"condition": "ptsd"}).status_code == 403

    # Demographics stay open to the admin, and a clinical 403 is not a relationship 404 (no denial audited).
    assert client_for(admin).get(reverse("patients:detail", args=[patient.public_id])).status_code == 200
    data = api_for(admin).get(api_url(patient)).json()
    assert "conditions" not in data and "allergies" not in data
    assert denials(admin) == 0


# --- the care-team query is written once -------------------------------------------------------

ROOT = Path(__file__).resolve().parents[2]
APP_DIRS = ("kap_clinic", "patients", "consent", "sessions_app")
THE_FUNCTION = ("patients/selectors.py", "care_team_memberships_of")


def _mentions_care_team(node: ast.AST) -> bool:
    return any(
        (isinstance(n, ast.Name) and n.id == "CareTeamMembership")
        or (isinstance(n, ast.Attribute) and n.attr == "care_team")
        for n in ast.walk(node)
    )


def care_team_queries() -> set[tuple[str, str]]:
    """(file, function) of every ``.filter(clinician=..., active=...)`` on care-team memberships."""
    found: set[tuple[str, str]] = set()
    for top in APP_DIRS:
        for path in sorted((ROOT / top).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            tree = ast.parse(path.read_text(), filename=str(path))
            for func in ast.walk(tree):
                if not isinstance(func, ast.FunctionDef | ast.AsyncFunctionDef):
                    continue
                for call in ast.walk(func):
                    if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute)):
                        continue
                    keywords = {k.arg for k in call.keywords}
                    if call.func.attr == "filter" and {"clinician", "active"} <= keywords and _mentions_care_team(call):
                        found.add((path.relative_to(ROOT).as_posix(), func.name))
    return found


def test_the_care_team_query_is_written_in_one_function() -> None:
    found = care_team_queries()
    assert THE_FUNCTION in found
    assert found == {THE_FUNCTION}, "use patients.selectors.care_team_memberships_of instead"


# Functions that read ``is_active`` for a reason other than access: the one rule itself, and the
# service that switches the flag (it compares the flag with the value asked for).
IS_ACTIVE_READERS = {
    ("kap_clinic/accounts/permissions.py", "user_is_active"),
    ("kap_clinic/accounts/services.py", "user_set_active"),
}


def test_is_the_user_active_is_asked_of_one_function() -> None:
    """In kap_clinic, patients and consent, ``user.is_active`` is read only by ``user_is_active``."""
    readers = set()
    for top in ("kap_clinic", "patients", "consent"):
        for path in sorted((ROOT / top).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            for func in ast.walk(ast.parse(path.read_text())):
                if isinstance(func, ast.FunctionDef | ast.AsyncFunctionDef) and any(
                    isinstance(n, ast.Attribute) and n.attr == "is_active" and isinstance(n.ctx, ast.Load)
                    for n in ast.walk(func)
                ):
                    readers.add((path.relative_to(ROOT).as_posix(), func.name))
    assert readers == IS_ACTIVE_READERS, "ask kap_clinic.accounts.permissions.user_is_active"
