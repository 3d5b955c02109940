"""Live monitoring during a dosing session: vitals and their alerts, the pre-dose BP decisions,
observations (sedation, dissociation) and adverse events.

- Vitals are refused outside plausibility limits (naming the field); a reading beyond the alert
  limits raises an alert a clinician acknowledges.
- Pre-dose BP above 140/90 needs a prescriber's acknowledgement; above 180/110 blocks unless a
  prescriber overrides with a reason. Both are ``GateOverride`` rows, audited.
Every write is audited and refused once the record is signed. Vitals and observations may be
entered late with the time they were taken (``guards.clinical_time``).
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from kap_clinic.accounts.models import User
from kap_clinic.audit.services import audit_record
from kap_clinic.common.errors import Conflict, ValidationFailed
from sessions_app.clinical import thresholds
from sessions_app.clinical.gates import (
    VITAL_FIELDS,
    bp_gate,
    load_state,
)
from sessions_app.clinical.models.dosing import (
    AdverseEvent,
    DosingRecord,
    GateOverride,
    Observation,
    VitalsReading,
)
from sessions_app.clinical.models.live import LiveChange
from sessions_app.clinical.services.guards import (
    clinical_time,
    late_fields,
    require_not_discharged,
    require_open,
    session_advance,
)
from sessions_app.clinical.services.live import dosing_bump
from sessions_app.common.inputs import (
    GateRefused,
    InputRefused,
    boolean,
    choice,
    require_clinician_on_team,
    require_medical_on_team,
    require_prescriber_on_team,
    text,
    whole_number,
)
from sessions_app.scheduling.models import Session


def _vital(values: dict[str, Any], name: str) -> int | None:
    low, high, label, unit = thresholds.PLAUSIBLE[name]
    number = whole_number(values.get(name), field=name, label=label)
    if number is not None and not low <= number <= high:
        raise InputRefused(
            "implausible_vital",
            f"{label} {number} {unit} is not a plausible reading (allowed {low}–{high} {unit}); check and re-enter it.",
            field=name,
        )
    return number


def alerts_for(reading: dict[str, int | None], settings: thresholds.ClinicalSettings) -> list[str]:
    found = []
    if reading["systolic"] is not None and reading["systolic"] > settings.alert_systolic_above:
        found.append("sbp_high")
    if reading["diastolic"] is not None and reading["diastolic"] > settings.alert_diastolic_above:
        found.append("dbp_high")
    if reading["heart_rate"] is not None and reading["heart_rate"] > settings.alert_hr_above:
        found.append("hr_high")
    if reading["heart_rate"] is not None and reading["heart_rate"] < settings.alert_hr_below:
        found.append("hr_low")
    if reading["spo2"] is not None and reading["spo2"] < settings.alert_spo2_below:
        found.append("spo2_low")
    if reading["resp_rate"] is not None and reading["resp_rate"] < settings.alert_rr_below:
        found.append("rr_low")
    return found


@transaction.atomic
def vitals_record(*, actor: User, dosing: DosingRecord, taken_at: Any = None, **values: Any) -> VitalsReading:
    """Record a set of vitals taken now, or at ``taken_at`` when entered late (``guards.clinical_time``).
    A reading taken before the first dose (clinical time) is a pre-dose reading.

    Refuses implausible values naming the field (e.g. SBP 300, SpO2 120), a BP without both
    numbers or with diastolic ≥ systolic, and an empty reading. A value beyond an alert limit
    marks the reading with alerts that stay open until a clinician acknowledges them.
    Side effect: the first reading of a checked-in session starts it (in progress).
    """
    unknown = set(values) - set(VITAL_FIELDS)
    if unknown:
        raise ValidationFailed(f"{sorted(unknown)[0]} is not a vital sign.", field=sorted(unknown)[0])
    state = load_state(dosing, lock=True)
    require_medical_on_team(actor, state.dosing.patient, "record vitals")
    require_open(state)
    require_not_discharged(state.dosing)
    reading = {name: _vital(values, name) for name in VITAL_FIELDS}
    if (reading["systolic"] is None) != (reading["diastolic"] is None):
        missing = "diastolic" if reading["diastolic"] is None else "systolic"
        raise ValidationFailed("Blood pressure needs both systolic and diastolic values.", field=missing)
    if reading["systolic"] is not None and reading["diastolic"] >= reading["systolic"]:
        raise ValidationFailed("Diastolic BP must be lower than systolic BP.", field="diastolic")
    if all(v is None for v in reading.values()):
        raise ValidationFailed("Enter at least one vital sign.", field="systolic")
    now = timezone.now()
    session = state.dosing.session
    at = clinical_time(taken_at, field="taken_at", label="The time of the reading", session=session, now=now)
    dosed = any(a.started_at <= at for a in state.doses)
    row = VitalsReading.objects.create(
        dosing=state.dosing,
        taken_at=at,
        recorded_by=actor,
        phase=VitalsReading.Phase.MONITORING if dosed else VitalsReading.Phase.PRE_DOSE,
        alerts=alerts_for(reading, state.settings),
        **reading,
    )
    dosing_bump(state.dosing, kind=LiveChange.Kind.VITALS, action="vitals.recorded", row=row)
    audit_record(
        actor=actor,
        action="vitals.recorded",
        target=row,
        patient=state.dosing.patient,
        changed_fields=[k for k, v in reading.items() if v is not None]
        + (["alerts"] if row.alerts else [])
        + late_fields("taken_at", at, now),
    )
    if session.status == Session.Status.CHECKED_IN:
        session_advance(actor, session, Session.Status.IN_PROGRESS)
    return row


@transaction.atomic
def vitals_alert_acknowledge(*, actor: User, reading: VitalsReading, note: str = "") -> VitalsReading:
    """A clinician acknowledges an alert (what was done goes in the note, optional)."""
    dosing = reading.dosing
    state = load_state(dosing, lock=True)
    require_medical_on_team(actor, state.dosing.patient, "acknowledge an alert")
    require_open(state)
    note = text(note, field="note", label="The note", max_length=300)
    if not reading.alerts:
        raise Conflict("This reading raised no alert.", field="reading")
    updated = VitalsReading.objects.filter(pk=reading.pk, alert_acknowledged_at__isnull=True).update(
        alert_acknowledged_at=timezone.now(), alert_acknowledged_by=actor, alert_note=note
    )
    if not updated:
        raise Conflict("This alert is already acknowledged.", field="reading")
    reading.refresh_from_db()
    dosing_bump(state.dosing, kind=LiveChange.Kind.VITALS, action="vitals.alert_acknowledged", row=reading)
    audit_record(
        actor=actor,
        action="vitals.alert_acknowledged",
        target=reading,
        patient=state.dosing.patient,
        changed_fields=["alert_acknowledged_at", "alert_note"],
    )
    return reading


@transaction.atomic
def vitals_void(*, actor: User, reading: VitalsReading, reason: str) -> VitalsReading:
    """Void a mistyped reading (it stays on the record, struck through, with the reason)."""
    state = load_state(reading.dosing, lock=True)
    require_medical_on_team(actor, state.dosing.patient, "void a reading")
    require_open(state)
    reason = text(reason, field="reason", label="A reason", max_length=300, required=True)
    updated = VitalsReading.objects.filter(pk=reading.pk, voided_at__isnull=True).update(
        voided_at=timezone.now(), voided_by=actor, void_reason=reason
    )
    if not updated:
        raise Conflict("This reading is already voided.", field="reading")
    reading.refresh_from_db()
    dosing_bump(state.dosing, kind=LiveChange.Kind.VITALS, action="vitals.voided", row=reading)
    audit_record(
        actor=actor, action="vitals.voided", target=reading, patient=state.dosing.patient, changed_fields=["voided_at"]
    )
    return reading


@transaction.atomic
def bp_acknowledge(*, actor: User, dosing: DosingRecord) -> GateOverride:
    """A prescriber acknowledges a pre-dose BP above the acknowledgement level (140/90 by default)."""
    state = load_state(dosing, lock=True)
    require_prescriber_on_team(actor, state.dosing.patient, "acknowledge an elevated blood pressure")
    require_open(state)
    gate = bp_gate(state)
    if gate.state == "blocked":
        raise GateRefused("bp_blocked", gate.message + " An acknowledgement is not enough.", field="override_reason")
    if gate.state != "needs_ack":
        raise Conflict("The latest pre-dose blood pressure needs no acknowledgement.", field="reading")
    decision = GateOverride.objects.create(
        dosing=state.dosing,
        kind=GateOverride.Kind.BP_ACKNOWLEDGEMENT,
        by=actor,
        at=timezone.now(),
        reading=gate.reading,
    )
    dosing_bump(state.dosing, kind=LiveChange.Kind.OVERRIDE, action="dosing.bp_acknowledged", row=decision)
    audit_record(
        actor=actor,
        action="dosing.bp_acknowledged",
        target=decision,
        patient=state.dosing.patient,
        changed_fields=["kind"],
    )
    return decision


@transaction.atomic
def bp_override(*, actor: User, dosing: DosingRecord, reason: str) -> GateOverride:
    """A prescriber overrides a pre-dose BP above the blocking level (180/110), with a reason."""
    state = load_state(dosing, lock=True)
    require_prescriber_on_team(actor, state.dosing.patient, "override the blood-pressure gate")
    require_open(state)
    gate = bp_gate(state)
    if gate.state != "blocked":
        raise Conflict("The latest pre-dose blood pressure is not above the blocking level.", field="reading")
    reason = text(reason, field="override_reason", label="The reason for the override", max_length=300, required=True)
    decision = GateOverride.objects.create(
        dosing=state.dosing,
        kind=GateOverride.Kind.BP_OVERRIDE,
        by=actor,
        at=timezone.now(),
        reading=gate.reading,
        reason=reason,
    )
    dosing_bump(state.dosing, kind=LiveChange.Kind.OVERRIDE, action="dosing.bp_overridden", row=decision)
    audit_record(
        actor=actor,
        action="dosing.bp_overridden",
        target=decision,
        patient=state.dosing.patient,
        changed_fields=["kind", "reason"],
    )
    return decision


@transaction.atomic
def observation_record(
    *,
    actor: User,
    dosing: DosingRecord,
    moaas: Any = None,
    dissociation: str = "",
    respiratory_depression: Any = False,
    note: str = "",
    observed_at: Any = None,
) -> Observation:
    """Record sedation (MOAA/S 0–5) and dissociation seen now, or at ``observed_at`` when entered
    late (``guards.clinical_time``), by any clinician on the care team."""
    state = load_state(dosing, lock=True)
    require_clinician_on_team(actor, state.dosing.patient, "record an observation")
    require_open(state)
    require_not_discharged(state.dosing)
    score = whole_number(moaas, field="moaas", label="MOAA/S")
    if score is not None and not 0 <= score <= 5:
        raise ValidationFailed("MOAA/S runs from 0 (no response) to 5 (responds readily).", field="moaas")
    dissociation = choice(
        dissociation,
        field="dissociation",
        label="a dissociation level",
        choices=Observation.Dissociation,
        required=False,
    )
    resp = bool(boolean(respiratory_depression, field="respiratory_depression", label="Respiratory depression"))
    if score is None and not dissociation and not resp:
        raise ValidationFailed("Record a MOAA/S score, a dissociation level or respiratory depression.", field="moaas")
    now = timezone.now()
    at = clinical_time(
        observed_at, field="observed_at", label="The time of the observation", session=state.dosing.session, now=now
    )
    row = Observation.objects.create(
        dosing=state.dosing,
        observed_at=at,
        recorded_by=actor,
        moaas=score,
        dissociation=dissociation,
        respiratory_depression=resp,
        note=text(note, field="note", label="The note", max_length=300),
    )
    dosing_bump(state.dosing, kind=LiveChange.Kind.OBSERVATION, action="dosing.observation_recorded", row=row)
    audit_record(
        actor=actor,
        action="dosing.observation_recorded",
        target=row,
        patient=state.dosing.patient,
        changed_fields=["moaas", "dissociation", "respiratory_depression", *late_fields("observed_at", at, now)],
    )
    return row


@transaction.atomic
def adverse_event_record(
    *,
    actor: User,
    dosing: DosingRecord,
    code: str,
    severity: str,
    intervention: str,
    description: str = "",
    intervention_detail: str = "",
    serious: Any = False,
) -> AdverseEvent:
    """Record an adverse event from the coded list, with severity and the intervention."""
    state = load_state(dosing, lock=True)
    require_medical_on_team(actor, state.dosing.patient, "record an adverse event")
    require_open(state)
    code = choice(code, field="code", label="an adverse event", choices=AdverseEvent.Code)
    severity = choice(severity, field="severity", label="a severity", choices=AdverseEvent.Severity)
    intervention = choice(
        intervention, field="intervention", label="an intervention", choices=AdverseEvent.Intervention
    )
    description = text(
        description, field="description", label="The description", max_length=300, required=code == "other"
    )
    detail = text(
        intervention_detail,
        field="intervention_detail",
        label="The intervention detail",
        max_length=300,
        required=intervention == "other",
    )
    row = AdverseEvent.objects.create(
        dosing=state.dosing,
        code=code,
        severity=severity,
        intervention=intervention,
        description=description,
        intervention_detail=detail,
        serious=bool(boolean(serious, field="serious", label="Serious adverse event")),
        onset_at=timezone.now(),
        recorded_by=actor,
    )
    dosing_bump(state.dosing, kind=LiveChange.Kind.ADVERSE_EVENT, action="dosing.adverse_event_recorded", row=row)
    audit_record(
        actor=actor,
        action="dosing.adverse_event_recorded",
        target=row,
        patient=state.dosing.patient,
        changed_fields=["code", "severity", "intervention"],
    )
    return row
