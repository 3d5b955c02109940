"""The dosing record's state and its pre-dose gates, read once (selector level: nothing here writes).

The services (``sessions_app.clinical.services``) check these gates before they write; the dosing
page (``sessions_app.clinical.selectors.dosing_page``) shows them. The clinical rules
(domain.md b; thresholds in ``sessions_app.clinical.thresholds``):
- **Pre-dose checks** (``predose_checks``), each met or not: eligibility current; the treatment
  consent for the medication in force (KAP, or esketamine); a signed preparation ("ready")
  before the first dose; fasting and a ride home confirmed; a weight within 30 days; complete
  pre-dose vitals (BP, HR, SpO2, RR) from the last hour; the patient checked in; the pre-dose
  BP gate; a PHQ-9 within 7 days (a warning only).
- **BP gate** (``bp_gate``): pre-dose BP above 140/90 needs a prescriber's acknowledgement; above
  180/110 blocks unless a prescriber overrides with a reason.
- **Dose range** (``dose_range``) per route, and the **minimum observation time** before discharge
  (``minimum_observation_minutes``, ``earliest_discharge``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils import timezone

from kap_clinic.common import clock
from patients.selectors import eligibility_state, latest_assessment, latest_weight
from sessions_app.clinical import thresholds
from sessions_app.clinical.models.dosing import (
    Administration,
    DosingRecord,
    EsketamineDevice,
    GateOverride,
    Medication,
    Observation,
    Route,
    VitalsReading,
)
from sessions_app.clinical.models.notes import PreparationRecord, Readiness
from sessions_app.common.inputs import fmt
from sessions_app.scheduling.models import Session

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
    settings: thresholds.ClinicalSettings
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
            self.memo[key] = latest_weight(self.dosing.patient, on=day)
        return self.memo[key]


def load_state(dosing: DosingRecord, *, at: dt.datetime | None = None, lock: bool = False) -> DosingState:
    """The record with its vitals, doses (with lots and devices) and overrides: five queries."""
    if lock:
        dosing = DosingRecord.objects.select_for_update().get(pk=dosing.pk)
    dosing = (
        DosingRecord.objects.select_related(
            "session", "session__room", "session__window_override_by", "patient", "responsible_clinician", "signed_by"
        )
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
        settings=thresholds.current(),
        vitals=vitals,
        administrations=administrations,
        overrides=overrides,
        at=at or timezone.now(),
        devices=devices,
    )


def local_time(value: dt.datetime) -> str:
    """``HH:MM`` in the clinic's time zone."""
    return f"{clock.to_local(value):%H:%M}"


def local_day(value: dt.datetime | dt.date) -> str:
    """``YYYY-MM-DD`` in the clinic's time zone."""
    if isinstance(value, dt.datetime):
        value = clock.to_local(value).date()
    return f"{value:%Y-%m-%d}"


def latest_predose_bp(state: DosingState) -> VitalsReading | None:
    readings = [v for v in state.live_vitals if v.phase == VitalsReading.Phase.PRE_DOSE and v.systolic is not None]
    return readings[-1] if readings else None


def bp_gate(state: DosingState) -> BpGate:
    settings = state.settings
    reading = latest_predose_bp(state)
    if reading is None:
        return BpGate("missing", message="No pre-dose blood pressure yet.")
    sys_, dia = reading.systolic, reading.diastolic
    decisions = [o for o in state.overrides if o.reading_id == reading.pk]
    bp = f"{sys_}/{dia} mmHg"
    if sys_ > settings.bp_block_systolic or dia > settings.bp_block_diastolic:
        override = next((o for o in decisions if o.kind == GateOverride.Kind.BP_OVERRIDE), None)
        if override is not None:
            return BpGate("overridden", reading, override, f"{bp}: overridden by {override.by.full_name}.")
        return BpGate(
            "blocked",
            reading,
            message=f"Pre-dose BP {bp} is above {settings.bp_block_systolic}/{settings.bp_block_diastolic}: "
            "dosing is blocked unless a prescriber overrides with a reason.",
        )
    if sys_ > settings.bp_ack_systolic or dia > settings.bp_ack_diastolic:
        ack = next(
            (o for o in decisions if o.kind in (GateOverride.Kind.BP_ACKNOWLEDGEMENT, GateOverride.Kind.BP_OVERRIDE)),
            None,
        )
        if ack is not None:
            return BpGate("acknowledged", reading, ack, f"{bp}: acknowledged by {ack.by.full_name}.")
        return BpGate(
            "needs_ack",
            reading,
            message=f"Pre-dose BP {bp} is above {settings.bp_ack_systolic}/{settings.bp_ack_diastolic}: "
            "a prescriber must acknowledge it before dosing.",
        )
    return BpGate("ok", reading, message=f"{bp}.")


