"""Live monitoring (vitals, alerts, reminders, observations, adverse events) and discharge."""

from __future__ import annotations

import datetime as dt

import pytest

from kap_clinic.audit.models import AuditEvent
from kap_clinic.common.clock import local_today
from kap_clinic.common.errors import Conflict, PermissionDeniedError, ValidationFailed
from sessions_app.clinical.gates import load_state
from sessions_app.clinical.models.dosing import Discharge, GateOverride
from sessions_app.clinical.selectors import vitals_reminder
from sessions_app.clinical.services.administration import (
    administration_end,
    administration_record,
    administration_void,
    esketamine_device_give,
)
from sessions_app.clinical.services.discharge import discharge_record
from sessions_app.clinical.services.dosing import dosing_check_in, dosing_confirm, dosing_open
from sessions_app.clinical.services.monitoring import (
    adverse_event_record,
    observation_record,
    vitals_alert_acknowledge,
    vitals_record,
)
from sessions_app.common.inputs import GateRefused, InputRefused

from . import helpers
from .test_dosing_gates import give

pytestmark = pytest.mark.django_db

ALDRETE_OK = {
    "aldrete_activity": 2,
    "aldrete_respiration": 2,
    "aldrete_circulation": 2,
    "aldrete_consciousness": 2,
    "aldrete_spo2": 2,
}
REMS = {
    "rems_vitals_ok_before": True,
    "rems_vitals_ok_at_end": True,
    "rems_benzodiazepines": False,
    "rems_non_benzo_sedatives": False,
    "rems_psychostimulants": False,
    "rems_maois": False,
    "rems_opioids": False,
}


def discharge(p, r, actor=None, **kw):
    answers = {**ALDRETE_OK, **kw}
    return discharge_record(
        actor=actor or p.nurse,
        dosing=r.dosing,
        escort_confirmed=answers.pop("escort_confirmed", True),
        escort_name=answers.pop("escort_name", "Sam Ellis"),
        instructions_given=answers.pop("instructions_given", True),
        **answers,
    )


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("systolic", 300, "Systolic BP 300 mmHg is not a plausible reading"),
        ("spo2", 120, "SpO2 120 % is not a plausible reading"),
        ("heart_rate", 5, "Heart rate 5 bpm is not a plausible reading"),
        ("resp_rate", "abc", "Respiratory rate must be a whole number"),
    ],
)
def test_implausible_vitals_are_refused_naming_the_field(personas, ready, field, value, words) -> None:
    r = ready()
    with pytest.raises(ValidationFailed) as exc:
        helpers.full_vitals(personas, r.dosing, **{field: value})
    assert exc.value.field == field
    assert words in exc.value.message


def test_a_blood_pressure_needs_both_numbers_in_the_right_order(personas, ready) -> None:
    r = ready()
    with pytest.raises(ValidationFailed) as exc:
        vitals_record(actor=personas.nurse, dosing=r.dosing, systolic=120)
    assert exc.value.field == "diastolic"
    with pytest.raises(ValidationFailed):
        vitals_record(actor=personas.nurse, dosing=r.dosing, systolic=80, diastolic=90)
    with pytest.raises(ValidationFailed):
        vitals_record(actor=personas.nurse, dosing=r.dosing)


def test_readings_are_timestamped_by_the_server_and_phased(personas, ready, clock) -> None:
    r = ready()
    pre = r.dosing.vitals.get()
    assert pre.phase == "pre_dose"
    give(personas, r)
    clock.advance(minutes=15)
    reading = vitals_record(actor=personas.nurse, dosing=r.dosing, systolic=138, diastolic=88, heart_rate=80)
    assert reading.phase == "monitoring"
    assert reading.taken_at == clock.now


