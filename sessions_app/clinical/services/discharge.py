"""Discharge from a dosing session (domain.md b): at least 120 minutes (esketamine) or 60 after
the dose ended unless a prescriber overrides with a reason; modified Aldrete >= 9; escort and
instructions confirmed; no open alert; for esketamine the REMS monitoring-form answers.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from kap_clinic.accounts.models import User
from kap_clinic.accounts.permissions import PRESCRIBER_DISCIPLINE, is_active_clinician_of
from kap_clinic.audit.services import audit_record
from kap_clinic.common.errors import Conflict, PermissionDeniedError, ValidationFailed
from sessions_app.clinical.gates import (
    DosingState,
    Resolution,
    effects_resolution,
    load_state,
    local_time,
    minimum_observation_minutes,
)
from sessions_app.clinical.models.dosing import (
    AdverseEvent,
    Discharge,
    DosingRecord,
    GateOverride,
    Observation,
)
from sessions_app.clinical.models.live import LiveChange
from sessions_app.clinical.services.guards import (
    override_reason_text,
    require_not_discharged,
    require_open,
    session_advance,
)
from sessions_app.clinical.services.live import dosing_bump
from sessions_app.common.inputs import (
    GateRefused,
    InputRefused,
    boolean,
    require_medical_on_team,
    text,
    whole_number,
)
from sessions_app.scheduling.models import Session

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


@dataclass
class _Answers:
    """What the discharge form says, checked: Aldrete items, the escort, notes and (esketamine) REMS."""

    aldrete: dict[str, int]
    escort_name: str
    notes: str
    rems: dict[str, Any]
    effects: dict[str, Resolution]

    @property
    def aldrete_total(self) -> int:
        return sum(self.aldrete.values())


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
    _refuse_unknown_fields(answers)
    state = _locked_for_discharge(actor, dosing)
    now = timezone.now()
    ended = _dose_ended_without_open_alert(state)
    minutes = int((now - ended).total_seconds() // 60)
    override = _observation_override(state, actor=actor, now=now, ended=ended, minutes=minutes, reason=override_reason)
    checked = _checked_answers(
        state,
        now=now,
        answers=answers,
        escort_confirmed=escort_confirmed,
        escort_name=escort_name,
        instructions_given=instructions_given,
        notes=notes,
        rems_ready_minutes=rems_ready_minutes,
    )
    if override is not None:
        _save_override(actor=actor, override=override)
    discharge = _write_discharge(actor=actor, dosing=state.dosing, now=now, minutes=minutes, answers=checked)
    dosing_bump(state.dosing, kind=LiveChange.Kind.DISCHARGE, action="dosing.discharged", row=discharge)
    audit_record(
        actor=actor,
        action="dosing.discharged",
        target=discharge,
        patient=state.dosing.patient,
        changed_fields=["discharged_at", "aldrete_total", "escort_confirmed", "instructions_given", *checked.rems],
    )
    if state.dosing.session.status == Session.Status.IN_PROGRESS:
        session_advance(actor, state.dosing.session, Session.Status.COMPLETED)
    return discharge


def _refuse_unknown_fields(answers: dict[str, Any]) -> None:
    aldrete_fields = {name for name, _ in ALDRETE_ITEMS}
    rems_fields = {name for name, _ in REMS_REQUIRED}
    unknown = set(answers) - aldrete_fields - rems_fields
    if unknown:
        raise ValidationFailed(f"{sorted(unknown)[0]} is not a discharge field.", field=sorted(unknown)[0])


def _locked_for_discharge(actor: User, dosing: DosingRecord) -> DosingState:
    state = load_state(dosing, lock=True)
    require_medical_on_team(actor, state.dosing.patient, "discharge the patient")
    require_open(state)
    require_not_discharged(state.dosing)
    return state


def _dose_ended_without_open_alert(state: DosingState) -> dt.datetime:
    """When the last dose ended; refused while none was given, one is running, or an alert is open."""
    if not state.doses:
        raise Conflict("No dose is recorded; there is nothing to discharge from.", field="discharge")
    ended = state.dose_ended_at
    if ended is None:
        raise Conflict("A dose is still running; record its end first.", field="discharge")
    if state.open_alerts:
        first = state.open_alerts[0]
        raise GateRefused(
            "alert_open",
            f"Acknowledge the open vitals alert from {local_time(first.taken_at)} before discharge.",
            field="discharge",
        )
    return ended


def _observation_override(
    state: DosingState, *, actor: User, now: dt.datetime, ended: dt.datetime, minutes: int, reason: str
) -> GateOverride | None:
    """Before the minimum observation time only a prescriber's override with a reason lets discharge go on."""
    needed = minimum_observation_minutes(state.dosing, state.settings)
    reason = override_reason_text(reason)
    if minutes >= needed:
        return None
    message = (
        f"Only {minutes} minutes since the dose ended; discharge needs {needed} minutes of observation "
        f"(from {local_time(ended + dt.timedelta(minutes=needed))})"
    )
    if not reason:
        raise GateRefused(
            "observation_too_short",
            message + " unless a prescriber overrides with a reason.",
            field="override_reason",
        )
    if not is_active_clinician_of(actor, PRESCRIBER_DISCIPLINE):
        raise PermissionDeniedError(message + "; only a prescriber may override the observation time.")
    return GateOverride(dosing=state.dosing, kind=GateOverride.Kind.OBSERVATION_TIME, by=actor, at=now, reason=reason)


