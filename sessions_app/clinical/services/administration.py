"""Doses: recording one (behind every pre-dose gate and the dose range), esketamine devices, the
end of a dose, and voiding one (the lot gets the quantity back through the log).

- **Dose range** per route (IV/IM/SL in mg/kg of the latest weight, esketamine in mg, in 28 mg
  devices at least 5 minutes apart): outside it the dose is refused unless a prescriber
  overrides with a reason (audited).
Every write is audited and refused once the record is signed. A dose may be entered late with
the time it was given (``guards.clinical_time``); the gates read that time.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from kap_clinic.accounts.models import User
from kap_clinic.accounts.permissions import PRESCRIBER_DISCIPLINE, is_active_clinician_of
from kap_clinic.audit.services import audit_record
from kap_clinic.common import clock
from kap_clinic.common.errors import Conflict, PermissionDeniedError, ValidationFailed
from patients.selectors import latest_weight
from sessions_app.clinical.gates import (
    Check,
    DosingState,
    dose_range,
    load_state,
    local_time,
    predose_checks,
    unmet_hard_checks,
)
from sessions_app.clinical.models.dosing import (
    Administration,
    DosingRecord,
    EsketamineDevice,
    GateOverride,
    Medication,
    Route,
)
from sessions_app.clinical.models.live import LiveChange
from sessions_app.clinical.services.guards import (
    clinical_time,
    override_reason_text,
    require_not_discharged,
    require_open,
    session_advance,
)
from sessions_app.clinical.services.live import dosing_bump
from sessions_app.common.inputs import (
    GateRefused,
    InputRefused,
    decimal_number,
    fmt,
    on_care_team,
    require_medical_on_team,
    require_prescriber_on_team,
    text,
    whole_number,
)
from sessions_app.inventory.models import InventoryEntry, InventoryLot
from sessions_app.inventory.services import (
    inventory_debit_for_dose,
    inventory_reverse_dose,
    lot_usability_error,
    quantity_label,
)
from sessions_app.scheduling.models import Session
from sessions_app.scheduling.services import window


def _ordering_prescriber(prescriber: User | None, dosing: DosingRecord) -> User:
    if prescriber is None:
        raise ValidationFailed("Choose the ordering prescriber.", field="ordering_prescriber")
    if not (is_active_clinician_of(prescriber, PRESCRIBER_DISCIPLINE) and on_care_team(prescriber, dosing.patient)):
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


@dataclass
class _Dose:
    """A dose as it will be written: the amount, what it is measured against and any override."""

    amount: Decimal
    prescriber: User
    weight: Any
    mg_per_kg: Decimal | None
    infusion_minutes: int | None
    devices: int | None
    override: GateOverride | None


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
    given_at: Any = None,
) -> Administration:
    """Record a dose given now, or at ``given_at`` when entered late (``guards.clinical_time``),
    by ``actor`` (prescriber or nurse), ordered by a prescriber.

    Gates, in order (each refusal has its own code and message, nothing is saved), all read at
    the dose's clinical time: the record is open and the patient not discharged; every hard
    pre-dose check is met (before the first dose; consent and eligibility again for any later
    dose); a later dose starts after the previous one ended; the dose lies inside the booked
    window (same day, from ``check_in_window_minutes`` before the start) unless the session
    carries a prescriber's override or a *prescriber* gives ``override_reason``; the dose lies in
    the route's range, or a *prescriber* overrides with a reason (one reason serves both);
    esketamine comes in whole 28 mg devices; IV needs its infusion duration; the lot is usable
    (not expired, not voided, right medication) and holds enough (the log is debited in the same
    transaction). Side effects: the appointment moves to "in progress"; esketamine records its
    first device.
    """
    state = _locked_for_dose(actor, dosing)
    now = clinical_time(
        given_at, field="given_at", label="The time of the dose", session=state.dosing.session, now=timezone.now()
    )
    _refuse_unmet_gates(state, now)
    window.session_window_check(
        actor=actor,
        session=state.dosing.session,
        message=window.window_refusal(state.dosing.session, at=now, what="dosing"),
        override_reason=override_reason,
    )
    dose = _dose_to_give(
        state,
        actor=actor,
        now=now,
        dose_mg=dose_mg,
        ordering_prescriber=ordering_prescriber,
        infusion_minutes=infusion_minutes,
        override_reason=override_reason,
    )
    _refuse_unusable_lot(lot, dosing=state.dosing, dose=dose, now=now)
    administration = _write_dose(actor=actor, dosing=state.dosing, dose=dose, lot=lot, now=now)
    _audit_dose(actor=actor, dosing=state.dosing, dose=dose, administration=administration)
    if state.dosing.session.status == Session.Status.CHECKED_IN:
        session_advance(actor, state.dosing.session, Session.Status.IN_PROGRESS)
    return administration


def _locked_for_dose(actor: User, dosing: DosingRecord) -> DosingState:
    state = load_state(dosing, lock=True)
    require_medical_on_team(actor, state.dosing.patient, "record a dose")
    require_open(state)
    require_not_discharged(state.dosing)
    return state


def _refuse_unmet_gates(state: DosingState, now: dt.datetime) -> None:
    checks = predose_checks(state, at=now)
    if state.doses:
        # Later doses in the same session: the permissions (eligibility, consent) are checked again.
        checks = [c for c in checks if c.key in ("eligibility", "consent")]
    _refuse_unmet(checks)
    if state.doses and any(a.ended_at is None for a in state.doses):
        raise Conflict("The previous dose is still running; record its end first.", field="dose_mg")
    ended = state.dose_ended_at
    if ended is not None and now < ended:
        raise Conflict(f"A dose cannot start before the previous dose ended ({local_time(ended)}).", field="given_at")


def _dose_to_give(
    state: DosingState,
    *,
    actor: User,
    now: dt.datetime,
    dose_mg: Any,
    ordering_prescriber: User | None,
    infusion_minutes: Any,
    override_reason: str,
) -> _Dose:
    """The dose, checked for shape, the ordering prescriber, the infusion time and the route's range."""
    dosing = state.dosing
    amount = decimal_number(dose_mg, field="dose_mg", label="Dose (mg)")
    if amount <= 0:
        raise ValidationFailed("Dose (mg) must be more than zero.", field="dose_mg")
    prescriber = _ordering_prescriber(ordering_prescriber, dosing)
    weight = latest_weight(dosing.patient, on=clock.to_local(now).date())
    minutes = _infusion_minutes(dosing, infusion_minutes)
    devices, mg_per_kg, measure = _dose_measure(state, amount, weight)
    override = _dose_range_override(state, actor=actor, now=now, amount=amount, measure=measure, reason=override_reason)
    if mg_per_kg is None and weight is not None:
        mg_per_kg = (amount / weight.weight_kg).quantize(Decimal("0.001"), ROUND_HALF_UP)
    return _Dose(amount, prescriber, weight, mg_per_kg, minutes, devices, override)