@pytest.mark.parametrize(
    ("values", "alert"),
    [
        ({"systolic": 182, "diastolic": 100}, "sbp_high"),
        ({"systolic": 170, "diastolic": 112}, "dbp_high"),
        ({"heart_rate": 125}, "hr_high"),
        ({"heart_rate": 48}, "hr_low"),
        ({"spo2": 91}, "spo2_low"),
        ({"resp_rate": 9}, "rr_low"),
    ],
)
def test_a_reading_beyond_an_alert_limit_raises_an_alert(personas, ready, values, alert) -> None:
    r = ready()
    give(personas, r)
    reading = helpers.full_vitals(personas, r.dosing, **values)
    assert reading.alerts == [alert]
    assert reading.alert_open


def test_an_alert_is_acknowledged_by_a_clinician_once_and_audited(personas, ready) -> None:
    r = ready()
    give(personas, r)
    reading = helpers.full_vitals(personas, r.dosing, systolic=186, diastolic=104)
    with pytest.raises(PermissionDeniedError):
        vitals_alert_acknowledge(actor=personas.therapist, reading=reading)
    vitals_alert_acknowledge(actor=personas.nurse, reading=reading, note="Infusion slowed; recheck in 5 min")
    reading.refresh_from_db()
    assert not reading.alert_open
    assert reading.alert_acknowledged_by == personas.nurse
    with pytest.raises(Conflict):
        vitals_alert_acknowledge(actor=personas.prescriber, reading=reading)
    assert AuditEvent.objects.filter(action="vitals.alert_acknowledged").count() == 1


def test_the_next_reading_is_due_every_15_minutes_and_at_40_minutes_after_an_iv_start(personas, ready, clock) -> None:
    r = ready()
    give(personas, r)
    start = clock.now
    state = load_state(r.dosing)
    reminder = vitals_reminder(state)
    assert reminder.due_at == start + dt.timedelta(minutes=15)
    assert not reminder.overdue
    for minutes in (15, 30):
        clock.go(start + dt.timedelta(minutes=minutes))
        helpers.full_vitals(personas, r.dosing)
    state = load_state(r.dosing)
    reminder = vitals_reminder(state)
    assert reminder.due_at == start + dt.timedelta(minutes=40)
    assert "40-minute BP re-check" in reminder.label
    clock.go(start + dt.timedelta(minutes=41))
    assert vitals_reminder(load_state(r.dosing)).overdue


def test_observations_and_adverse_events_are_recorded_from_the_coded_lists(personas, ready) -> None:
    r = ready()
    give(personas, r)
    obs = observation_record(actor=personas.therapist, dosing=r.dosing, moaas=4, dissociation="moderate")
    assert obs.moaas == 4
    with pytest.raises(ValidationFailed) as exc:
        observation_record(actor=personas.nurse, dosing=r.dosing, moaas=6)
    assert exc.value.field == "moaas"
    event = adverse_event_record(
        actor=personas.nurse,
        dosing=r.dosing,
        code="nausea",
        severity="mild",
        intervention="antiemetic",
        intervention_detail="Ondansetron 4 mg SL",
    )
    assert event.get_code_display() == "Nausea"
    with pytest.raises(ValidationFailed) as exc:
        adverse_event_record(actor=personas.nurse, dosing=r.dosing, code="other", severity="mild", intervention="none")
    assert exc.value.field == "description"
    with pytest.raises(ValidationFailed) as exc:
        adverse_event_record(
            actor=personas.nurse, dosing=r.dosing, code="sneezing", severity="mild", intervention="none"
        )
    assert exc.value.field == "code"


# --- discharge ---------------------------------------------------------------------------------------


def end_dose(p, r):
    dose = r.dosing.administrations.get()
    return administration_end(actor=p.nurse, administration=dose)


def test_discharge_at_45_minutes_is_refused_without_an_override(personas, ready, clock) -> None:
    r = ready()
    give(personas, r)
    clock.advance(minutes=40)
    end_dose(personas, r)
    clock.advance(minutes=45)
    with pytest.raises(GateRefused) as exc:
        discharge(personas, r)
    assert exc.value.code == "observation_too_short"
    assert "Only 45 minutes since the dose ended; discharge needs 60 minutes" in exc.value.message
    assert not Discharge.objects.exists()


