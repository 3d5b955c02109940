"""A small clinic for scheduling tests: one location, three rooms (two dosing-equipped), the
demo clinicians working Monday to Friday 08:00–18:00, and the clock frozen on a Monday morning
one week before the US spring daylight-saving change (2026-03-08, America/New_York)."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass

import pytest

from sessions_app.scheduling.models import Location, Room, WorkingHours
from sessions_app.scheduling.services.sessions import session_schedule

NY = zoneinfo.ZoneInfo("America/New_York")
MONDAY = dt.date(2026, 3, 2)  # the week before clocks go forward on Sunday 2026-03-08


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=NY)


@dataclass
class Clinic:
    location: Location
    consult_room: Room
    dosing_room: Room
    dosing_room_2: Room


def make_clinic(clinicians) -> Clinic:
    location, _ = Location.objects.get_or_create(name="Main clinic", defaults={"address": "1 Harbor St"})
    consult, _ = Room.objects.get_or_create(location=location, name="Consult 1", defaults={"dosing_equipped": False})
    dosing, _ = Room.objects.get_or_create(location=location, name="Dosing A", defaults={"dosing_equipped": True})
    dosing2, _ = Room.objects.get_or_create(location=location, name="Dosing B", defaults={"dosing_equipped": True})
    for person in clinicians:
        if not WorkingHours.objects.filter(clinician=person).exists():
            WorkingHours.objects.bulk_create(
                [
                    WorkingHours(clinician=person, weekday=d, start_time=dt.time(8), end_time=dt.time(18))
                    for d in range(5)
                ]
            )
    return Clinic(location, consult, dosing, dosing2)


@pytest.fixture
def frozen(time_machine):
    time_machine.move_to(dt.datetime(2026, 2, 27, 12, 0, tzinfo=NY), tick=False)
    return time_machine


@pytest.fixture
def clinic(personas) -> Clinic:
    p = personas
    return make_clinic([p.prescriber, p.nurse, p.therapist, p.outsider])


@pytest.fixture
def book(personas, clinic):
    """book(start, kind=..., **overrides) -> Session booked by the admin through the service."""

    def make(starts_at: dt.datetime, kind: str = "consultation", **kw):
        defaults = {
            "actor": personas.admin,
            "patient": personas.demo_patient,
            "kind": kind,
            "lead_clinician": personas.prescriber,
            "room": clinic.consult_room,
        }
        if kind == "dosing":
            defaults.update(additional_staff=[personas.therapist], room=clinic.dosing_room)
        defaults.update(kw)
        return session_schedule(starts_at=starts_at, **defaults)

    return make