def _infusion_minutes(dosing: DosingRecord, value: Any) -> int | None:
    if dosing.route != Route.IV:
        return None
    minutes = whole_number(value, field="infusion_minutes", label="Infusion duration (min)", required=True)
    if not 1 <= minutes <= 240:
        raise ValidationFailed("Infusion duration must be between 1 and 240 minutes.", field="infusion_minutes")
    return minutes


def _dose_measure(state: DosingState, amount: Decimal, weight: Any) -> tuple[int | None, Decimal | None, Decimal]:
    """(devices, mg/kg of this dose, what the range is checked against: the session's total in mg or mg/kg)."""
    total = amount + sum((a.dose_mg for a in state.doses), Decimal(0))
    if state.dosing.medication == Medication.ESKETAMINE:
        per_device = Decimal(state.settings.esketamine_device_mg)
        if amount % per_device:
            raise ValidationFailed(
                f"Esketamine is given in whole {fmt(per_device)} mg devices (e.g. 56 mg = 2 devices).", field="dose_mg"
            )
        return int(amount / per_device), None, total
    if weight is None:
        raise GateRefused("weight_missing", "A weight is needed to compute mg/kg.", field="dose_mg")
    mg_per_kg = (amount / weight.weight_kg).quantize(Decimal("0.001"), ROUND_HALF_UP)
    return None, mg_per_kg, (total / weight.weight_kg).quantize(Decimal("0.001"), ROUND_HALF_UP)


def _dose_range_override(
    state: DosingState, *, actor: User, now: dt.datetime, amount: Decimal, measure: Decimal, reason: str
) -> GateOverride | None:
    """Outside the route's range a dose needs a prescriber's override with a reason (unsaved here)."""
    dosing = state.dosing
    low, high, unit = dose_range(dosing, state.settings)
    reason = override_reason_text(reason)
    if low <= measure <= high:
        return None
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
    if not is_active_clinician_of(actor, PRESCRIBER_DISCIPLINE):
        raise PermissionDeniedError(message + " Only a prescriber may override the dose range.")
    return GateOverride(
        dosing=dosing, kind=GateOverride.Kind.DOSE_RANGE, by=actor, at=now, reason=reason, dose_mg=amount
    )