def test_a_prescriber_may_discharge_early_with_a_reason_and_it_is_audited(personas, ready, clock) -> None:
    r = ready()
    give(personas, r)
    clock.advance(minutes=40)
    end_dose(personas, r)
    clock.advance(minutes=45)
    with pytest.raises(PermissionDeniedError):
        discharge(personas, r, override_reason="Fully recovered")
    d = discharge(
        personas, r, actor=personas.prescriber, override_reason="Fully recovered, baseline vitals, escort present"
    )
    assert d.observation_minutes == 45
    assert GateOverride.objects.get(kind="observation_time").reason.startswith("Fully recovered")
    assert AuditEvent.objects.filter(action="dosing.observation_overridden").exists()
    r.session.refresh_from_db()
    assert r.session.status == "completed"


def test_discharge_after_the_minimum_observation_needs_aldrete_9_escort_and_instructions(
    personas, ready, clock
) -> None:
    r = ready()
    give(personas, r)
    clock.advance(minutes=40)
    end_dose(personas, r)
    clock.advance(minutes=60)
    with pytest.raises(InputRefused) as exc:
        discharge(personas, r, aldrete_consciousness=1, aldrete_activity=1)
    assert exc.value.code == "aldrete_too_low"
    assert "score 8/10" in exc.value.message
    with pytest.raises(ValidationFailed) as exc:
        discharge(personas, r, aldrete_spo2=3)
    assert exc.value.field == "aldrete_spo2"
    with pytest.raises(ValidationFailed) as exc:
        discharge(personas, r, escort_confirmed=False)
    assert exc.value.field == "escort_confirmed"
    with pytest.raises(ValidationFailed) as exc:
        discharge(personas, r, instructions_given=False)
    assert exc.value.field == "instructions_given"
    d = discharge(personas, r, aldrete_activity=1)
    assert d.aldrete_total == 9
    assert d.observation_minutes == 60
    with pytest.raises(Conflict):
        helpers.full_vitals(personas, r.dosing)


def test_discharge_waits_for_open_alerts_and_a_running_dose(personas, ready, clock) -> None:
    r = ready()
    give(personas, r)
    clock.advance(minutes=70)
    with pytest.raises(Conflict) as exc:
        discharge(personas, r)
    assert "still running" in exc.value.message
    end_dose(personas, r)
    reading = helpers.full_vitals(personas, r.dosing, spo2=90)
    clock.advance(minutes=61)
    with pytest.raises(GateRefused) as exc:
        discharge(personas, r)
    assert exc.value.code == "alert_open"
    vitals_alert_acknowledge(actor=personas.nurse, reading=reading)
    discharge(personas, r)


def test_esketamine_devices_are_five_minutes_apart_and_observation_is_two_hours(personas, ready, clock) -> None:
    r = ready(medication="esketamine", route="intranasal")
    dose = give(personas, r, "56", infusion_minutes=None)
    assert dose.planned_devices == 2
    assert dose.ended_at is None
    clock.advance(minutes=3)
    with pytest.raises(GateRefused) as exc:
        esketamine_device_give(actor=personas.nurse, administration=dose)
    assert exc.value.code == "device_too_soon"
    assert "from 09:55" in exc.value.message
    clock.advance(minutes=2)
    esketamine_device_give(actor=personas.nurse, administration=dose)
    dose.refresh_from_db()
    assert dose.ended_at == clock.now
    r.lot.refresh_from_db()
    assert r.lot.balance == 10
    with pytest.raises(Conflict):
        esketamine_device_give(actor=personas.nurse, administration=dose)
    observation_record(actor=personas.nurse, dosing=r.dosing, moaas=3, dissociation="moderate")
    clock.advance(minutes=90)
    with pytest.raises(GateRefused) as exc:
        discharge(personas, r, **REMS)
    assert "discharge needs 120 minutes" in exc.value.message
    clock.advance(minutes=30)
    with pytest.raises(ValidationFailed) as exc:
        discharge(personas, r)
    assert exc.value.field == "rems_vitals_ok_before"
    with pytest.raises(GateRefused) as exc:
        discharge(personas, r, **REMS)
    assert exc.value.code == "effects_unresolved"
    observation_record(actor=personas.nurse, dosing=r.dosing, moaas=5, dissociation="none")
    d = discharge(personas, r, rems_ready_minutes=90, **REMS)
    assert d.rems_total_monitoring_minutes == 125
    assert d.sedation_occurred and d.sedation_resolved
    assert d.dissociation_occurred and d.dissociation_resolved
    assert d.respiratory_depression_occurred is False


