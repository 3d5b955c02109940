"""The demo schedule: three rooms, staff hours, two weeks of sessions, the demo patient mid-course."""

from __future__ import annotations

import datetime as dt

import pytest

from kap_clinic.common import clock
from patients.demo import seed_patients
from sessions_app.scheduling.demo import seed_schedule
from sessions_app.scheduling.models import Room, Session, TreatmentCourse, WorkingHours

pytestmark = pytest.mark.django_db


def test_the_demo_schedule_is_a_clinic_mid_fortnight_and_reseeding_changes_nothing(personas) -> None:
    from kap_clinic.accounts.demo import seed_users

    users = seed_users()
    patients = seed_patients(users)
    seed_schedule(users, patients)
    rooms = Room.objects.all()
    assert rooms.count() == 3
    assert rooms.filter(dosing_equipped=True).count() == 2
    assert WorkingHours.objects.filter(clinician=users["prescriber"]).count() == 5
    course = TreatmentCourse.objects.get(patient=patients["demo"])
    doses = course.sessions.filter(kind="dosing").order_by("starts_at")
    assert doses.count() == 6
    statuses = [d.status for d in doses]
    assert "completed" in statuses and ("scheduled" in statuses or "confirmed" in statuses)
    for integration in course.sessions.filter(kind="integration"):
        assert integration.starts_at >= integration.follows.ends_at
    today = clock.local_today()
    days = {clock.to_local(s.starts_at).date() for s in Session.objects.all()}
    assert min(days) <= today - dt.timedelta(days=5)
    assert max(days) >= today + dt.timedelta(days=5)
    assert Session.objects.exclude(patient=patients["demo"]).count() >= 10
    count = Session.objects.count()
    seed_schedule(users, patients)
    assert Session.objects.count() == count
    assert Room.objects.count() == 3


@pytest.mark.parametrize("today", [dt.date(2026, 11, 23) + dt.timedelta(days=n) for n in range(7)], ids=str)
def test_the_demo_course_always_has_three_dosing_days_behind_it(today) -> None:
    from sessions_app.scheduling.demo import demo_course_start

    start = demo_course_start(today)
    assert start.weekday() < 5
    first = start + dt.timedelta(days=1)
    while first.weekday() not in (0, 3):
        first += dt.timedelta(days=1)
    dosing_days = [
        first + dt.timedelta(days=n) for n in range(21) if (first + dt.timedelta(days=n)).weekday() in (0, 3)
    ]
    past = [d for d in dosing_days if d < today]
    assert len(past) == 3 and 8 <= (today - past[0]).days <= 11 and 1 <= (today - past[-1]).days <= 4


@pytest.mark.parametrize("weekday_offset", [0, 3, 6], ids=["monday", "thursday", "sunday"])
def test_the_demo_course_is_three_doses_in_on_any_day(personas, time_machine, weekday_offset) -> None:
    """Seeded on a Monday, Thursday or Sunday too (a dosing day today, or a weekend), three doses are past."""
    from kap_clinic.accounts.demo import seed_users

    time_machine.move_to(dt.datetime(2026, 11, 23 + weekday_offset, 17, 0, tzinfo=dt.UTC), tick=False)
    users = seed_users()
    patients = seed_patients(users)
    seed_schedule(users, patients)
    doses = Session.objects.filter(patient=patients["demo"], kind="dosing").order_by("starts_at")
    today = clock.local_today()
    assert [clock.to_local(d.starts_at).date() < today for d in doses] == [True] * 3 + [False] * 3
    assert [d.status for d in doses[:3]] == ["completed"] * 3