def _refuse_unusable_lot(lot: InventoryLot | None, *, dosing: DosingRecord, dose: _Dose, now: dt.datetime) -> None:
    if lot is None:
        raise ValidationFailed("Choose the lot the dose comes from.", field="lot")
    # Name a lot problem before writing anything (the debit re-checks under the lot's row lock).
    lot_error = lot_usability_error(lot, medication=dosing.medication, on=clock.to_local(now).date())
    if lot_error is not None:
        raise lot_error
    needed = Decimal(dose.devices) if dose.devices is not None else dose.amount
    if lot.balance < needed:
        raise GateRefused(
            "insufficient_balance",
            f"Lot {lot.lot_number} has {quantity_label(lot, lot.balance)} left; this dose needs "
            f"{quantity_label(lot, needed)}. The balance cannot go below zero.",
            field="lot",
        )


def _write_dose(
    *, actor: User, dosing: DosingRecord, dose: _Dose, lot: InventoryLot, now: dt.datetime
) -> Administration:
    """The override, the administration, and the log's debit (esketamine: its first device)."""
    if dose.override is not None:
        dose.override.save()
    administration = Administration.objects.create(
        dosing=dosing,
        medication=dosing.medication,
        route=dosing.route,
        dose_mg=dose.amount,
        weight=dose.weight,
        weight_kg=dose.weight.weight_kg if dose.weight else None,
        mg_per_kg=dose.mg_per_kg,
        infusion_minutes=dose.infusion_minutes,
        planned_devices=dose.devices,
        lot=lot,
        ordering_prescriber=dose.prescriber,
        administered_by=actor,
        started_at=now,
        ended_at=now if dosing.route == Route.IM else None,
    )
    if dosing.medication == Medication.ESKETAMINE:
        _give_device(actor=actor, administration=administration, number=1, at=now)
    else:
        inventory_debit_for_dose(
            actor=actor,
            lot=lot,
            quantity=dose.amount,
            medication=dosing.medication,
            patient=dosing.patient,
            at=now,
            administration=administration,
        )
    return administration


def _audit_dose(*, actor: User, dosing: DosingRecord, dose: _Dose, administration: Administration) -> None:
    if dose.override is not None:
        dosing_bump(dosing, kind=LiveChange.Kind.OVERRIDE, action="dosing.dose_range_overridden", row=dose.override)
        audit_record(
            actor=actor,
            action="dosing.dose_range_overridden",
            target=dose.override,
            patient=dosing.patient,
            changed_fields=["dose_mg", "reason"],
        )
    dosing_bump(dosing, kind=LiveChange.Kind.ADMINISTRATION, action="dosing.administered", row=administration)
    audit_record(
        actor=actor,
        action="dosing.administered",
        target=administration,
        patient=dosing.patient,
        changed_fields=["dose_mg", "route", "lot", "ordering_prescriber", "started_at"]
        + (["given_at"] if administration.entered_late else []),
    )


def _give_device(*, actor: User, administration: Administration, number: int, at: dt.datetime) -> EsketamineDevice:
    device = EsketamineDevice.objects.create(
        administration=administration, dosing_id=administration.dosing_id, number=number, given_at=at, given_by=actor
    )
    inventory_debit_for_dose(
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
    require_open(state)
    require_not_discharged(state.dosing)
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
            f"{len(given) + 1} can be given from {local_time(given[-1].given_at + gap)}.",
            field="administration",
        )
    device = _give_device(actor=actor, administration=administration, number=len(given) + 1, at=now)
    dosing_bump(state.dosing, kind=LiveChange.Kind.ADMINISTRATION, action="dosing.device_given", row=administration)
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
    require_open(state)
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
    dosing_bump(state.dosing, kind=LiveChange.Kind.ADMINISTRATION, action="dosing.dose_ended", row=administration)
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
    require_open(state)
    require_not_discharged(state.dosing)
    reason = text(reason, field="reason", label="A reason", max_length=300, required=True)
    updated = Administration.objects.filter(pk=administration.pk, voided_at__isnull=True).update(
        voided_at=timezone.now(), voided_by=actor, void_reason=reason
    )
    if not updated:
        raise Conflict("This dose is already voided.", field="administration")
    for entry in InventoryEntry.objects.filter(
        administration=administration, kind=InventoryEntry.Kind.ADMINISTRATION, voided_at__isnull=True
    ):
        inventory_reverse_dose(actor=actor, entry=entry, reason=f"Dose voided: {reason}")
    administration.refresh_from_db()
    dosing_bump(state.dosing, kind=LiveChange.Kind.ADMINISTRATION, action="dosing.dose_voided", row=administration)
    audit_record(
        actor=actor,
        action="dosing.dose_voided",
        target=administration,
        patient=state.dosing.patient,
        changed_fields=["voided_at", "void_reason"],
    )
    return administration
