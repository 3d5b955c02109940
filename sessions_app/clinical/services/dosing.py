"""Dosing sessions: pre-dose checks and gates, administration, live monitoring, discharge.

The clinical rules (domain.md b; thresholds in ``sessions_app.clinical.thresholds``):
- **Pre-dose checks** (``predose_checks``), each met or not: eligibility current; the treatment
  consent for the medication in force (KAP, or esketamine); a signed preparation ("ready")
  before the first dose; fasting and a ride home confirmed; a weight within 30 days; complete
  pre-dose vitals (BP, HR, SpO2, RR) from the last hour; the patient checked in; the pre-dose
  BP gate; a PHQ-9 within 7 days (a warning only). A dose cannot be recorded while a hard check
  is unmet: ``administration_record`` raises ``GateRefused`` naming the first one.
- **BP gate**: pre-dose BP above 140/90 needs a prescriber's acknowledgement; above 180/110
  blocks unless a prescriber overrides with a reason. Both are ``GateOverride`` rows, audited.
- **Dose range** per route (IV/IM/SL in mg/kg of the latest weight, esketamine in mg, in 28 mg
  devices at least 5 minutes apart): outside it the dose is refused unless a prescriber
  overrides with a reason (audited).
- **Monitoring**: vitals are refused outside plausibility limits (naming the field); a reading
  beyond the alert limits raises an alert a clinician acknowledges.
- **Discharge**: at least 120 minutes (esketamine) or 60 after the dose ended unless a
  prescriber overrides with a reason; modified Aldrete ≥ 9; escort and instructions confirmed;
  no open alert.
Every write is audited and refused once the record is signed. Times are server times.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from kap_clinic.accounts.models import User
from kap_clinic.audit.services import audit_record
from kap_clinic.common import clock
from kap_clinic.common.errors import Conflict, PermissionDeniedError, ValidationFailed
from patients import selectors as patient_selectors
from sessions_app.clinical import thresholds as clinical_settings
from sessions_app.clinical.models.dosing import (
    Administration,
    AdverseEvent,
    Discharge,
    DosingRecord,
    EsketamineDevice,
    GateOverride,
    Medication,
    Observation,
    Route,
    VitalsReading,
)
from sessions_app.clinical.models.notes import PreparationRecord, Readiness
from sessions_app.common.inputs import (
    GateRefused,
    InputRefused,
    RecordSigned,
    boolean,
    choice,
    decimal_number,
    fmt,
    is_active_user,
    on_care_team,
    require_clinician_on_team,
    require_medical_on_team,
    require_prescriber_on_team,
    text,
    whole_number,
)
from sessions_app.inventory import services as inventory_services
from sessions_app.inventory.models import InventoryEntry, InventoryLot
from sessions_app.scheduling.models import Session
from sessions_app.scheduling.services.sessions import session_transition

S = Session.Status
O = GateOverride.Kind  # noqa: E741

ROUTES_FOR = {
    Medication.RACEMIC_KETAMINE: (Route.IV, Route.IM, Route.SUBLINGUAL_ORAL),
    Medication.ESKETAMINE: (Route.INTRANASAL,),
}
CONSENT_KIND = {Medication.RACEMIC_KETAMINE: "kap_treatment", Medication.ESKETAMINE: "esketamine_treatment"}
CONSENT_LABEL = {
    Medication.RACEMIC_KETAMINE: "KAP treatment consent",
    Medication.ESKETAMINE: "esketamine treatment consent",
}
VITAL_FIELDS = ("systolic", "diastolic", "heart_rate", "spo2", "resp_rate")


# --- reading the state ------------------------------------------------------------------------


@dataclass
class Check:
    code: str
    label: str
    met: bool
    detail: str
    hard: bool = True

    @property
    def state(self) -> str:
        return "met" if self.met else ("unmet" if self.hard else "warning")

    @property
    def key(self) -> str:
        """The check itself, whatever its state (``code`` names the refusal when unmet)."""
        return CHECK_KEYS.get(self.code, self.code)


CHECK_KEYS = {
    "not_eligible": "eligibility",
    "consent_missing": "consent",
    "consent_revoked": "consent",
    "no_preparation": "preparation",
    "not_checked_in": "checked_in",
    "fasting_unconfirmed": "fasting",
    "ride_home_unconfirmed": "ride_home",
    "weight_missing": "weight",
    "vitals_missing": "vitals",
    "vitals_stale": "vitals",
    "bp_blocked": "bp",
    "bp_needs_ack": "bp",
    "bp_missing": "bp",
    "phq9_missing": "phq9",
}


@dataclass
class BpGate:
    """Where the pre-dose BP stands: missing, ok, needs_ack, acknowledged, blocked, overridden."""

    state: str
    reading: VitalsReading | None = None
    decision: GateOverride | None = None
    message: str = ""

    @property
    def passes(self) -> bool:
        return self.state in ("ok", "acknowledged", "overridden")


@dataclass
class DosingState:
    """Everything the gates read, loaded once (the page and the services share it)."""

    dosing: DosingRecord
    settings: clinical_settings.ClinicalSettings
    vitals: list[VitalsReading]
    administrations: list[Administration]
    overrides: list[GateOverride]
    at: dt.datetime
    devices: list[EsketamineDevice] = field(default_factory=list)
    memo: dict[Any, Any] = field(default_factory=dict)

    @property
    def live_vitals(self) -> list[VitalsReading]:
        return [v for v in self.vitals if v.voided_at is None]

    @property
    def doses(self) -> list[Administration]:
        return [a for a in self.administrations if a.voided_at is None]

    @property
    def first_dose_at(self) -> dt.datetime | None:
        return min((a.started_at for a in self.doses), default=None)

    @property
    def dose_ended_at(self) -> dt.datetime | None:
        """When the last dose ended (None while any is still running)."""
        if not self.doses or any(a.ended_at is None for a in self.doses):
            return None
        return max(a.ended_at for a in self.doses if a.ended_at is not None)

    @property
    def open_alerts(self) -> list[VitalsReading]:
        return [v for v in self.vitals if v.alert_open]

    def weight_on(self, day: dt.date) -> Any:
        """The latest weight on or before ``day`` (read once per state)."""
        key = ("weight", day)
        if key not in self.memo:
            self.memo[key] = patient_selectors.latest_weight(self.dosing.patient, on=day)
        return self.memo[key]


def load_state(dosing: DosingRecord, *, at: dt.datetime | None = None, lock: bool = False) -> DosingState:
    """The record with its vitals, doses (with lots and devices) and overrides: five queries."""
    if lock:
        dosing = DosingRecord.objects.select_for_update().get(pk=dosing.pk)
    dosing = (
        DosingRecord.objects.select_related("session", "session__room", "patient", "responsible_clinician", "signed_by")
        .filter(pk=dosing.pk)
        .get()
    )
    vitals = list(VitalsReading.objects.filter(dosing=dosing).select_related("recorded_by", "alert_acknowledged_by"))
    administrations = list(
        Administration.objects.filter(dosing=dosing)
        .select_related("lot", "ordering_prescriber", "administered_by")
        .prefetch_related("devices")
    )
    overrides = list(GateOverride.objects.filter(dosing=dosing).select_related("by"))
    devices = [d for a in administrations for d in a.devices.all()]
    return DosingState(
        dosing=dosing,
        settings=clinical_settings.current(),
        vitals=vitals,
        administrations=administrations,
        overrides=overrides,
        at=at or timezone.now(),
        devices=devices,
    )


def _local(value: dt.datetime) -> str:
    return f"{clock.to_local(value):%H:%M}"


def _day(value: dt.datetime | dt.date) -> str:
    if isinstance(value, dt.datetime):
        value = clock.to_local(value).date()
    return f"{value:%Y-%m-%d}"


def latest_predose_bp(state: DosingState) -> VitalsReading | None:
    readings = [v for v in state.live_vitals if v.phase == VitalsReading.Phase.PRE_DOSE and v.systolic is not None]
    return readings[-1] if readings else None


def bp_gate(state: DosingState) -> BpGate:
    s = state.settings
    reading = latest_predose_bp(state)
    if reading is None:
        return BpGate("missing", message="No pre-dose blood pressure yet.")
    sys_, dia = reading.systolic, reading.diastolic
    decisions = [o for o in state.overrides if o.reading_id == reading.pk]
    bp = f"{sys_}/{dia} mmHg"
    if sys_ > s.bp_block_systolic or dia > s.bp_block_diastolic:
        override = next((o for o in decisions if o.kind == O.BP_OVERRIDE), None)
        if override is not None:
            return BpGate("overridden", reading, override, f"{bp}: overridden by {override.by.full_name}.")
        return BpGate(
            "blocked",
            reading,
            message=f"Pre-dose BP {bp} is above {s.bp_block_systolic}/{s.bp_block_diastolic}: dosing is blocked "
            "unless a prescriber overrides with a reason.",
        )
    if sys_ > s.bp_ack_systolic or dia > s.bp_ack_diastolic:
        ack = next((o for o in decisions if o.kind in (O.BP_ACKNOWLEDGEMENT, O.BP_OVERRIDE)), None)
        if ack is not None:
            return BpGate("acknowledged", reading, ack, f"{bp}: acknowledged by {ack.by.full_name}.")
        return BpGate(
            "needs_ack",
            reading,
            message=f"Pre-dose BP {bp} is above {s.bp_ack_systolic}/{s.bp_ack_diastolic}: a prescriber must "
            "acknowledge it before dosing.",
        )
    return BpGate("ok", reading, message=f"{bp}.")


def _consent_check(state: DosingState, at: dt.datetime) -> Check:
    from consent import selectors as consent_selectors

    dosing = state.dosing
    kind = CONSENT_KIND[Medication(dosing.medication)]
    label = CONSENT_LABEL[Medication(dosing.medication)]
    if consent_selectors.has_active_consent(patient=dosing.patient, kind=kind, at=at):
        return Check("consent", f"{label[0].upper()}{label[1:]} active", True, "Signed and in force.")
    status = next(
        (
            st
            for st in consent_selectors.consent_status_for_patient(patient=dosing.patient, at=at)
            if st.kind.code == kind
        ),
        None,
    )
    if status is not None and status.state == "revoked":
        revoked_at = status.record.revocation.revoked_at
        detail = f"The {label} was revoked on {_day(revoked_at)}; dosing needs a consent in force."
        return Check("consent_revoked", f"{label[0].upper()}{label[1:]} active", False, detail)
    if status is not None and status.state == "superseded":
        detail = f"The {label} must be signed again (a new version requires re-consent)."
        return Check("consent_missing", f"{label[0].upper()}{label[1:]} active", False, detail)
    detail = f"No signed {label} is in force."
    return Check("consent_missing", f"{label[0].upper()}{label[1:]} active", False, detail)


def _is_first_dose(dosing: DosingRecord) -> bool:
    return not Administration.objects.filter(
        dosing__patient_id=dosing.patient_id,
        voided_at__isnull=True,
        dosing__session__starts_at__lt=dosing.session.starts_at,
    ).exists()


def _preparation_check(state: DosingState, at: dt.datetime) -> Check:
    dosing = state.dosing
    label = "Preparation completed before the first dose"
    if not _is_first_dose(dosing):
        return Check("preparation", label, True, "Not the first dose (preparation was checked before it).")
    prep = (
        PreparationRecord.objects.filter(
            patient_id=dosing.patient_id,
            signed_at__isnull=False,
            signed_at__lte=at,
            readiness=Readiness.READY,
            session__starts_at__lt=dosing.session.starts_at,
        )
        .order_by("-signed_at")
        .first()
    )
    if prep is None:
        return Check(
            "no_preparation",
            label,
            False,
            "No signed preparation record marked “ready” before this first dose.",
        )
    return Check("preparation", label, True, f"Signed {_day(prep.signed_at)}.")


def predose_checks(state: DosingState, *, at: dt.datetime | None = None) -> list[Check]:
    """Every pre-dose check, met or not, evaluated at ``at`` (default: the first dose, else now)."""
    at = at or state.first_dose_at or state.at
    s = state.settings
    dosing = state.dosing
    patient = dosing.patient
    checks: list[Check] = []

    eligibility = patient_selectors.eligibility_state(patient, at)
    checks.append(
        Check(
            "eligibility" if eligibility.is_current else "not_eligible",
            "Eligibility current",
            eligibility.is_current,
            eligibility.reason
            if not eligibility.is_current
            else f"Eligible since {_day(eligibility.decision.decided_at)}.",
        )
    )
    checks.append(_consent_check(state, at))
    checks.append(_preparation_check(state, at))
    checked_in = dosing.session.status in (S.CHECKED_IN, S.IN_PROGRESS, S.COMPLETED)
    checks.append(
        Check(
            "checked_in" if checked_in else "not_checked_in",
            "Patient checked in",
            checked_in,
            "Checked in." if checked_in else "Check the patient in before dosing.",
        )
    )
    fasting = f"no food for {s.fasting_food_hours} h, no liquids for {s.fasting_liquid_minutes} min"
    checks.append(
        Check(
            "fasting" if dosing.fasting_confirmed_at else "fasting_unconfirmed",
            f"Fasting confirmed ({fasting})",
            dosing.fasting_confirmed_at is not None,
            f"Confirmed {_local(dosing.fasting_confirmed_at)}."
            if dosing.fasting_confirmed_at
            else "Not confirmed yet.",
        )
    )
    ride = dosing.ride_home_confirmed_at
    checks.append(
        Check(
            "ride_home" if ride else "ride_home_unconfirmed",
            "Ride home confirmed",
            ride is not None,
            f"{dosing.escort_name}, confirmed {_local(ride)}." if ride else "No ride home confirmed: do not dose.",
        )
    )
    day = clock.to_local(at).date()
    weight = state.weight_on(day)
    fresh = weight is not None and (day - weight.measured_on).days <= s.weight_max_age_days
    if weight is None:
        weight_detail = "No weight recorded."
    elif not fresh:
        weight_detail = f"Latest weight is from {weight.measured_on:%Y-%m-%d}; record today's weight."
    else:
        weight_detail = f"{fmt(weight.weight_kg)} kg on {weight.measured_on:%Y-%m-%d}."
    checks.append(
        Check(
            "weight" if fresh else "weight_missing",
            f"Weight within {s.weight_max_age_days} days",
            fresh,
            weight_detail,
        )
    )
    checks.append(_vitals_check(state, at))
    gate = bp_gate(state)
    checks.append(
        Check(
            {"blocked": "bp_blocked", "needs_ack": "bp_needs_ack", "missing": "bp_missing"}.get(gate.state, "bp"),
            "Pre-dose blood pressure gate",
            gate.passes,
            gate.message,
        )
    )
    phq9 = patient_selectors.latest_assessment(
        patient=patient, instrument="phq9", since=at - dt.timedelta(days=s.phq9_max_age_days), until=at
    )
    checks.append(
        Check(
            "phq9" if phq9 else "phq9_missing",
            f"PHQ-9 within {s.phq9_max_age_days} days",
            phq9 is not None,
            f"Score {phq9.total} on {_day(phq9.administered_at)}." if phq9 else "No recent PHQ-9 (warning only).",
            hard=False,
        )
    )
    return checks


def _vitals_check(state: DosingState, at: dt.datetime) -> Check:
    s = state.settings
    label = "Pre-dose vitals (BP, HR, SpO2, RR)"
    pre = [
        v
        for v in state.live_vitals
        if v.phase == VitalsReading.Phase.PRE_DOSE and all(getattr(v, f) is not None for f in VITAL_FIELDS)
    ]
    if not pre:
        return Check("vitals_missing", label, False, "Record a full set of pre-dose vitals.")
    latest = pre[-1]
    if at - latest.taken_at > dt.timedelta(minutes=s.predose_vitals_max_age_minutes):
        return Check(
            "vitals_stale",
            label,
            False,
            f"The last full set was at {_local(latest.taken_at)}; take them again "
            f"(they count for {s.predose_vitals_max_age_minutes} minutes).",
        )
    return Check(
        "vitals",
        label,
        True,
        f"{latest.bp}, HR {latest.heart_rate}, SpO2 {latest.spo2}%, RR {latest.resp_rate} "
        f"at {_local(latest.taken_at)}.",
    )


def unmet_hard_checks(checks: list[Check]) -> list[Check]:
    return [c for c in checks if c.hard and not c.met]


# --- small guards -------------------------------------------------------------------------------


def _require_open(state: DosingState) -> None:
    if state.dosing.signed_at is not None:
        raise RecordSigned("This dosing record is signed; corrections are addenda.")


def _require_not_discharged(dosing: DosingRecord) -> None:
    if Discharge.objects.filter(dosing=dosing).exists():
        raise Conflict("The patient has been discharged; add an addendum for anything after discharge.")


def _check_medication_route(medication: str, route: str) -> tuple[str, str]:
    medication = choice(medication, field="medication", label="a medication", choices=Medication)
    route = choice(route, field="route", label="a route", choices=Route)
    if route not in ROUTES_FOR[Medication(medication)]:
        allowed = ", ".join(Route(r).label for r in ROUTES_FOR[Medication(medication)])
        raise ValidationFailed(f"{Medication(medication).label} is given by: {allowed}.", field="route")
    return medication, route


def _reason(value: Any, field: str = "override_reason") -> str:
    return text(value, field=field, label="The reason", max_length=300)


def _try_transition(actor: User, session: Session, to_status: str) -> None:
    """Move the appointment along its status machine when this actor may (scheduling owns the rules)."""
    # Only clinicians on the session start or complete it; another care-team clinician
    # recording a dose leaves the status for the session's own staff to move.
    with contextlib.suppress(PermissionDeniedError):
        session_transition(actor=actor, session=session, to_status=to_status)


# --- opening the record and confirming checks ----------------------------------------------------


@transaction.atomic
def dosing_open(*, actor: User, session: Session, medication: str, route: str) -> DosingRecord:
    """Open the dosing record of a dosing session (prescriber or nurse on the care team).

    The medication decides which consent the gate asks for; the route, which dose range applies.
    The session's lead clinician is the responsible clinician who signs. Refused for a session
    that is not a dosing session, is cancelled, a no-show, or already has a record.
    """
    session = Session.objects.select_for_update().select_related("patient").get(pk=session.pk)
    require_medical_on_team(actor, session.patient, "open a dosing record")
    if session.kind != Session.Kind.DOSING:
        raise ValidationFailed("A dosing record belongs to a dosing session.", field="session")
    if session.status in (S.CANCELLED, S.NO_SHOW):
        raise Conflict(f"This session is {session.get_status_display().lower()}.", field="session")
    medication, route = _check_medication_route(medication, route)
    if DosingRecord.objects.filter(session=session).exists():
        raise Conflict("This session already has a dosing record.", field="session")
    try:
        with transaction.atomic():
            dosing = DosingRecord.objects.create(
                session=session,
                patient=session.patient,
                medication=medication,
                route=route,
                responsible_clinician=session.lead_clinician,
                opened_by=actor,
            )
    except IntegrityError:
        raise Conflict("This session already has a dosing record.", field="session") from None
    audit_record(
        actor=actor,
        action="dosing_record.opened",
        target=dosing,
        patient=session.patient,
        changed_fields=["medication", "route"],
    )
    return dosing


@transaction.atomic
def dosing_plan_update(*, actor: User, dosing: DosingRecord, medication: str, route: str) -> DosingRecord:
    """Change the planned medication or route, only before any dose is recorded."""
    state = load_state(dosing, lock=True)
    require_medical_on_team(actor, state.dosing.patient, "change the dosing plan")
    _require_open(state)
    if state.doses:
        raise Conflict("A dose is already recorded; the medication and route can no longer change.", field="route")
    medication, route = _check_medication_route(medication, route)
    DosingRecord.objects.filter(pk=dosing.pk).update(medication=medication, route=route, updated_at=timezone.now())
    audit_record(
        actor=actor,
        action="dosing_record.plan_changed",
        target=state.dosing,
        patient=state.dosing.patient,
        changed_fields=["medication", "route"],
    )
    state.dosing.refresh_from_db()
    return state.dosing


@transaction.atomic
def dosing_check_in(*, actor: User, dosing: DosingRecord) -> Session:
    """Check the patient in from the dosing page (confirming the appointment first if needed)."""
    session = dosing.session
    require_clinician_on_team(actor, dosing.patient, "check the patient in")
    if session.status == S.SCHEDULED:
        session = session_transition(actor=actor, session=session, to_status=S.CONFIRMED)
    return session_transition(actor=actor, session=session, to_status=S.CHECKED_IN)


@transaction.atomic
def dosing_confirm(
    *, actor: User, dosing: DosingRecord, item: str, escort_name: str = "", escort_phone: str = ""
) -> DosingRecord:
    """Confirm fasting (no food 2 h, no liquids 30 min) or the ride home (with the escort's name)."""
    state = load_state(dosing, lock=True)
    require_medical_on_team(actor, state.dosing.patient, "confirm pre-dose checks")
    _require_open(state)
    now = timezone.now()
    if item == "fasting":
        fields = {"fasting_confirmed_at": now, "fasting_confirmed_by": actor}
    elif item == "ride_home":
        name = text(escort_name, field="escort_name", label="The escort's name", max_length=120, required=True)
        phone = text(escort_phone, field="escort_phone", label="The escort's phone", max_length=40)
        fields = {
            "ride_home_confirmed_at": now,
            "ride_home_confirmed_by": actor,
            "escort_name": name,
            "escort_phone": phone,
        }
    else:
        raise ValidationFailed("Confirm either fasting or the ride home.", field="item")
    DosingRecord.objects.filter(pk=dosing.pk).update(**fields, updated_at=now)
    audit_record(
        actor=actor,
        action=f"dosing_record.{item}_confirmed",
        target=state.dosing,
        patient=state.dosing.patient,
        changed_fields=list(fields),
    )
    state.dosing.refresh_from_db()
    return state.dosing


# --- vitals, alerts and the BP gate ----------------------------------------------------------------


def _vital(values: dict[str, Any], name: str) -> int | None:
    low, high, label, unit = clinical_settings.PLAUSIBLE[name]
    number = whole_number(values.get(name), field=name, label=label)
    if number is not None and not low <= number <= high:
        raise InputRefused(
            "implausible_vital",
            f"{label} {number} {unit} is not a plausible reading (allowed {low}–{high} {unit}); check and re-enter it.",
            field=name,
        )
    return number


def alerts_for(reading: dict[str, int | None], s: clinical_settings.ClinicalSettings) -> list[str]:
    found = []
    if reading["systolic"] is not None and reading["systolic"] > s.alert_systolic_above:
        found.append("sbp_high")
    if reading["diastolic"] is not None and reading["diastolic"] > s.alert_diastolic_above:
        found.append("dbp_high")
    if reading["heart_rate"] is not None and reading["heart_rate"] > s.alert_hr_above:
        found.append("hr_high")
    if reading["heart_rate"] is not None and reading["heart_rate"] < s.alert_hr_below:
        found.append("hr_low")
    if reading["spo2"] is not None and reading["spo2"] < s.alert_spo2_below:
        found.append("spo2_low")
    if reading["resp_rate"] is not None and reading["resp_rate"] < s.alert_rr_below:
        found.append("rr_low")
    return found


@transaction.atomic
def vitals_record(*, actor: User, dosing: DosingRecord, **values: Any) -> VitalsReading:
    """Record a set of vitals now (server time). Before the first dose it is a pre-dose reading.

    Refuses implausible values naming the field (e.g. SBP 300, SpO2 120), a BP without both
    numbers or with diastolic ≥ systolic, and an empty reading. A value beyond an alert limit
    marks the reading with alerts that stay open until a clinician acknowledges them.
    """
    unknown = set(values) - set(VITAL_FIELDS)
    if unknown:
        raise ValidationFailed(f"{sorted(unknown)[0]} is not a vital sign.", field=sorted(unknown)[0])
    state = load_state(dosing, lock=True)
    require_medical_on_team(actor, state.dosing.patient, "record vitals")
    _require_open(state)
    _require_not_discharged(state.dosing)
    reading = {name: _vital(values, name) for name in VITAL_FIELDS}
    if (reading["systolic"] is None) != (reading["diastolic"] is None):
        missing = "diastolic" if reading["diastolic"] is None else "systolic"
        raise ValidationFailed("Blood pressure needs both systolic and diastolic values.", field=missing)
    if reading["systolic"] is not None and reading["diastolic"] >= reading["systolic"]:
        raise ValidationFailed("Diastolic BP must be lower than systolic BP.", field="diastolic")
    if all(v is None for v in reading.values()):
        raise ValidationFailed("Enter at least one vital sign.", field="systolic")
    phase = VitalsReading.Phase.MONITORING if state.doses else VitalsReading.Phase.PRE_DOSE
    row = VitalsReading.objects.create(
        dosing=state.dosing,
        taken_at=timezone.now(),
        recorded_by=actor,
        phase=phase,
        alerts=alerts_for(reading, state.settings),
        **reading,
    )
    audit_record(
        actor=actor,
        action="vitals.recorded",
        target=row,
        patient=state.dosing.patient,
        changed_fields=[k for k, v in reading.items() if v is not None] + (["alerts"] if row.alerts else []),
    )
    return row


@transaction.atomic
def vitals_alert_acknowledge(*, actor: User, reading: VitalsReading, note: str = "") -> VitalsReading:
    """A clinician acknowledges an alert (what was done goes in the note, optional)."""
    dosing = reading.dosing
    state = load_state(dosing, lock=True)
    require_medical_on_team(actor, state.dosing.patient, "acknowledge an alert")
    _require_open(state)
    note = text(note, field="note", label="The note", max_length=300)
    if not reading.alerts:
        raise Conflict("This reading raised no alert.", field="reading")
    updated = VitalsReading.objects.filter(pk=reading.pk, alert_acknowledged_at__isnull=True).update(
        alert_acknowledged_at=timezone.now(), alert_acknowledged_by=actor, alert_note=note
    )
    if not updated:
        raise Conflict("This alert is already acknowledged.", field="reading")
    reading.refresh_from_db()
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
    _require_open(state)
    reason = text(reason, field="reason", label="A reason", max_length=300, required=True)
    updated = VitalsReading.objects.filter(pk=reading.pk, voided_at__isnull=True).update(
        voided_at=timezone.now(), voided_by=actor, void_reason=reason
    )
    if not updated:
        raise Conflict("This reading is already voided.", field="reading")
    reading.refresh_from_db()
    audit_record(
        actor=actor, action="vitals.voided", target=reading, patient=state.dosing.patient, changed_fields=["voided_at"]
    )
    return reading


@transaction.atomic
def bp_acknowledge(*, actor: User, dosing: DosingRecord) -> GateOverride:
    """A prescriber acknowledges a pre-dose BP above the acknowledgement level (140/90 by default)."""
    state = load_state(dosing, lock=True)
    require_prescriber_on_team(actor, state.dosing.patient, "acknowledge an elevated blood pressure")
    _require_open(state)
    gate = bp_gate(state)
    if gate.state == "blocked":
        raise GateRefused("bp_blocked", gate.message + " An acknowledgement is not enough.", field="override_reason")
    if gate.state != "needs_ack":
        raise Conflict("The latest pre-dose blood pressure needs no acknowledgement.", field="reading")
    decision = GateOverride.objects.create(
        dosing=state.dosing, kind=O.BP_ACKNOWLEDGEMENT, by=actor, at=timezone.now(), reading=gate.reading
    )
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
    _require_open(state)
    gate = bp_gate(state)
    if gate.state != "blocked":
        raise Conflict("The latest pre-dose blood pressure is not above the blocking level.", field="reading")
    reason = text(reason, field="override_reason", label="The reason for the override", max_length=300, required=True)
    decision = GateOverride.objects.create(
        dosing=state.dosing, kind=O.BP_OVERRIDE, by=actor, at=timezone.now(), reading=gate.reading, reason=reason
    )
    audit_record(
        actor=actor,
        action="dosing.bp_overridden",
        target=decision,
        patient=state.dosing.patient,
        changed_fields=["kind", "reason"],
    )
    return decision


# --- administration ------------------------------------------------------------------------------


def dose_range(dosing: DosingRecord, s: clinical_settings.ClinicalSettings) -> tuple[Decimal, Decimal, str]:
    """(low, high, unit) for the record's route: mg/kg for racemic ketamine, mg for esketamine."""
    if dosing.medication == Medication.ESKETAMINE:
        return Decimal(s.dose_esketamine_min), Decimal(s.dose_esketamine_max), "mg"
    prefix = {Route.IV: "dose_iv", Route.IM: "dose_im", Route.SUBLINGUAL_ORAL: "dose_sl"}[Route(dosing.route)]
    return Decimal(getattr(s, f"{prefix}_min")), Decimal(getattr(s, f"{prefix}_max")), "mg/kg"


def _ordering_prescriber(prescriber: User | None, dosing: DosingRecord) -> User:
    if prescriber is None:
        raise ValidationFailed("Choose the ordering prescriber.", field="ordering_prescriber")
    if not (is_active_user(prescriber) and prescriber.is_prescriber and on_care_team(prescriber, dosing.patient)):
        raise ValidationFailed(
            "The ordering prescriber must be an active prescriber on the patient's care team.",
            field="ordering_prescriber",
        )
    return prescriber


def _refuse_unmet(checks: list[Check]) -> None:
    unmet = unmet_hard_checks(checks)
    if unmet:
        first = unmet[0]
        others = [c.label for c in unmet[1:]]
        tail = f" (also unmet: {'; '.join(others)})" if others else ""
        raise GateRefused(
            first.code,
            f"Dose refused: {first.label.lower()} is not met. {first.detail}{tail}",
            extra={"unmet": [c.code for c in unmet]},
        )


@transaction.atomic
def administration_record(
    *,
    actor: User,
    dosing: DosingRecord,
    dose_mg: Any,
    lot: InventoryLot | None,
    ordering_prescriber: User | None,
    infusion_minutes: Any = None,
    override_reason: str = "",
) -> Administration:
    """Record a dose given now, by ``actor`` (prescriber or nurse), ordered by a prescriber.

    Gates, in order (each refusal has its own code and message, nothing is saved):
    the record is open and the patient not discharged; every hard pre-dose check is met (before
    the first dose; consent and eligibility again for any later dose); the dose lies in the
    route's range, or a *prescriber* recording it overrides with a reason; esketamine comes in
    whole 28 mg devices; IV needs its infusion duration; the lot is usable (not expired, not
    voided, right medication) and holds enough (the log is debited in the same transaction).
    Side effects: the appointment moves to "in progress"; esketamine records its first device.
    """
    state = load_state(dosing, lock=True)
    dosing = state.dosing
    require_medical_on_team(actor, dosing.patient, "record a dose")
    _require_open(state)
    _require_not_discharged(dosing)
    s = state.settings
    now = timezone.now()
    checks = predose_checks(state, at=now)
    if state.doses:
        # Later doses in the same session: the permissions (eligibility, consent) are checked again.
        checks = [c for c in checks if c.key in ("eligibility", "consent")]
    _refuse_unmet(checks)
    if state.doses and any(a.ended_at is None for a in state.doses):
        raise Conflict("The previous dose is still running; record its end first.", field="dose_mg")

    dose = decimal_number(dose_mg, field="dose_mg", label="Dose (mg)")
    if dose <= 0:
        raise ValidationFailed("Dose (mg) must be more than zero.", field="dose_mg")
    prescriber = _ordering_prescriber(ordering_prescriber, dosing)
    minutes = None
    devices = None
    weight = patient_selectors.latest_weight(dosing.patient, on=clock.to_local(now).date())
    mg_per_kg = None
    if dosing.route == Route.IV:
        minutes = whole_number(
            infusion_minutes, field="infusion_minutes", label="Infusion duration (min)", required=True
        )
        if not 1 <= minutes <= 240:
            raise ValidationFailed("Infusion duration must be between 1 and 240 minutes.", field="infusion_minutes")
    total = dose + sum((a.dose_mg for a in state.doses), Decimal(0))
    if dosing.medication == Medication.ESKETAMINE:
        per_device = Decimal(s.esketamine_device_mg)
        if dose % per_device:
            raise ValidationFailed(
                f"Esketamine is given in whole {fmt(per_device)} mg devices (e.g. 56 mg = 2 devices).", field="dose_mg"
            )
        devices = int(dose / per_device)
        measure = total
    else:
        if weight is None:
            raise GateRefused("weight_missing", "A weight is needed to compute mg/kg.", field="dose_mg")
        mg_per_kg = (dose / weight.weight_kg).quantize(Decimal("0.001"), ROUND_HALF_UP)
        measure = (total / weight.weight_kg).quantize(Decimal("0.001"), ROUND_HALF_UP)
    low, high, unit = dose_range(dosing, s)
    override = None
    reason = _reason(override_reason)
    if not low <= measure <= high:
        route_label = "Esketamine" if dosing.medication == Medication.ESKETAMINE else Route(dosing.route).label
        so_far = " for the session" if state.doses else ""
        message = f"{fmt(measure)} {unit}{so_far} is outside the {route_label} range {fmt(low)}–{fmt(high)} {unit}."
        if not reason:
            raise InputRefused(
                "dose_out_of_range",
                message + " A prescriber must override with a reason to give it.",
                field="dose_mg",
                extra={"low": str(low), "high": str(high), "unit": unit, "value": str(measure)},
            )
        if not actor.is_prescriber:
            raise PermissionDeniedError(message + " Only a prescriber may override the dose range.")
        override = GateOverride(dosing=dosing, kind=O.DOSE_RANGE, by=actor, at=now, reason=reason, dose_mg=dose)
    if lot is None:
        raise ValidationFailed("Choose the lot the dose comes from.", field="lot")
    # Name a lot problem before writing anything (the debit re-checks under the lot's row lock).
    lot_error = inventory_services.lot_usability_error(lot, medication=dosing.medication, on=clock.to_local(now).date())
    if lot_error is not None:
        raise lot_error
    needed = Decimal(devices) if devices is not None else dose
    if lot.balance < needed:
        raise GateRefused(
            "insufficient_balance",
            f"Lot {lot.lot_number} has {inventory_services.quantity_label(lot, lot.balance)} left; this dose needs "
            f"{inventory_services.quantity_label(lot, needed)}. The balance cannot go below zero.",
            field="lot",
        )
    if override is not None:
        override.save()
    if mg_per_kg is None and weight is not None:
        mg_per_kg = (dose / weight.weight_kg).quantize(Decimal("0.001"), ROUND_HALF_UP)

    administration = Administration.objects.create(
        dosing=dosing,
        medication=dosing.medication,
        route=dosing.route,
        dose_mg=dose,
        weight=weight,
        weight_kg=weight.weight_kg if weight else None,
        mg_per_kg=mg_per_kg,
        infusion_minutes=minutes,
        planned_devices=devices,
        lot=lot,
        ordering_prescriber=prescriber,
        administered_by=actor,
        started_at=now,
        ended_at=now if dosing.route == Route.IM else None,
    )
    if dosing.medication == Medication.ESKETAMINE:
        _give_device(actor=actor, administration=administration, number=1, at=now)
    else:
        inventory_services.inventory_debit_for_dose(
            actor=actor,
            lot=lot,
            quantity=dose,
            medication=dosing.medication,
            patient=dosing.patient,
            at=now,
            administration=administration,
        )
    if override is not None:
        audit_record(
            actor=actor,
            action="dosing.dose_range_overridden",
            target=override,
            patient=dosing.patient,
            changed_fields=["dose_mg", "reason"],
        )
    audit_record(
        actor=actor,
        action="dosing.administered",
        target=administration,
        patient=dosing.patient,
        changed_fields=["dose_mg", "route", "lot", "ordering_prescriber", "started_at"],
    )
    if dosing.session.status == S.CHECKED_IN:
        _try_transition(actor, dosing.session, S.IN_PROGRESS)
    return administration


def _give_device(*, actor: User, administration: Administration, number: int, at: dt.datetime) -> EsketamineDevice:
    device = EsketamineDevice.objects.create(
        administration=administration, dosing_id=administration.dosing_id, number=number, given_at=at, given_by=actor
    )
    inventory_services.inventory_debit_for_dose(
        actor=actor,
        lot=administration.lot,
        quantity=Decimal(1),
        medication=administration.medication,
        patient=administration.dosing.patient,
        at=at,
        administration=administration,
        device=device,
    )
    if number == administration.planned_devices:
        Administration.objects.filter(pk=administration.pk).update(ended_at=at)
        administration.ended_at = at
    return device


@transaction.atomic
def esketamine_device_give(*, actor: User, administration: Administration) -> EsketamineDevice:
    """Record the next esketamine device, at least 5 minutes (setting) after the previous one."""
    state = load_state(administration.dosing, lock=True)
    require_medical_on_team(actor, state.dosing.patient, "record an esketamine device")
    _require_open(state)
    _require_not_discharged(state.dosing)
    administration = next((a for a in state.administrations if a.pk == administration.pk), None)
    if administration is None or administration.voided_at is not None:
        raise Conflict("This dose was voided.", field="administration")
    if administration.medication != Medication.ESKETAMINE:
        raise ValidationFailed("Only esketamine is given device by device.", field="administration")
    given = sorted(administration.devices.all(), key=lambda d: d.number)
    if len(given) >= administration.planned_devices:
        raise Conflict(
            f"All {administration.planned_devices} devices of this dose are already recorded.", field="administration"
        )
    now = timezone.now()
    gap = dt.timedelta(minutes=state.settings.esketamine_device_gap_minutes)
    if given and now - given[-1].given_at < gap:
        raise GateRefused(
            "device_too_soon",
            f"Wait at least {state.settings.esketamine_device_gap_minutes} minutes between devices: device "
            f"{len(given) + 1} can be given from {_local(given[-1].given_at + gap)}.",
            field="administration",
        )
    device = _give_device(actor=actor, administration=administration, number=len(given) + 1, at=now)
    audit_record(
        actor=actor,
        action="dosing.device_given",
        target=device,
        patient=state.dosing.patient,
        changed_fields=["number", "given_at"],
    )
    return device


@transaction.atomic
def administration_end(*, actor: User, administration: Administration) -> Administration:
    """Record that a dose ended now (an infusion stopped, a lozenge dissolved or spat out)."""
    state = load_state(administration.dosing, lock=True)
    require_medical_on_team(actor, state.dosing.patient, "record the end of a dose")
    _require_open(state)
    administration = next((a for a in state.administrations if a.pk == administration.pk), None)
    if administration is None or administration.voided_at is not None:
        raise Conflict("This dose was voided.", field="administration")
    if administration.ended_at is not None:
        raise Conflict("The end of this dose is already recorded.", field="administration")
    if administration.medication == Medication.ESKETAMINE:
        raise Conflict("An esketamine dose ends with its last device.", field="administration")
    now = timezone.now()
    Administration.objects.filter(pk=administration.pk).update(ended_at=now)
    administration.ended_at = now
    audit_record(
        actor=actor,
        action="dosing.dose_ended",
        target=administration,
        patient=state.dosing.patient,
        changed_fields=["ended_at"],
    )
    return administration


@transaction.atomic
def administration_void(*, actor: User, administration: Administration, reason: str) -> Administration:
    """Void a dose recorded by mistake (prescriber): the lot gets the quantity back through the log."""
    state = load_state(administration.dosing, lock=True)
    require_prescriber_on_team(actor, state.dosing.patient, "void a dose")
    _require_open(state)
    _require_not_discharged(state.dosing)
    reason = text(reason, field="reason", label="A reason", max_length=300, required=True)
    updated = Administration.objects.filter(pk=administration.pk, voided_at__isnull=True).update(
        voided_at=timezone.now(), voided_by=actor, void_reason=reason
    )
    if not updated:
        raise Conflict("This dose is already voided.", field="administration")
    for entry in InventoryEntry.objects.filter(
        administration=administration, kind=InventoryEntry.Kind.ADMINISTRATION, voided_at__isnull=True
    ):
        inventory_services.inventory_reverse_dose(actor=actor, entry=entry, reason=f"Dose voided: {reason}")
    administration.refresh_from_db()
    audit_record(
        actor=actor,
        action="dosing.dose_voided",
        target=administration,
        patient=state.dosing.patient,
        changed_fields=["voided_at", "void_reason"],
    )
    return administration


# --- observations and adverse events ---------------------------------------------------------------


@transaction.atomic
def observation_record(
    *,
    actor: User,
    dosing: DosingRecord,
    moaas: Any = None,
    dissociation: str = "",
    respiratory_depression: Any = False,
    note: str = "",
) -> Observation:
    """Record sedation (MOAA/S 0–5) and dissociation seen now (any clinician on the care team)."""
    state = load_state(dosing, lock=True)
    require_clinician_on_team(actor, state.dosing.patient, "record an observation")
    _require_open(state)
    _require_not_discharged(state.dosing)
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
    row = Observation.objects.create(
        dosing=state.dosing,
        observed_at=timezone.now(),
        recorded_by=actor,
        moaas=score,
        dissociation=dissociation,
        respiratory_depression=resp,
        note=text(note, field="note", label="The note", max_length=300),
    )
    audit_record(
        actor=actor,
        action="dosing.observation_recorded",
        target=row,
        patient=state.dosing.patient,
        changed_fields=["moaas", "dissociation", "respiratory_depression"],
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
    _require_open(state)
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
    audit_record(
        actor=actor,
        action="dosing.adverse_event_recorded",
        target=row,
        patient=state.dosing.patient,
        changed_fields=["code", "severity", "intervention"],
    )
    return row


# --- discharge ---------------------------------------------------------------------------------------


ALDRETE_ITEMS = (
    ("aldrete_activity", "Activity"),
    ("aldrete_respiration", "Respiration"),
    ("aldrete_circulation", "Circulation (BP within 20% of baseline)"),
    ("aldrete_consciousness", "Consciousness"),
    ("aldrete_spo2", "Oxygen saturation"),
)
REMS_REQUIRED = (
    ("rems_vitals_ok_before", "Vitals acceptable before administration"),
    ("rems_vitals_ok_at_end", "Vitals acceptable at the end of monitoring"),
    ("rems_benzodiazepines", "Concomitant benzodiazepines"),
    ("rems_non_benzo_sedatives", "Concomitant non-benzodiazepine sedative hypnotics"),
    ("rems_psychostimulants", "Concomitant psychostimulants"),
    ("rems_maois", "Concomitant MAOIs"),
    ("rems_opioids", "Concomitant opioids"),
)


def minimum_observation_minutes(dosing: DosingRecord, s: clinical_settings.ClinicalSettings) -> int:
    return s.observation_esketamine_minutes if dosing.is_esketamine else s.observation_other_minutes


def earliest_discharge(state: DosingState) -> dt.datetime | None:
    ended = state.dose_ended_at
    if ended is None:
        return None
    return ended + dt.timedelta(minutes=minimum_observation_minutes(state.dosing, state.settings))


@dataclass
class Resolution:
    occurred: bool
    resolved: bool


def effects_resolution(observations: list[Observation]) -> dict[str, Resolution]:
    """Whether sedation, dissociation and respiratory depression occurred and have resolved (latest observation)."""
    latest = observations[-1] if observations else None
    sedation = any(o.moaas is not None and o.moaas < 5 for o in observations)
    dissociation = any(o.dissociation not in ("", "none") for o in observations)
    resp = any(o.respiratory_depression for o in observations)
    latest_moaas = next((o.moaas for o in reversed(observations) if o.moaas is not None), None)
    latest_diss = next((o.dissociation for o in reversed(observations) if o.dissociation), "")
    return {
        "sedation": Resolution(sedation, not sedation or latest_moaas == 5),
        "dissociation": Resolution(dissociation, not dissociation or latest_diss == "none"),
        "respiratory_depression": Resolution(
            resp, not resp or (latest is not None and not latest.respiratory_depression)
        ),
    }


@transaction.atomic
def discharge_record(
    *,
    actor: User,
    dosing: DosingRecord,
    escort_confirmed: Any,
    escort_name: str,
    instructions_given: Any,
    override_reason: str = "",
    notes: str = "",
    rems_ready_minutes: Any = None,
    **answers: Any,
) -> Discharge:
    """Discharge the patient (prescriber or nurse) once the rules are met.

    Refused (nothing saved) while a dose is running or none was given, while a vitals alert is
    open, before the minimum observation time from the end of the dose (120 min esketamine,
    60 otherwise; a *prescriber* may override with a reason, audited), with a modified Aldrete
    below 9, without a confirmed escort and given instructions, and for esketamine without the
    REMS monitoring-form answers or while sedation, dissociation or respiratory depression has
    not resolved. Side effect: the appointment is completed.
    """
    aldrete_fields = {name for name, _ in ALDRETE_ITEMS}
    rems_fields = {name for name, _ in REMS_REQUIRED}
    unknown = set(answers) - aldrete_fields - rems_fields
    if unknown:
        raise ValidationFailed(f"{sorted(unknown)[0]} is not a discharge field.", field=sorted(unknown)[0])
    state = load_state(dosing, lock=True)
    dosing = state.dosing
    require_medical_on_team(actor, dosing.patient, "discharge the patient")
    _require_open(state)
    _require_not_discharged(dosing)
    s = state.settings
    if not state.doses:
        raise Conflict("No dose is recorded; there is nothing to discharge from.", field="discharge")
    ended = state.dose_ended_at
    if ended is None:
        raise Conflict("A dose is still running; record its end first.", field="discharge")
    if state.open_alerts:
        first = state.open_alerts[0]
        raise GateRefused(
            "alert_open",
            f"Acknowledge the open vitals alert from {_local(first.taken_at)} before discharge.",
            field="discharge",
        )
    now = timezone.now()
    minutes = int((now - ended).total_seconds() // 60)
    needed = minimum_observation_minutes(dosing, s)
    reason = _reason(override_reason)
    override = None
    if minutes < needed:
        message = (
            f"Only {minutes} minutes since the dose ended; discharge needs {needed} minutes of observation "
            f"(from {_local(ended + dt.timedelta(minutes=needed))})"
        )
        if not reason:
            raise GateRefused(
                "observation_too_short",
                message + " unless a prescriber overrides with a reason.",
                field="override_reason",
            )
        if not actor.is_prescriber:
            raise PermissionDeniedError(message + "; only a prescriber may override the observation time.")
        override = GateOverride(dosing=dosing, kind=O.OBSERVATION_TIME, by=actor, at=now, reason=reason)
    items = {}
    for name, label in ALDRETE_ITEMS:
        value = whole_number(answers.get(name), field=name, label=f"Aldrete: {label}", required=True)
        if not 0 <= value <= 2:
            raise ValidationFailed(f"Aldrete: {label} is scored 0, 1 or 2.", field=name)
        items[name] = value
    total = sum(items.values())
    if total < s.aldrete_min:
        raise InputRefused(
            "aldrete_too_low",
            f"Modified Aldrete score {total}/10: discharge needs at least {s.aldrete_min}.",
            field="aldrete_activity",
        )
    if not boolean(escort_confirmed, field="escort_confirmed", label="Escort confirmed"):
        raise ValidationFailed("Confirm the responsible adult taking the patient home.", field="escort_confirmed")
    name = text(
        escort_name or dosing.escort_name, field="escort_name", label="The escort's name", max_length=120, required=True
    )
    if not boolean(instructions_given, field="instructions_given", label="Instructions given"):
        raise ValidationFailed(
            "Give the discharge instructions (no driving until the next day after sleep) and tick the box.",
            field="instructions_given",
        )
    observations = list(Observation.objects.filter(dosing=dosing))
    effects = effects_resolution(observations)
    rems: dict[str, Any] = {}
    if dosing.is_esketamine:
        for field_name, label in REMS_REQUIRED:
            rems[field_name] = boolean(answers.get(field_name), field=field_name, label=label, required=True)
        for effect, result in effects.items():
            if result.occurred and not result.resolved:
                raise GateRefused(
                    "effects_unresolved",
                    f"{effect.replace('_', ' ').capitalize()} has not resolved: record an observation showing it "
                    "resolved before discharge (esketamine REMS).",
                    field="discharge",
                )
        first_device = min((d.given_at for d in state.devices), default=state.first_dose_at)
        rems["rems_total_monitoring_minutes"] = int((now - first_device).total_seconds() // 60)
        rems["rems_ready_minutes"] = whole_number(
            rems_ready_minutes, field="rems_ready_minutes", label="Minutes until ready"
        )
    if override is not None:
        override.save()
        audit_record(
            actor=actor,
            action="dosing.observation_overridden",
            target=override,
            patient=dosing.patient,
            changed_fields=["reason"],
        )
    discharge = Discharge.objects.create(
        dosing=dosing,
        discharged_at=now,
        discharged_by=actor,
        observation_minutes=minutes,
        aldrete_total=total,
        escort_confirmed=True,
        escort_name=name,
        instructions_given=True,
        notes=text(notes, field="notes", label="Notes", max_length=500),
        sedation_occurred=effects["sedation"].occurred,
        sedation_resolved=effects["sedation"].resolved if effects["sedation"].occurred else None,
        dissociation_occurred=effects["dissociation"].occurred,
        dissociation_resolved=effects["dissociation"].resolved if effects["dissociation"].occurred else None,
        respiratory_depression_occurred=effects["respiratory_depression"].occurred,
        respiratory_depression_resolved=(
            effects["respiratory_depression"].resolved if effects["respiratory_depression"].occurred else None
        ),
        serious_adverse_event=AdverseEvent.objects.filter(dosing=dosing, serious=True).exists(),
        **items,
        **rems,
    )
    audit_record(
        actor=actor,
        action="dosing.discharged",
        target=discharge,
        patient=dosing.patient,
        changed_fields=["discharged_at", "aldrete_total", "escort_confirmed", "instructions_given", *rems],
    )
    if dosing.session.status == S.IN_PROGRESS:
        _try_transition(actor, dosing.session, S.COMPLETED)
    return discharge


# --- derived summaries -----------------------------------------------------------------------------


@dataclass
class Reminder:
    due_at: dt.datetime | None
    overdue: bool
    label: str


def vitals_reminder(state: DosingState, *, discharged: bool = False) -> Reminder:
    """When the next reading is due: every 15 min after the dose starts, and the 40-minute BP
    re-check after an esketamine or IV start (settings). Nothing is due before the dose or after
    discharge."""
    start = state.first_dose_at
    if start is None or discharged:
        return Reminder(None, False, "")
    s = state.settings
    readings = [v for v in state.live_vitals if v.taken_at >= start]
    last = readings[-1].taken_at if readings else start
    due = last + dt.timedelta(minutes=s.vitals_interval_minutes)
    label = "Vitals"
    if state.dosing.is_esketamine or state.dosing.route == Route.IV:
        recheck = start + dt.timedelta(minutes=s.bp_recheck_minutes)
        window = dt.timedelta(minutes=5)
        recheck_done = any(abs(v.taken_at - recheck) <= window and v.systolic is not None for v in readings)
        if not recheck_done and recheck <= due and (state.at <= recheck + window):
            due, label = recheck, f"{s.bp_recheck_minutes}-minute BP re-check"
    return Reminder(due, state.at >= due, label)


def bp_at(state: DosingState, minutes: int, window: int = 10) -> VitalsReading | None:
    """The reading closest to ``minutes`` after the first dose (within ``window`` minutes)."""
    start = state.first_dose_at
    if start is None:
        return None
    target = start + dt.timedelta(minutes=minutes)
    candidates = [
        v
        for v in state.live_vitals
        if v.systolic is not None and abs(v.taken_at - target) <= dt.timedelta(minutes=window)
    ]
    return min(candidates, key=lambda v: abs(v.taken_at - target), default=None)
