"""Clinical fixtures: the clock on a clinic morning and a dosing session ready to dose.

``ready(...)`` builds, through the services, a dosing session on Tuesday 2026-03-03 10:00
(America/New_York) for the demo patient: eligible, KAP consent signed, a "ready" preparation
the day before (09:00, signed after it started), weight and PHQ-9 recorded, a lot on the
shelf; then at 09:45 the nurse opens the record (which checks the patient in: inside the
booked window), confirms fasting and the ride home and takes a full set of vitals. Keyword
switches take one element away so each gate can be tested alone; ``checked_in=False`` opens the
record at 07:30, before the window, and leaves the patient waiting.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest

from sessions_app.clinical.services.dosing import dosing_confirm, dosing_open

from . import helpers

NY = zoneinfo.ZoneInfo("America/New_York")
MONDAY = dt.date(2026, 3, 2)
TUESDAY = dt.date(2026, 3, 3)
WEDNESDAY_NIGHT = dt.datetime(2026, 3, 4, 0, 5, tzinfo=NY)  # the day after the Tuesday session


def local(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=NY)


@pytest.fixture
def clock(time_machine):
    """clock.go(datetime) / clock.advance(minutes=...) on a frozen clock starting Monday 08:00."""

    class Clock:
        now = local(MONDAY, 8)

        def go(self, when: dt.datetime) -> None:
            self.now = when
            time_machine.move_to(when, tick=False)

        def advance(self, **delta) -> None:
            self.go(self.now + dt.timedelta(**delta))

    c = Clock()
    c.go(c.now)
    return c


@pytest.fixture
def ready(personas, book, clinic, clock):
    p = personas

    def make(
        *,
        consent: bool = True,
        eligible: bool = True,
        prepared: bool = True,
        weight: bool = True,
        phq9: bool = True,
        checked_in: bool = True,
        fasting: bool = True,
        ride_home: bool = True,
        vitals: dict | bool | None = True,
        medication: str = "racemic_ketamine",
        route: str = "iv",
    ) -> helpers.Ready:
        patient = p.demo_patient
        if eligible:
            helpers.make_eligible(patient, p.prescriber)
        kind = "esketamine_treatment" if medication == "esketamine" else "kap_treatment"
        record = helpers.grant_consent(patient, kind, p.admin) if consent else None
        if prepared:
            prep = book(local(MONDAY, 9), kind="preparation", lead_clinician=p.therapist, room=clinic.consult_room)
            clock.go(local(MONDAY, 10))
            helpers.sign_preparation(p, prep)
        if weight:
            helpers.record_weight(patient, p.nurse, "70.0")
        if phq9:
            helpers.record_phq9(patient, p.nurse)
        if medication == "esketamine":
            lot = helpers.receive_lot(
                p.nurse, product="esketamine_device", lot_number="ESK-1", quantity="12", concentration="28 mg/device"
            )
        else:
            lot = helpers.receive_lot(p.nurse)
        session = book(
            local(TUESDAY, 10),
            kind="dosing",
            lead_clinician=p.prescriber,
            additional_staff=[p.therapist, p.nurse],
            room=clinic.dosing_room,
        )
        clock.go(local(TUESDAY, 9, 45) if checked_in else local(TUESDAY, 7, 30))
        dosing = dosing_open(actor=p.nurse, session=session, medication=medication, route=route)
        clock.go(local(TUESDAY, 9, 45))
        if fasting:
            dosing_confirm(actor=p.nurse, dosing=dosing, item="fasting")
        if ride_home:
            dosing_confirm(
                actor=p.nurse, dosing=dosing, item="ride_home", escort_name="Sam Ellis", escort_phone="555-0100"
            )
        if vitals:
            helpers.full_vitals(p, dosing, **(vitals if isinstance(vitals, dict) else {}))
        clock.advance(minutes=5)
        dosing.refresh_from_db()
        session.refresh_from_db()
        return helpers.Ready(session=session, dosing=dosing, lot=lot, consent=record)

    return make
