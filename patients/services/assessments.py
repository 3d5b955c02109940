"""Recording rating-scale results, and the safety flags they raise."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from kap_clinic.accounts.models import User
from kap_clinic.accounts.permissions import PATIENT, user_has_role
from kap_clinic.audit.services import audit_record
from kap_clinic.common.errors import Conflict, PermissionDeniedError

from .. import instruments
from ..models import Assessment, Patient, SafetyFlag
from ..selectors import user_is_on_care_team
from ._common import check_moment, require_care_team, require_text


def _flag_detail(instrument: instruments.Instrument, kind: str, answers: list[Any], severity: str) -> str:
    if kind == SafetyFlag.Kind.SUICIDAL_IDEATION:
        return f"{instrument.short_name} item 9 answered {answers[8]}"
    return f"{instrument.short_name}: {instrument.band_label(severity).lower()}"


@transaction.atomic
def assessment_record(
    *,
    actor: User,
    patient: Patient,
    instrument: str,
    answers: Any,
    administered_at: dt.datetime | None = None,
) -> Assessment:
    """Score ``answers`` on the server (``patients.instruments``) and store them with the result.

    Who: a clinician on the patient's care team, or the patient themself (portal questionnaires).
    Side effects: a ``suicidal_ideation`` (PHQ-9 item 9 > 0) or ``suicide_risk`` (C-SSRS moderate or
    high) result raises an open SafetyFlag for the care team; the result and each flag are audited.
    Raises ValidationFailed naming the bad item (``answers[i]``), PermissionDeniedError.
    """
    is_self = user_has_role(actor, PATIENT) and patient.user_id == actor.pk
    if not (is_self or user_is_on_care_team(user=actor, patient=patient)):
        raise PermissionDeniedError("Only the patient's care team (or the patient) may record a questionnaire.")
    definition = instruments.get_instrument(instrument)
    result = definition.score(answers)
    administered_at = check_moment(
        administered_at or timezone.now(),
        field="administered_at",
        label="Administered at",
        not_before=patient.date_of_birth,
    )
    assessment = Assessment.objects.create(
        patient=patient,
        instrument=definition.code,
        instrument_version=definition.version,
        answers=result.answers,
        total=result.total,
        severity=result.severity,
        flags=list(result.flags),
        administered_at=administered_at,
        recorded_by=actor,
        source=Assessment.Source.PORTAL if is_self else Assessment.Source.STAFF,
    )
    audit_record(
        actor=actor,
        action="assessment.recorded",
        target=assessment,
        patient=patient,
        changed_fields=["answers", "total", "severity", "flags"],
    )
    for kind in result.flags:
        if kind not in instruments.SAFETY_FLAGS:
            continue
        flag = SafetyFlag.objects.create(
            patient=patient,
            assessment=assessment,
            kind=kind,
            detail=_flag_detail(definition, kind, result.answers, result.severity),
            raised_at=timezone.now(),
        )
        audit_record(actor=actor, action="safety_flag.raised", target=flag, patient=patient, changed_fields=["kind"])
    return assessment


@transaction.atomic
def assessment_void(*, actor: User, assessment: Assessment, reason: str) -> Assessment:
    """Void a result entered in error (care team only). The row stays with who, when and why.

    A voided result drops out of outcome charts and ``latest_assessment``; safety flags it raised
    stay until a clinician acknowledges them.
    """
    require_care_team(actor, assessment.patient, "void a questionnaire result")
    reason = require_text(reason, field="reason", label="Reason for voiding")
    assessment = Assessment.objects.select_for_update().get(pk=assessment.pk)
    if assessment.voided_at:
        raise Conflict("This result is already voided.", field="assessment")
    assessment.voided_at = timezone.now()
    assessment.voided_by = actor
    assessment.void_reason = reason[:300]
    assessment.save(update_fields=["voided_at", "voided_by", "void_reason", "updated_at"])
    audit_record(
        actor=actor,
        action="assessment.voided",
        target=assessment,
        patient=assessment.patient,
        changed_fields=["voided_at", "void_reason"],
    )
    return assessment


@transaction.atomic
def safety_flag_acknowledge(*, actor: User, flag: SafetyFlag, note: str) -> SafetyFlag:
    """A clinician on the care team acknowledges a safety alert with a note (what was done).

    The flag then leaves the chart header and the dashboard. Raises Conflict when it was already
    acknowledged (someone else got there first), ValidationFailed without a note.
    """
    require_care_team(actor, flag.patient, "acknowledge a safety alert")
    note = require_text(note, field="note", label="An acknowledgement note")
    flag = SafetyFlag.objects.select_for_update().get(pk=flag.pk)
    if flag.acknowledged_at:
        raise Conflict("This safety alert has already been acknowledged.", field="flag")
    flag.acknowledged_at = timezone.now()
    flag.acknowledged_by = actor
    flag.acknowledgement_note = note
    flag.save(update_fields=["acknowledged_at", "acknowledged_by", "acknowledgement_note", "updated_at"])
    audit_record(
        actor=actor,
        action="safety_flag.acknowledged",
        target=flag,
        patient=flag.patient,
        changed_fields=["acknowledged_at", "acknowledgement_note"],
    )
    return flag
