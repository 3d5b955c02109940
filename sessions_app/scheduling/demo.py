"""Demo schedule: a clinic with three rooms, the demo staff's hours, two weeks of sessions around
today, and the demo patient part-way through a course. Called by seed_demo; idempotent.

Everything is booked through the services (so the demo data obeys the same rules as real data);
the past half is laid out with ``allow_past`` and walked through the status machine.
"""

from __future__ import annotations

import datetime as dt
import logging

from kap_clinic.accounts.models import User
from kap_clinic.common import clock
from kap_clinic.common.demo_clock import simulated_clock
from kap_clinic.common.errors import ApplicationError
from patients.models import Patient
from sessions_app.scheduling.models import Location, Room, Session, TreatmentCourse, WorkingHours
from sessions_app.scheduling.services import courses, sessions
from sessions_app.scheduling.services.clinic import session_types

log = logging.getLogger(__name__)

ROOMS = [("Consult 1", False), ("Dosing Suite A", True), ("Dosing Suite B", True)]
HOURS = {
    # persona: [(weekdays, start, end)] in clinic wall-clock time
    "prescriber": [(range(5), dt.time(8), dt.time(17))],
    "nurse": [(range(5), dt.time(7, 30), dt.time(16))],
    "therapist": [(range(4), dt.time(9), dt.time(18)), ((4,), dt.time(9), dt.time(14))],
    "outsider": [((0, 1, 2), dt.time(10), dt.time(16))],
}


def _clinic() -> dict[str, Room]:
    location, _ = Location.objects.get_or_create(
        name="Harbor Street Clinic", defaults={"address": "12 Harbor Street, Portland, ME"}
    )
    rooms = {}
    for name, dosing in ROOMS:
        rooms[name], _ = Room.objects.get_or_create(location=location, name=name, defaults={"dosing_equipped": dosing})
    return rooms


def _hours(users: dict[str, User]) -> None:
    for key, blocks in HOURS.items():
        person = users[key]
        if WorkingHours.objects.filter(clinician=person).exists():
            continue
        WorkingHours.objects.bulk_create(
            [
                WorkingHours(clinician=person, weekday=d, start_time=start, end_time=end)
                for days, start, end in blocks
                for d in days
            ]
        )


def _walk(session: Session, users: dict[str, User], to: str) -> None:
    """Move a past session along the status machine to ``to`` (completed or no_show), as it happened:
    checked in ten minutes before its start, completed at its end (on a simulated clock)."""
    if to == Session.Status.NO_SHOW:
        sessions.session_transition(actor=users["admin"], session=session, to_status=Session.Status.NO_SHOW)
        return
    with simulated_clock(session.starts_at - dt.timedelta(minutes=10)):
        session = sessions.session_walk(actor=users["admin"], session=session, to_status=Session.Status.CHECKED_IN)
    with simulated_clock(session.ends_at):
        sessions.session_walk(actor=session.lead_clinician, session=session, to_status=to)


DEMO_DOSING_WEEKDAYS = (0, 3)  # Monday and Thursday
DEMO_PAST_DOSES = 3


def demo_course_start(today: dt.date) -> dt.date:
    """The demo course's first day (its preparation session): whatever the weekday, exactly
    ``DEMO_PAST_DOSES`` of its dosing days fall before today, the latest 1-4 days ago.

    The preparation is three days before the first dosing day (a Friday before a Monday, a Monday
    before a Thursday), so the planner's first dosing day (the next dosing weekday after the
    preparation's next day) is that one: the course starts 11-14 days ago, the first dose 8-11.
    """
    dosing_days = []
    day = today - dt.timedelta(days=1)
    while len(dosing_days) < DEMO_PAST_DOSES:
        if day.weekday() in DEMO_DOSING_WEEKDAYS:
            dosing_days.append(day)
        day -= dt.timedelta(days=1)
    return dosing_days[-1] - dt.timedelta(days=3)


def _demo_course(users: dict[str, User], patient: Patient) -> None:
    today = clock.local_today()
    # Part-way through the course: three dosings behind (the latest a few days ago), three ahead.
    request = courses.CourseRequest(
        patient=patient,
        start_date=demo_course_start(today),
        medical_clinician=users["prescriber"],
        therapist=users["therapist"],
        dosing_count=6,
        dosing_weekdays=DEMO_DOSING_WEEKDAYS,
    )
    proposal = courses.course_propose(actor=users["admin"], request=request, allow_past=True)
    items = [
        courses.ConfirmedItem(kind=s.kind, sequence=s.sequence, starts_at=s.starts_at, room=s.room)
        for s in proposal.sessions
    ]
    course = courses.course_confirm(actor=users["admin"], request=request, items=items, allow_past=True)
    for session in course.sessions.filter(ends_at__lt=clock.combine(today, dt.time.min)).order_by("starts_at"):
        _walk(session, users, Session.Status.COMPLETED)
    upcoming = course.sessions.filter(starts_at__gte=clock.combine(today, dt.time.min)).order_by("starts_at").first()
    if upcoming is not None:
        sessions.session_transition(actor=users["admin"], session=upcoming, to_status=Session.Status.CONFIRMED)


def _weekdays_around(today: dt.date) -> list[dt.date]:
    days = [today + dt.timedelta(days=n) for n in range(-7, 8)]
    return [d for d in days if d.weekday() < 5]


def _others(users: dict[str, User], patients: dict[str, Patient], rooms: dict[str, Room]) -> None:
    """A plausible fortnight for the other demo patients; a slot that clashes is skipped."""
    today = clock.local_today()
    days = _weekdays_around(today)
    plan = [
        # (patient key, kind, lead, extra staff, room, hour, minute)
        ("morgan", "consultation", "prescriber", [], "Consult 1", 13, 0),
        ("samira", "preparation", "therapist", [], "Consult 1", 11, 0),
        ("samira", "dosing", "nurse", ["therapist"], "Dosing Suite B", 13, 0),
        ("lena", "follow_up", "prescriber", [], "Consult 1", 15, 30),
        ("chris", "consultation", "prescriber", [], "Consult 1", 8, 0),
        ("lena", "integration", "therapist", [], "Consult 1", 16, 0),
    ]
    bookings = [(day, plan[(i + k) % len(plan)]) for i, day in enumerate(days) for k in (0, 2, 4)]
    for index, (day, (key, kind, lead, extra, room, hour, minute)) in enumerate(bookings):
        patient = patients.get(key)
        if patient is None:
            continue
        try:
            session = sessions.session_schedule(
                actor=users["admin"],
                patient=patient,
                kind=kind,
                starts_at=clock.combine(day, dt.time(hour, minute)),
                lead_clinician=users[lead],
                additional_staff=[users[e] for e in extra],
                room=rooms[room],
                allow_past=True,
            )
        except ApplicationError as exc:
            log.info("demo schedule: skipped %s %s on %s: %s", key, kind, day, exc.message)
            continue
        if session.ends_at < clock.combine(today, dt.time.min):
            _walk(session, users, Session.Status.NO_SHOW if index == 4 else Session.Status.COMPLETED)
        elif day > today and index % 7 == 0:
            sessions.session_cancel(actor=users["admin"], session=session, reason="Patient asked to rebook")


def seed_schedule(users: dict[str, User], patients: dict[str, Patient]) -> None:
    """Create the demo clinic's rooms, hours and sessions (once: an existing demo course is kept)."""
    session_types()
    rooms = _clinic()
    _hours(users)
    demo = patients["demo"]
    if TreatmentCourse.objects.filter(patient=demo).exists():
        return
    _demo_course(users, demo)
    _others(users, patients, rooms)
