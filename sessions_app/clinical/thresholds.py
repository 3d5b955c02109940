"""Clinic-configurable clinical thresholds for dosing sessions, with their clinical defaults.

domain.md (b) asks for these numbers to be configuration, not code: BP gates, dose ranges per
route, alert limits, monitoring intervals, observation times, the discharge score. Each key has a
default; a clinic may override it (``ClinicalSetting`` rows). Changing a value is a prescriber's
decision, needs a reason, keeps the old and new value (``ClinicalSettingChange``) and writes an
audit event. ``current()`` reads every override in one query, so a page or a service asks once.

Plausibility limits for vitals (SBP 300 and SpO2 120 are impossible readings, not clinical
choices) are constants in ``PLAUSIBLE`` below, not settings.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils import timezone

from kap_clinic.accounts.permissions import PRESCRIBER_DISCIPLINE, is_active_clinician_of
from kap_clinic.audit.services import audit_record
from kap_clinic.common.errors import PermissionDeniedError, ValidationFailed
from sessions_app.clinical.models.dosing import ClinicalSetting, ClinicalSettingChange


@dataclass(frozen=True)
class SettingSpec:
    key: str
    label: str
    default: Decimal
    unit: str
    low: Decimal
    high: Decimal
    group: str
    integer: bool = True


def _spec(key: str, label: str, default: str, unit: str, low: str, high: str, group: str, integer: bool = True):
    return SettingSpec(key, label, Decimal(default), unit, Decimal(low), Decimal(high), group, integer)


SPECS: tuple[SettingSpec, ...] = (
    # Pre-dose blood pressure gate (Spravato label guide 140/90; institutional 180/110).
    _spec(
        "bp_ack_systolic",
        "Systolic BP needing a prescriber's acknowledgement (above)",
        "140",
        "mmHg",
        "100",
        "220",
        "Blood-pressure gate",
    ),
    _spec(
        "bp_ack_diastolic",
        "Diastolic BP needing a prescriber's acknowledgement (above)",
        "90",
        "mmHg",
        "60",
        "140",
        "Blood-pressure gate",
    ),
    _spec(
        "bp_block_systolic",
        "Systolic BP blocking dosing without an override (above)",
        "180",
        "mmHg",
        "120",
        "260",
        "Blood-pressure gate",
    ),
    _spec(
        "bp_block_diastolic",
        "Diastolic BP blocking dosing without an override (above)",
        "110",
        "mmHg",
        "70",
        "160",
        "Blood-pressure gate",
    ),
    # Dose range per route; outside it a prescriber must override with a reason.
    _spec("dose_iv_min", "IV infusion: lowest dose", "0.1", "mg/kg", "0.01", "5", "Dose ranges", False),
    _spec("dose_iv_max", "IV infusion: highest dose", "1.0", "mg/kg", "0.01", "5", "Dose ranges", False),
    _spec("dose_im_min", "IM: lowest dose", "0.1", "mg/kg", "0.01", "5", "Dose ranges", False),
    _spec("dose_im_max", "IM: highest dose", "1.5", "mg/kg", "0.01", "5", "Dose ranges", False),
    _spec("dose_sl_min", "Sublingual/oral: lowest dose", "0.25", "mg/kg", "0.01", "15", "Dose ranges", False),
    _spec("dose_sl_max", "Sublingual/oral: highest dose", "7", "mg/kg", "0.01", "15", "Dose ranges", False),
    _spec("dose_esketamine_min", "Esketamine: lowest dose", "28", "mg", "28", "112", "Dose ranges"),
    _spec("dose_esketamine_max", "Esketamine: highest dose", "84", "mg", "28", "112", "Dose ranges"),
    _spec("esketamine_device_mg", "Esketamine per device", "28", "mg", "1", "100", "Dose ranges"),
    _spec(
        "esketamine_device_gap_minutes",
        "Esketamine: rest between devices (at least)",
        "5",
        "min",
        "1",
        "30",
        "Dose ranges",
    ),
    # Monitoring.
    _spec("vitals_interval_minutes", "Vitals due every", "15", "min", "5", "60", "Monitoring"),
    _spec("bp_recheck_minutes", "BP re-check after an esketamine or IV start", "40", "min", "10", "120", "Monitoring"),
    _spec("predose_vitals_max_age_minutes", "Pre-dose vitals count for", "60", "min", "10", "240", "Monitoring"),
    _spec("alert_systolic_above", "Alert: systolic BP above", "180", "mmHg", "120", "260", "Alert limits"),
    _spec("alert_diastolic_above", "Alert: diastolic BP above", "110", "mmHg", "70", "160", "Alert limits"),
    _spec("alert_hr_above", "Alert: heart rate above", "120", "bpm", "80", "200", "Alert limits"),
    _spec("alert_hr_below", "Alert: heart rate below", "50", "bpm", "30", "70", "Alert limits"),
    _spec("alert_spo2_below", "Alert: SpO2 below", "92", "%", "80", "99", "Alert limits"),
    _spec("alert_rr_below", "Alert: respiratory rate below", "10", "/min", "4", "16", "Alert limits"),
    # Discharge.
    _spec(
        "observation_esketamine_minutes", "Minimum observation after esketamine", "120", "min", "30", "480", "Discharge"
    ),
    _spec(
        "observation_other_minutes", "Minimum observation after racemic ketamine", "60", "min", "15", "480", "Discharge"
    ),
    _spec("aldrete_min", "Modified Aldrete score needed for discharge (at least)", "9", "/10", "7", "10", "Discharge"),
    # Pre-dose checks and paperwork.
    _spec("weight_max_age_days", "Weight counts for", "30", "days", "1", "365", "Pre-dose checks"),
    _spec("phq9_max_age_days", "PHQ-9 counts for (warning only)", "7", "days", "1", "90", "Pre-dose checks"),
    _spec("fasting_food_hours", "No food before dosing", "2", "h", "0", "12", "Pre-dose checks"),
    _spec("fasting_liquid_minutes", "No liquids before dosing", "30", "min", "0", "240", "Pre-dose checks"),
    _spec(
        "check_in_window_minutes",
        "Check-in and dosing open before the booked start (same day only)",
        "120",
        "min",
        "0",
        "720",
        "Pre-dose checks",
    ),
    _spec("unsigned_alert_hours", "Unsigned records appear on the dashboard after", "72", "h", "1", "720", "Paperwork"),
)
SPEC_BY_KEY: dict[str, SettingSpec] = {s.key: s for s in SPECS}

# Pairs that must stay ordered (low key, high key, what to say).
ORDERED_PAIRS: tuple[tuple[str, str], ...] = (
    ("bp_ack_systolic", "bp_block_systolic"),
    ("bp_ack_diastolic", "bp_block_diastolic"),
    ("dose_iv_min", "dose_iv_max"),
    ("dose_im_min", "dose_im_max"),
    ("dose_sl_min", "dose_sl_max"),
    ("dose_esketamine_min", "dose_esketamine_max"),
    ("alert_hr_below", "alert_hr_above"),
)

# Readings outside these are typing errors, not patients (a reading is refused naming the field).
PLAUSIBLE: dict[str, tuple[int, int, str, str]] = {
    "systolic": (50, 260, "Systolic BP", "mmHg"),
    "diastolic": (20, 160, "Diastolic BP", "mmHg"),
    "heart_rate": (20, 250, "Heart rate", "bpm"),
    "spo2": (50, 100, "SpO2", "%"),
    "resp_rate": (4, 60, "Respiratory rate", "/min"),
}


class ClinicalSettings:
    """A snapshot of every threshold: attribute access by key (``s.bp_ack_systolic``)."""

    def __init__(self, values: dict[str, Decimal], overridden: set[str] | None = None) -> None:
        self._values = values
        self.overridden = overridden or set()

    def __getattr__(self, key: str) -> Any:
        try:
            value = self._values[key]
        except KeyError:
            raise AttributeError(key) from None
        return int(value) if SPEC_BY_KEY[key].integer else value

    def rows(self) -> list[dict[str, Any]]:
        return [
            {"spec": s, "value": getattr(self, s.key), "overridden": s.key in self.overridden, "default": s.default}
            for s in SPECS
        ]


def defaults() -> ClinicalSettings:
    return ClinicalSettings({s.key: s.default for s in SPECS})


def current() -> ClinicalSettings:
    """The thresholds in force: defaults with this clinic's overrides. One query."""
    values = {s.key: s.default for s in SPECS}
    overridden = set()
    for key, value in ClinicalSetting.objects.values_list("key", "value"):
        if key in values:
            values[key] = value
            overridden.add(key)
    return ClinicalSettings(values, overridden)


