"""The demo schedule: three rooms, staff hours, two weeks of sessions, the demo patient mid-course."""

from __future__ import annotations

import datetime as dt

import pytest

from patients.demo import seed_patients
from sessions_app import clock
from sessions_app.demo import seed_schedule
from sessions_app.models import Room, Session, TreatmentCourse, WorkingHours

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
