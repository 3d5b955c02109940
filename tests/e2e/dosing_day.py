"""The dosing day the browser tests share: Monday 2 March 2026 in New York, a preparation signed at
09:50, and a dosing session booked for Tuesday 3 March at 10:00 with the prescriber leading."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from sessions_app.clinical.services.dosing import dosing_confirm, dosing_open
from sessions_app.scheduling.services.sessions import session_schedule
from tests.sessions_app.clinical import helpers
from tests.sessions_app.conftest import make_clinic

NY = zoneinfo.ZoneInfo("America/New_York")


def at(hour: int, minute: int = 0) -> dt.datetime:
    """A time on the dosing day."""
    return dt.datetime(2026, 3, 3, hour, minute, tzinfo=NY)


def book_dosing_day(p, time_machine, *, tick: bool):
    """Eligible, consented, prepared (signed once the preparation started), weighed, PHQ-9 done, a lot
    received, and the dosing session booked. Returns (session, lot)."""
    time_machine.move_to(dt.datetime(2026, 3, 2, 8, 0, tzinfo=NY), tick=tick)
    clinic = make_clinic([p.prescriber, p.nurse, p.therapist, p.outsider])
    helpers.make_eligible(p.demo_patient, p.prescriber)
    helpers.grant_consent(p.demo_patient, "kap_treatment", p.admin)
    prep = session_schedule(
        actor=p.admin,
        patient=p.demo_patient,
        kind="preparation",
        starts_at=dt.datetime(2026, 3, 2, 9, tzinfo=NY),
        lead_clinician=p.therapist,
        room=clinic.consult_room,
    )
    time_machine.move_to(dt.datetime(2026, 3, 2, 9, 50, tzinfo=NY), tick=tick)  # signed once it has started
    helpers.sign_preparation(p, prep)
    helpers.record_weight(p.demo_patient, p.nurse, "70.0")
    helpers.record_phq9(p.demo_patient, p.nurse)
    lot = helpers.receive_lot(p.nurse, lot_number="KV-2026-17", quantity="500")
    session = session_schedule(
        actor=p.admin,
        patient=p.demo_patient,
        kind="dosing",
        starts_at=at(10),
        lead_clinician=p.prescriber,
        additional_staff=[p.therapist, p.nurse],
        room=clinic.dosing_room,
    )
    return session, lot


def ready_for_the_dose(p, session, time_machine, *, opened_at: dt.datetime, tick: bool, route: str = "iv"):
    """The record opened inside the booked window (which checks the patient in by itself), fasting and
    ride home confirmed, pre-dose vitals taken. Returns the dosing record."""
    time_machine.move_to(opened_at, tick=tick)
    dosing = dosing_open(actor=p.nurse, session=session, medication="racemic_ketamine", route=route)
    session.refresh_from_db()
    assert session.status == session.Status.CHECKED_IN
    dosing_confirm(actor=p.nurse, dosing=dosing, item="fasting")
    dosing_confirm(actor=p.nurse, dosing=dosing, item="ride_home", escort_name="Sam Ellis", escort_phone="555-0100")
    helpers.full_vitals(p, dosing)
    return dosing
