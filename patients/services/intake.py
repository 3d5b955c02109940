"""Intake (medical and psychiatric assessment with the contraindication checklist) and the eligibility decision."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from kap_clinic.accounts.models import User
from kap_clinic.audit.services import audit_record
from kap_clinic.common.clock import clinic_date
from kap_clinic.common.errors import Conflict, ValidationFailed

from .. import contraindications as checklists
from ..models import EligibilityDecision, IntakeAssessment, Patient, WeightMeasurement
from ._common import check_moment, check_number, require_care_team, require_prescriber_on_team, require_text
from .assessments import assessment_record
from .records import ALLOWED_TRANSITIONS, _move_status

Status = Patient.Status

TEXT_FIELDS = (
    "medical_history",
    "diagnoses",
    "prior_treatments",
    "substance_use",
    "prior_ketamine_details",
    "contraindication_notes",
)
BOOL_FIELDS = ("psychosis_history", "mania_history", "prior_ketamine_use")
# Plausible ranges: a value outside them is a typing error, not a clinical finding.
VITAL_RANGES = {
    "bp_systolic": ("Systolic BP", 60, 260, " mmHg"),
    "bp_diastolic": ("Diastolic BP", 30, 160, " mmHg"),
    "heart_rate": ("Heart rate", 20, 250, " bpm"),
    "spo2": ("SpO2", 50, 100, "%"),
}


class AbsoluteContraindication(Conflict):
    """Refused "eligible": the intake it rests on has absolute contraindications marked present."""

    code = "absolute_contraindication"


@transaction.atomic
def intake_record(
    *,
    actor: User,
    patient: Patient,
    contraindications: Any,
    assessed_at: dt.datetime | None = None,
    checklist_version: str | None = None,
    cssrs_answers: list[bool] | None = None,
    bp_systolic: int | None = None,
    bp_diastolic: int | None = None,
    heart_rate: int | None = None,
    spo2: int | None = None,
    weight_kg: Decimal | float | str | None = None,
    height_cm: Decimal | float | str | None = None,
    failed_antidepressant_trials: int = 0,
    **details: Any,
) -> IntakeAssessment:
    """Record an intake: baseline vitals and history, psychiatric assessment, the contraindication checklist.

    Who: a clinician on the care team. Every checklist item needs an explicit true/false.
    Side effects: the suicide-risk screen (``cssrs_answers``, C-SSRS screener) is recorded as an
    assessment, raising a safety flag when warranted; a weight becomes a dated weight and a height
    updates the record; a referred patient moves to screening. A newer intake supersedes earlier
    eligibility decisions (``eligibility_is_current``). Raises ValidationFailed naming the field.
    """
    require_care_team(actor, patient, "record an intake")
    unknown = set(details) - set(TEXT_FIELDS) - set(BOOL_FIELDS)
    if unknown:
        name = sorted(unknown)[0]
        raise ValidationFailed(f"{name} is not an intake field.", field=name)
    checklist = checklists.get_checklist(checklist_version or checklists.CURRENT_VERSION)
    answers = checklist.validate(contraindications)
    assessed_at = check_moment(
        assessed_at or timezone.now(), field="assessed_at", label="Assessed at", not_before=patient.date_of_birth
    )
    vitals = _checked_vitals(bp_systolic=bp_systolic, bp_diastolic=bp_diastolic, heart_rate=heart_rate, spo2=spo2)
    weight = check_number(weight_kg, field="weight_kg", label="Weight", low=20, high=400, unit=" kg", decimal=True)
    height = check_number(height_cm, field="height_cm", label="Height", low=40, high=250, unit=" cm", decimal=True)
    trials = check_number(
        failed_antidepressant_trials or 0,
        field="failed_antidepressant_trials",
        label="Failed antidepressant trials",
        low=0,
        high=50,
    )
    _clean_details(details)

    screen = None
    if cssrs_answers is not None:
        screen = assessment_record(
            actor=actor, patient=patient, instrument="cssrs_screen", answers=cssrs_answers, administered_at=assessed_at
        )
    intake = IntakeAssessment.objects.create(
        patient=patient,
        assessed_at=assessed_at,
        recorded_by=actor,
        weight_kg=weight,
        height_cm=height,
        failed_antidepressant_trials=trials,
        suicide_screen=screen,
        checklist_version=checklist.version,
        contraindications=answers,
        **vitals,
        **details,
    )
    audit_record(
        actor=actor,
        action="intake.recorded",
        target=intake,
        patient=patient,
        changed_fields=["contraindications", *vitals, *details, "weight_kg", "height_cm"],
    )
    if weight is not None:
        WeightMeasurement.objects.create(
            patient=patient, measured_on=clinic_date(assessed_at), weight_kg=weight, recorded_by=actor
        )
    _update_patient_after_intake(actor, patient, height=height)
    return intake


def _checked_vitals(**values: int | None) -> dict[str, int | None]:
    """Baseline vitals within their plausible ranges; blood pressure as a pair, systolic above diastolic."""
    vitals = {
        name: check_number(value, field=name, label=label, low=low, high=high, unit=unit)
        for name, value in values.items()
        for label, low, high, unit in [VITAL_RANGES[name]]
    }
    if (vitals["bp_systolic"] is None) != (vitals["bp_diastolic"] is None):
        missing = "bp_diastolic" if vitals["bp_diastolic"] is None else "bp_systolic"
        raise ValidationFailed("Record blood pressure as both systolic and diastolic.", field=missing)
    if vitals["bp_systolic"] is not None and vitals["bp_systolic"] <= vitals["bp_diastolic"]:
        raise ValidationFailed("Systolic BP must be higher than diastolic BP.", field="bp_systolic")
    return vitals


def _clean_details(details: dict[str, Any]) -> None:
    """Yes/no history answers must be booleans; free-text answers are stripped (in place)."""
    for name in BOOL_FIELDS:
        if name in details and not isinstance(details[name], bool):
            raise ValidationFailed(f"{name} must be true or false.", field=name)
    for name in TEXT_FIELDS:
        if name in details:
            details[name] = (details[name] or "").strip()


def _update_patient_after_intake(actor: User, patient: Patient, *, height: Decimal | None) -> None:
    """A measured height updates the record; a referred patient moves to screening."""
    locked = Patient.objects.select_for_update().get(pk=patient.pk)
    if height is not None and locked.height_cm != height:
        locked.height_cm = height
        locked.save(update_fields=["height_cm", "updated_at"])
        audit_record(actor=actor, action="patient.updated", target=locked, patient=locked, changed_fields=["height_cm"])
    if locked.status == Status.REFERRED:
        _move_status(actor=actor, patient=locked, to_status=Status.SCREENING, reason="Intake recorded")


@transaction.atomic
def eligibility_decide(
    *,
    actor: User,
    patient: Patient,
    decision: str,
    rationale: str,
    intake: IntakeAssessment | None = None,
) -> EligibilityDecision:
    """A prescriber decides eligible / not eligible / deferred, resting on the patient's latest intake.

    Rules: prescribers on the care team only; a rationale is required; the intake must be the
    patient's latest (a decision on a superseded intake would not count); "eligible" is refused while
    any absolute contraindication is marked present on that intake, and the error lists them.
    Side effects: the status follows the decision where the transition table allows it (a screening
    patient becomes eligible / not eligible; a patient in treatment found not eligible stops).
    Raises PermissionDeniedError, ValidationFailed, Conflict (AbsoluteContraindication, stale intake).
    """
    require_prescriber_on_team(actor, patient, "decide eligibility")
    if decision not in EligibilityDecision.Decision.values:
        raise ValidationFailed(
            f"Decision must be one of {', '.join(EligibilityDecision.Decision.values)}.", field="decision"
        )
    rationale = require_text(rationale, field="rationale", label="A rationale")
    locked = Patient.objects.select_for_update().get(pk=patient.pk)
    latest = IntakeAssessment.objects.filter(patient=locked).order_by("-assessed_at", "-id").first()
    if latest is None:
        raise Conflict("Record an intake assessment before deciding eligibility.", field="intake")
    if intake is None:
        intake = latest
    elif intake.patient_id != locked.pk:
        raise ValidationFailed("That intake belongs to another patient.", field="intake")
    elif intake.pk != latest.pk:
        raise Conflict(
            f"A newer intake ({clinic_date(latest.assessed_at):%Y-%m-%d}) supersedes this one; "
            "decide on the latest intake.",
            field="intake",
        )
    if decision == EligibilityDecision.Decision.ELIGIBLE:
        checklist = checklists.get_checklist(intake.checklist_version)
        present = checklist.present(intake.contraindications, checklists.ABSOLUTE)
        if present:
            names = "; ".join(item.label for item in present)
            raise AbsoluteContraindication(
                f"“Eligible” is refused: absolute contraindications are marked present on the intake of "
                f"{clinic_date(intake.assessed_at):%Y-%m-%d}: {names}.",
                field="decision",
                extra={"contraindications": [item.code for item in present]},
            )
    row = EligibilityDecision.objects.create(
        patient=locked,
        intake=intake,
        decision=decision,
        rationale=rationale,
        decided_by=actor,
        decided_at=timezone.now(),
    )
    audit_record(
        actor=actor, action="eligibility.decided", target=row, patient=locked, changed_fields=["decision", "rationale"]
    )
    target = {
        EligibilityDecision.Decision.ELIGIBLE: Status.ELIGIBLE,
        EligibilityDecision.Decision.NOT_ELIGIBLE: Status.NOT_ELIGIBLE,
    }.get(decision)
    # "Eligible" only promotes a patient still being assessed; someone already in treatment stays there.
    promotes = target == Status.ELIGIBLE and locked.status in (Status.SCREENING, Status.NOT_ELIGIBLE)
    stops = target == Status.NOT_ELIGIBLE and target in ALLOWED_TRANSITIONS[locked.status]
    if promotes or stops:
        _move_status(actor=actor, patient=locked, to_status=target, reason=f"Eligibility decision: {decision}")
    return row