def _consent_check(state: DosingState, at: dt.datetime) -> Check:
    from consent.selectors import consent_status_for_patient, has_active_consent

    dosing = state.dosing
    kind = CONSENT_KIND[Medication(dosing.medication)]
    label = CONSENT_LABEL[Medication(dosing.medication)]
    if has_active_consent(patient=dosing.patient, kind=kind, at=at):
        return Check("consent", f"{label[0].upper()}{label[1:]} active", True, "Signed and in force.")
    status = next(
        (st for st in consent_status_for_patient(patient=dosing.patient, at=at) if st.kind.code == kind),
        None,
    )
    if status is not None and status.state == "revoked":
        revoked_at = status.record.revocation.revoked_at
        detail = f"The {label} was revoked on {local_day(revoked_at)}; dosing needs a consent in force."
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
    return Check("preparation", label, True, f"Signed {local_day(prep.signed_at)}.")


def predose_checks(state: DosingState, *, at: dt.datetime | None = None) -> list[Check]:
    """Every pre-dose check, met or not, evaluated at ``at`` (default: the first dose, else now)."""
    at = at or state.first_dose_at or state.at
    return [
        _eligibility_check(state, at),
        _consent_check(state, at),
        _preparation_check(state, at),
        _checked_in_check(state),
        _fasting_check(state),
        _ride_home_check(state),
        _weight_check(state, at),
        _vitals_check(state, at),
        _bp_check(state),
        _phq9_check(state, at),
    ]


def _eligibility_check(state: DosingState, at: dt.datetime) -> Check:
    eligibility = eligibility_state(state.dosing.patient, at)
    return Check(
        "eligibility" if eligibility.is_current else "not_eligible",
        "Eligibility current",
        eligibility.is_current,
        eligibility.reason
        if not eligibility.is_current
        else f"Eligible since {local_day(eligibility.decision.decided_at)}.",
    )


def _checked_in_check(state: DosingState) -> Check:
    checked_in = state.dosing.session.status in (
        Session.Status.CHECKED_IN,
        Session.Status.IN_PROGRESS,
        Session.Status.COMPLETED,
    )
    return Check(
        "checked_in" if checked_in else "not_checked_in",
        "Patient checked in",
        checked_in,
        _checked_in_detail(state.dosing.session) if checked_in else "Check the patient in before dosing.",
    )


def _checked_in_detail(session: Session) -> str:
    """Checked in; a prescriber's booked-time override (on the session) is named with its reason."""
    if session.window_override_by_id is None:
        return "Checked in."
    by, at = session.window_override_by, session.window_override_at
    return (
        f"Checked in. Booked time overridden by {by.full_name} on {local_day(at)} at {local_time(at)}: "
        f"{session.window_override_reason}"
    )


def _fasting_check(state: DosingState) -> Check:
    settings = state.settings
    confirmed_at = state.dosing.fasting_confirmed_at
    fasting = f"no food for {settings.fasting_food_hours} h, no liquids for {settings.fasting_liquid_minutes} min"
    return Check(
        "fasting" if confirmed_at else "fasting_unconfirmed",
        f"Fasting confirmed ({fasting})",
        confirmed_at is not None,
        f"Confirmed {local_time(confirmed_at)}." if confirmed_at else "Not confirmed yet.",
    )