def _checked_answers(
    state: DosingState,
    *,
    now: dt.datetime,
    answers: dict[str, Any],
    escort_confirmed: Any,
    escort_name: str,
    instructions_given: Any,
    notes: str,
    rems_ready_minutes: Any,
) -> _Answers:
    aldrete = _aldrete_scores(answers, minimum=state.settings.aldrete_min)
    name = _escort_and_instructions(state.dosing, escort_confirmed, escort_name, instructions_given)
    effects = effects_resolution(list(Observation.objects.filter(dosing=state.dosing)))
    rems = _rems_answers(state, now=now, answers=answers, effects=effects, ready_minutes=rems_ready_minutes)
    notes = text(notes, field="notes", label="Notes", max_length=500)
    return _Answers(aldrete, name, notes, rems, effects)


def _aldrete_scores(answers: dict[str, Any], *, minimum: int) -> dict[str, int]:
    items = {}
    for name, label in ALDRETE_ITEMS:
        value = whole_number(answers.get(name), field=name, label=f"Aldrete: {label}", required=True)
        if not 0 <= value <= 2:
            raise ValidationFailed(f"Aldrete: {label} is scored 0, 1 or 2.", field=name)
        items[name] = value
    total = sum(items.values())
    if total < minimum:
        raise InputRefused(
            "aldrete_too_low",
            f"Modified Aldrete score {total}/10: discharge needs at least {minimum}.",
            field="aldrete_activity",
        )
    return items


def _escort_and_instructions(
    dosing: DosingRecord, escort_confirmed: Any, escort_name: str, instructions_given: Any
) -> str:
    """The escort's name, once the escort is confirmed and the instructions given."""
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
    return name


def _rems_answers(
    state: DosingState,
    *,
    now: dt.datetime,
    answers: dict[str, Any],
    effects: dict[str, Resolution],
    ready_minutes: Any,
) -> dict[str, Any]:
    """Esketamine only: the REMS monitoring-form answers, once every effect has resolved."""
    rems: dict[str, Any] = {}
    if not state.dosing.is_esketamine:
        return rems
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
    rems["rems_ready_minutes"] = whole_number(ready_minutes, field="rems_ready_minutes", label="Minutes until ready")
    return rems


def _save_override(*, actor: User, override: GateOverride) -> None:
    override.save()
    dosing_bump(override.dosing, kind=LiveChange.Kind.OVERRIDE, action="dosing.observation_overridden", row=override)
    audit_record(
        actor=actor,
        action="dosing.observation_overridden",
        target=override,
        patient=override.dosing.patient,
        changed_fields=["reason"],
    )


def _write_discharge(
    *, actor: User, dosing: DosingRecord, now: dt.datetime, minutes: int, answers: _Answers
) -> Discharge:
    effects = answers.effects
    return Discharge.objects.create(
        dosing=dosing,
        discharged_at=now,
        discharged_by=actor,
        observation_minutes=minutes,
        aldrete_total=answers.aldrete_total,
        escort_confirmed=True,
        escort_name=answers.escort_name,
        instructions_given=True,
        notes=answers.notes,
        sedation_occurred=effects["sedation"].occurred,
        sedation_resolved=effects["sedation"].resolved if effects["sedation"].occurred else None,
        dissociation_occurred=effects["dissociation"].occurred,
        dissociation_resolved=effects["dissociation"].resolved if effects["dissociation"].occurred else None,
        respiratory_depression_occurred=effects["respiratory_depression"].occurred,
        respiratory_depression_resolved=(
            effects["respiratory_depression"].resolved if effects["respiratory_depression"].occurred else None
        ),
        serious_adverse_event=AdverseEvent.objects.filter(dosing=dosing, serious=True).exists(),
        **answers.aldrete,
        **answers.rems,
    )
