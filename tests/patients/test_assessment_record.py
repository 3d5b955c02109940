"""Recording results through the service: scoring on the server, stored answers, safety flags, permissions."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from kap_clinic.audit.models import AuditEvent
from kap_clinic.common.errors import Conflict, PermissionDeniedError, ValidationFailed
from patients import selectors, services
from patients.models import Assessment, SafetyFlag

pytestmark = pytest.mark.django_db


def test_a_phq9_is_scored_on_the_server_and_its_answers_stored(personas) -> None:
    answers = [2, 2, 1, 1, 2, 1, 1, 1, 0]
    result = services.assessment_record(
        actor=personas.nurse, patient=personas.demo_patient, instrument="phq9", answers=answers
    )
    result.refresh_from_db()
    assert (result.total, result.severity, result.flags) == (11, "moderate", [])
    assert result.answers == answers
    assert result.instrument_version == "1.0"
    assert result.source == Assessment.Source.STAFF
    assert not SafetyFlag.objects.exists()
    event = AuditEvent.objects.get(action="assessment.recorded")
    assert event.patient_public_id == personas.demo_patient.public_id
    assert event.changed_fields == ["answers", "flags", "severity", "total"]


def test_item_9_raises_an_open_safety_flag_that_is_audited(personas) -> None:
    result = services.assessment_record(
        actor=personas.therapist, patient=personas.demo_patient, instrument="phq9", answers=[0] * 8 + [2]
    )
    flag = SafetyFlag.objects.get()
    assert (flag.kind, flag.assessment, flag.is_open) == ("suicidal_ideation", result, True)
    assert flag.detail == "PHQ-9 item 9 answered 2"
    assert AuditEvent.objects.filter(action="safety_flag.raised", target_public_id=str(flag.public_id)).exists()
    assert list(selectors.open_safety_flags(personas.demo_patient)) == [flag]


@pytest.mark.parametrize(
    ("answers", "flagged"),
    [
        ([True, True, True, False, False, False, False], True),  # moderate
        ([True, True, False, True, False, False, False], True),  # high
        ([True, True, False, False, False, False, False], False),  # low
    ],
)
def test_a_cssrs_screen_raises_suicide_risk_at_moderate_or_high(personas, answers, flagged) -> None:
    services.assessment_record(
        actor=personas.prescriber, patient=personas.demo_patient, instrument="cssrs_screen", answers=answers
    )
    assert SafetyFlag.objects.filter(kind="suicide_risk").exists() is flagged


def test_bad_answers_save_nothing(personas) -> None:
    with pytest.raises(ValidationFailed) as exc:
        services.assessment_record(
            actor=personas.nurse, patient=personas.demo_patient, instrument="phq9", answers=[0] * 8 + [True]
        )
    assert exc.value.field == "answers[8]"
    assert not Assessment.objects.exists()
    assert not AuditEvent.objects.filter(action="assessment.recorded").exists()


def test_the_administration_time_cannot_be_in_the_future_or_naive(personas) -> None:
    kwargs = {"actor": personas.nurse, "patient": personas.demo_patient, "instrument": "gad7", "answers": [0] * 7}
    with pytest.raises(ValidationFailed) as exc:
        services.assessment_record(**kwargs, administered_at=timezone.now() + dt.timedelta(hours=2))
    assert exc.value.field == "administered_at"
    with pytest.raises(ValidationFailed):
        services.assessment_record(**kwargs, administered_at=dt.datetime(2026, 1, 1, 9, 0))  # noqa: DTZ001
    with pytest.raises(ValidationFailed):
        services.assessment_record(**kwargs, administered_at=dt.datetime(1950, 1, 1, tzinfo=dt.UTC))


@pytest.mark.parametrize("who", ["admin", "outsider", "other_patient_user"])
def test_only_the_care_team_or_the_patient_records_results(personas, who) -> None:
    with pytest.raises(PermissionDeniedError):
        services.assessment_record(
            actor=getattr(personas, who), patient=personas.demo_patient, instrument="phq9", answers=[0] * 9
        )


def test_the_patient_records_their_own_questionnaire_from_the_portal(personas) -> None:
    result = services.assessment_record(
        actor=personas.patient_user, patient=personas.demo_patient, instrument="gad7", answers=[1] * 7
    )
    assert result.source == Assessment.Source.PORTAL


def test_latest_assessment_skips_voided_results_and_respects_since(personas) -> None:
    patient = personas.demo_patient
    with time_machine.travel(dt.datetime(2026, 3, 1, 15, tzinfo=dt.UTC), tick=False):
        first = services.assessment_record(actor=personas.nurse, patient=patient, instrument="phq9", answers=[1] * 9)
    with time_machine.travel(dt.datetime(2026, 3, 8, 15, tzinfo=dt.UTC), tick=False):
        second = services.assessment_record(actor=personas.nurse, patient=patient, instrument="phq9", answers=[0] * 9)
    assert selectors.latest_assessment(patient=patient, instrument="phq9") == second
    services.assessment_void(actor=personas.prescriber, assessment=second, reason="Entered for the wrong patient")
    assert selectors.latest_assessment(patient=patient, instrument="phq9") == first
    assert selectors.latest_assessment(patient=patient, instrument="phq9", since=first.administered_at) == first
    since = dt.datetime(2026, 3, 2, tzinfo=dt.UTC)
    assert selectors.latest_assessment(patient=patient, instrument="phq9", since=since) is None
    assert selectors.latest_assessment(patient=patient, instrument="gad7") is None
    with pytest.raises(Conflict):
        services.assessment_void(actor=personas.prescriber, assessment=second, reason="again")


def test_a_clinician_acknowledges_a_flag_with_a_note_and_it_closes(personas) -> None:
    services.assessment_record(
        actor=personas.nurse, patient=personas.demo_patient, instrument="phq9", answers=[0] * 8 + [1]
    )
    flag = SafetyFlag.objects.get()
    with pytest.raises(ValidationFailed) as exc:
        services.safety_flag_acknowledge(actor=personas.prescriber, flag=flag, note="  ")
    assert exc.value.field == "note"
    with pytest.raises(PermissionDeniedError):
        services.safety_flag_acknowledge(actor=personas.outsider, flag=flag, note="seen")
    with pytest.raises(PermissionDeniedError):
        services.safety_flag_acknowledge(actor=personas.admin, flag=flag, note="seen")
    services.safety_flag_acknowledge(actor=personas.prescriber, flag=flag, note="Called patient; safety plan reviewed.")
    flag.refresh_from_db()
    assert not flag.is_open
    assert flag.acknowledged_by == personas.prescriber
    assert not selectors.open_safety_flags(personas.demo_patient).exists()
    assert AuditEvent.objects.filter(action="safety_flag.acknowledged").count() == 1
    with pytest.raises(Conflict):
        services.safety_flag_acknowledge(actor=personas.nurse, flag=flag, note="me too")


def test_the_dashboard_selector_shows_open_flags_to_the_care_team_only(personas) -> None:
    services.assessment_record(
        actor=personas.nurse, patient=personas.demo_patient, instrument="phq9", answers=[0] * 8 + [3]
    )
    assert selectors.safety_flags_open_for_user(personas.therapist).count() == 1
    assert selectors.safety_flags_open_for_user(personas.outsider).count() == 0
    assert selectors.safety_flags_open_for_user(personas.admin).count() == 0
    assert selectors.safety_flags_open_for_user(personas.patient_user).count() == 0