def _ride_home_check(state: DosingState) -> Check:
    dosing = state.dosing
    ride = dosing.ride_home_confirmed_at
    return Check(
        "ride_home" if ride else "ride_home_unconfirmed",
        "Ride home confirmed",
        ride is not None,
        f"{dosing.escort_name}, confirmed {local_time(ride)}." if ride else "No ride home confirmed: do not dose.",
    )


def _weight_check(state: DosingState, at: dt.datetime) -> Check:
    max_age_days = state.settings.weight_max_age_days
    day = clock.to_local(at).date()
    weight = state.weight_on(day)
    fresh = weight is not None and (day - weight.measured_on).days <= max_age_days
    if weight is None:
        detail = "No weight recorded."
    elif not fresh:
        detail = f"Latest weight is from {weight.measured_on:%Y-%m-%d}; record today's weight."
    else:
        detail = f"{fmt(weight.weight_kg)} kg on {weight.measured_on:%Y-%m-%d}."
    return Check("weight" if fresh else "weight_missing", f"Weight within {max_age_days} days", fresh, detail)


def _bp_check(state: DosingState) -> Check:
    gate = bp_gate(state)
    return Check(
        {"blocked": "bp_blocked", "needs_ack": "bp_needs_ack", "missing": "bp_missing"}.get(gate.state, "bp"),
        "Pre-dose blood pressure gate",
        gate.passes,
        gate.message,
    )


def _phq9_check(state: DosingState, at: dt.datetime) -> Check:
    max_age_days = state.settings.phq9_max_age_days
    phq9 = latest_assessment(
        patient=state.dosing.patient, instrument="phq9", since=at - dt.timedelta(days=max_age_days), until=at
    )
    return Check(
        "phq9" if phq9 else "phq9_missing",
        f"PHQ-9 within {max_age_days} days",
        phq9 is not None,
        f"Score {phq9.total} on {local_day(phq9.administered_at)}." if phq9 else "No recent PHQ-9 (warning only).",
        hard=False,
    )


def _vitals_check(state: DosingState, at: dt.datetime) -> Check:
    settings = state.settings
    label = "Pre-dose vitals (BP, HR, SpO2, RR)"
    # Readings taken after ``at`` (a dose entered late) say nothing about the patient before it.
    pre = [
        v
        for v in state.live_vitals
        if v.phase == VitalsReading.Phase.PRE_DOSE
        and v.taken_at <= at
        and all(getattr(v, f) is not None for f in VITAL_FIELDS)
    ]
    if not pre:
        return Check("vitals_missing", label, False, "Record a full set of pre-dose vitals.")
    latest = pre[-1]
    if at - latest.taken_at > dt.timedelta(minutes=settings.predose_vitals_max_age_minutes):
        return Check(
            "vitals_stale",
            label,
            False,
            f"The last full set was at {local_time(latest.taken_at)}; take them again "
            f"(they count for {settings.predose_vitals_max_age_minutes} minutes).",
        )
    return Check(
        "vitals",
        label,
        True,
        f"{latest.bp}, HR {latest.heart_rate}, SpO2 {latest.spo2}%, RR {latest.resp_rate} "
        f"at {local_time(latest.taken_at)}.",
    )


def unmet_hard_checks(checks: list[Check]) -> list[Check]:
    return [c for c in checks if c.hard and not c.met]


def dose_range(dosing: DosingRecord, settings: thresholds.ClinicalSettings) -> tuple[Decimal, Decimal, str]:
    """(low, high, unit) for the record's route: mg/kg for racemic ketamine, mg for esketamine."""
    if dosing.medication == Medication.ESKETAMINE:
        return Decimal(settings.dose_esketamine_min), Decimal(settings.dose_esketamine_max), "mg"
    prefix = {Route.IV: "dose_iv", Route.IM: "dose_im", Route.SUBLINGUAL_ORAL: "dose_sl"}[Route(dosing.route)]
    return Decimal(getattr(settings, f"{prefix}_min")), Decimal(getattr(settings, f"{prefix}_max")), "mg/kg"


def minimum_observation_minutes(dosing: DosingRecord, settings: thresholds.ClinicalSettings) -> int:
    return settings.observation_esketamine_minutes if dosing.is_esketamine else settings.observation_other_minutes


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
