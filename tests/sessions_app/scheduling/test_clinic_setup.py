"""Clinic set-up (rooms, working hours, time off, session types) is changed by practice admins only,
in the service itself (the pages and the API call the same functions)."""

from __future__ import annotations

import datetime as dt

import pytest

from kap_clinic.audit.models import AuditEvent
from kap_clinic.common.errors import PermissionDeniedError
from sessions_app.scheduling.models import TimeOff, WorkingHours
from sessions_app.scheduling.services import clinic as setup
from tests.sessions_app.conftest import MONDAY, at
from tests.sessions_app.factories import TimeOffFactory

pytestmark = pytest.mark.django_db


def _changes(personas, clinic, actor):
    session_type = setup.session_types()["follow_up"]
    time_off = TimeOffFactory(
        clinician=personas.nurse, starts_at=at(MONDAY, 8), ends_at=at(MONDAY, 12), reason="Training"
    )
    return {
        "location": lambda: setup.location_create(actor=actor, name="Annex"),
        "room": lambda: setup.room_save(actor=actor, location=clinic.location, name="Consult 9"),
        "hours": lambda: setup.working_hours_set(
            actor=actor, clinician=personas.nurse, blocks=[(5, dt.time(7), dt.time(21))]
        ),
        "time_off_add": lambda: setup.time_off_add(
            actor=actor, clinician=personas.nurse, starts_at=at(MONDAY, 13), ends_at=at(MONDAY, 17)
        ),
        "time_off_remove": lambda: setup.time_off_remove(actor=actor, time_off=time_off),
        "session_type": lambda: setup.session_type_update(
            actor=actor,
            session_type=session_type,
            default_duration_minutes=45,
            requires_dosing_room=False,
            requires_medical_staff=False,
            requires_therapist=False,
            colour=session_type.colour,
        ),
    }


@pytest.mark.parametrize("who", ["prescriber", "nurse", "therapist", "outsider", "demo_patient_user"])
def test_only_a_practice_admin_changes_hours_time_off_rooms_and_session_types(frozen, personas, clinic, who) -> None:
    actor = personas.demo_patient.user if who == "demo_patient_user" else getattr(personas, who)
    hours_before = list(WorkingHours.objects.filter(clinician=personas.nurse).values_list("weekday", "start_time"))
    for name, change in _changes(personas, clinic, actor).items():
        with pytest.raises(PermissionDeniedError, match="Only a practice admin"):
            change()
        assert AuditEvent.objects.filter(actor=actor).count() == 0, name
    assert list(WorkingHours.objects.filter(clinician=personas.nurse).values_list("weekday", "start_time")) == (
        hours_before
    )
    assert TimeOff.objects.filter(clinician=personas.nurse).count() == 1
    assert setup.session_types()["follow_up"].default_duration_minutes == 30


def test_the_admin_makes_each_change_and_it_is_audited(frozen, personas, clinic) -> None:
    for change in _changes(personas, clinic, personas.admin).values():
        change()
    assert list(WorkingHours.objects.filter(clinician=personas.nurse).values_list("weekday", "start_time")) == [
        (5, dt.time(7))
    ]
    assert setup.session_types()["follow_up"].default_duration_minutes == 45
    assert AuditEvent.objects.filter(actor=personas.admin).count() >= 5