def test_a_dose_recorded_by_mistake_is_voided_and_the_lot_gets_it_back(personas, ready) -> None:
    r = ready()
    dose = give(personas, r, "35")
    with pytest.raises(PermissionDeniedError):
        administration_void(actor=personas.nurse, administration=dose, reason="wrong")
    administration_void(actor=personas.prescriber, administration=dose, reason="Entered twice")
    r.lot.refresh_from_db()
    assert r.lot.balance == 500
    assert list(r.lot.entries.values_list("kind", "quantity")) == [
        ("receipt", 500),
        ("administration", -35),
        ("void", 35),
    ]


def test_observation_time_is_real_minutes_across_the_spring_daylight_saving_change(
    personas, clock, book, clinic
) -> None:
    """Clocks jump 02:00 → 03:00 on 2026-03-08 (America/New_York): 01:45 → 03:40 on the wall is 55 minutes."""
    from .conftest import NY

    p = personas
    sunday = dt.date(2026, 3, 8)
    clock.go(dt.datetime(2026, 3, 7, 12, 0, tzinfo=NY))
    helpers.make_eligible(p.demo_patient, p.prescriber)
    helpers.grant_consent(p.demo_patient, "kap_treatment", p.admin)
    prep = book(
        dt.datetime(2026, 3, 6, 9, 0, tzinfo=NY),
        kind="preparation",
        lead_clinician=p.therapist,
        room=clinic.consult_room,
        allow_past=True,
    )
    helpers.sign_preparation(p, prep)
    helpers.record_weight(p.demo_patient, p.nurse, "70.0")
    lot = helpers.receive_lot(p.nurse)
    session = book(
        dt.datetime(2026, 3, 8, 1, 30, tzinfo=NY),
        kind="dosing",
        additional_staff=[p.therapist, p.nurse],
        room=clinic.dosing_room,
        override_hours=True,
        override_reason="Night research protocol",
    )
    clock.go(dt.datetime(2026, 3, 8, 1, 30, tzinfo=NY))
    dosing = dosing_open(actor=p.nurse, session=session, medication="racemic_ketamine", route="im")
    dosing_check_in(actor=p.nurse, dosing=dosing)
    dosing_confirm(actor=p.nurse, dosing=dosing, item="fasting")
    dosing_confirm(actor=p.nurse, dosing=dosing, item="ride_home", escort_name="Sam")
    helpers.full_vitals(p, dosing)
    clock.go(dt.datetime(2026, 3, 8, 1, 45, tzinfo=NY))
    administration_record(
        actor=p.nurse, dosing=dosing, dose_mg="35", lot=lot, ordering_prescriber=p.prescriber
    )  # IM: ends when given
    clock.go(dt.datetime(2026, 3, 8, 3, 40, tzinfo=NY))
    assert sunday == local_today()
    r = helpers.Ready(session=session, dosing=dosing, lot=lot, consent=None)
    with pytest.raises(GateRefused) as exc:
        discharge(p, r)
    assert "Only 55 minutes since the dose ended" in exc.value.message
    clock.go(dt.datetime(2026, 3, 8, 3, 45, tzinfo=NY))
    assert discharge(p, r).observation_minutes == 60