def check_in_window_minutes() -> int:
    """The check-in window the scheduling rules ask for (``scheduling.hooks``)."""
    return int(current().check_in_window_minutes)


def _parse(spec: SettingSpec, value: Any) -> Decimal:
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ValidationFailed(f"{spec.label} must be a number.", field="value") from None
    if not number.is_finite():
        raise ValidationFailed(f"{spec.label} must be a number.", field="value")
    if spec.integer and number != number.to_integral_value():
        raise ValidationFailed(f"{spec.label} must be a whole number.", field="value")
    if not spec.low <= number <= spec.high:
        raise ValidationFailed(
            f"{spec.label} must be between {spec.low} and {spec.high} {spec.unit}.".replace(" /", "/"), field="value"
        )
    return number.quantize(Decimal("0.01"))


@transaction.atomic
def clinical_setting_change(*, actor: Any, key: str, value: Any, reason: str) -> ClinicalSettingChange:
    """Set one threshold for the whole clinic.

    Who: a prescriber (thresholds are medical decisions). The value must lie in the key's allowed
    span and keep ordered pairs ordered (acknowledge below block, low dose below high dose). A
    reason is required. Side effects: the override row, a change row with old and new value, an
    audit event ``clinical_setting.changed``. Raises PermissionDeniedError, ValidationFailed.
    """
    if not is_active_clinician_of(actor, PRESCRIBER_DISCIPLINE):
        raise PermissionDeniedError("Only a prescriber may change clinical thresholds.")
    spec = SPEC_BY_KEY.get(key)
    if spec is None:
        raise ValidationFailed(f"Unknown setting {key!r}.", field="key")
    number = _parse(spec, value)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("Give a reason for changing a clinical threshold.", field="reason")
    if len(reason) > 300:
        raise ValidationFailed("The reason is longer than 300 characters.", field="reason")
    # Lock the key's row (or the absence of it) so two changes do not both read the same "old".
    existing = ClinicalSetting.objects.select_for_update().filter(key=key).first()
    snapshot = current()
    old = snapshot._values[key]
    after = {**snapshot._values, key: number}
    for low, high in ORDERED_PAIRS:
        if key in (low, high) and not after[low] < after[high]:
            raise ValidationFailed(
                f"{SPEC_BY_KEY[low].label} ({after[low]}) must stay below "
                f"{SPEC_BY_KEY[high].label.lower()} ({after[high]}).",
                field="value",
            )
    now = timezone.now()
    if existing is None:
        ClinicalSetting.objects.create(key=key, value=number, updated_by=actor, updated_at=now)
    else:
        existing.value, existing.updated_by, existing.updated_at = number, actor, now
        existing.save(update_fields=["value", "updated_by", "updated_at"])
    change = ClinicalSettingChange.objects.create(
        key=key, old_value=old, new_value=number, reason=reason, changed_by=actor, changed_at=now
    )
    audit_record(actor=actor, action="clinical_setting.changed", target=change, changed_fields=[key])
    return change
