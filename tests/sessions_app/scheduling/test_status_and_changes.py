"""The status machine, cancellation and rescheduling, all through services."""

from __future__ import annotations

import datetime as dt

import pytest

from kap_clinic.audit.models import AuditEvent
from kap_clinic.common.errors import InvalidTransition, PermissionDeniedError, ValidationFailed
from sessions_app.scheduling.models import Session
from sessions_app.scheduling.services.rules import SlotUnavailable
from sessions_app.scheduling.services.sessions import (
    session_cancel,
    session_reschedule,
    session_transition,
    session_update,
)
from tests.sessions_app.conftest import MONDAY, NY, at

pytestmark = pytest.mark.django_db


def test_a_session_walks_the_whole_status_machine_and_each_step_is_audited(frozen, personas, book) -> None:
    session = book(at(MONDAY, 9))
    session = session_transition(actor=personas.admin, session=session, to_status=Session.Status.CONFIRMED)
    frozen.move_to(at(MONDAY, 8, 30), tick=False)  # check-in opens two hours before the start
    session = session_transition(actor=personas.admin, session=session, to_status=Session.Status.CHECKED_IN)
    session = session_transition(actor=personas.prescriber, session=session, to_status=Session.Status.IN_PROGRESS)
    session = session_transition(actor=personas.prescriber, session=session, to_status=Session.Status.COMPLETED)
    assert session.status == Session.Status.COMPLETED
    actions = list(
        AuditEvent.objects.filter(target_public_id=str(session.public_id))
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == [
        "session.scheduled",
        "session.confirmed",
        "session.checked_in",
        "session.started",
        "session.completed",
    ]


@pytest.mark.parametrize(
    ("path", "bad"),
    [
        ([], Session.Status.COMPLETED),
        ([], Session.Status.IN_PROGRESS),
        ([], Session.Status.CHECKED_IN),
        ([Session.Status.CONFIRMED], Session.Status.SCHEDULED),
        ([Session.Status.CONFIRMED, Session.Status.CHECKED_IN], Session.Status.NO_SHOW),
        (
            [Session.Status.CONFIRMED, Session.Status.CHECKED_IN, Session.Status.IN_PROGRESS, Session.Status.COMPLETED],
            Session.Status.CONFIRMED,
        ),
        ([], "teleported"),
    ],
)
def test_steps_outside_the_status_machine_raise_invalid_transition(frozen, personas, book, path, bad) -> None:
    session = book(at(MONDAY, 9))
    frozen.move_to(at(MONDAY, 9, 5), tick=False)
    for step in path:
        session = session_transition(actor=personas.prescriber, session=session, to_status=step)
    with pytest.raises(InvalidTransition) as exc:
        session_transition(actor=personas.prescriber, session=session, to_status=bad)
    assert exc.value.status == 409


def test_cancelling_is_not_a_plain_status_change(frozen, personas, book) -> None:
    session = book(at(MONDAY, 9))
    with pytest.raises(InvalidTransition, match="with a reason"):
        session_transition(actor=personas.admin, session=session, to_status=Session.Status.CANCELLED)


def test_only_a_clinician_on_the_session_starts_it(frozen, personas, book) -> None:
    session = book(at(MONDAY, 9))
    session = session_transition(actor=personas.admin, session=session, to_status=Session.Status.CONFIRMED)
    frozen.move_to(at(MONDAY, 8, 30), tick=False)
    session = session_transition(actor=personas.admin, session=session, to_status=Session.Status.CHECKED_IN)
    with pytest.raises(PermissionDeniedError):
        session_transition(actor=personas.admin, session=session, to_status=Session.Status.IN_PROGRESS)
    with pytest.raises(PermissionDeniedError):
        session_transition(actor=personas.nurse, session=session, to_status=Session.Status.IN_PROGRESS)


def test_a_no_show_is_recorded_only_after_the_start_time(frozen, personas, book) -> None:
    session = book(at(MONDAY, 9))
    with pytest.raises(InvalidTransition, match="after the session's start"):
        session_transition(actor=personas.admin, session=session, to_status=Session.Status.NO_SHOW)
    frozen.move_to(at(MONDAY, 9, 20), tick=False)
    session = session_transition(actor=personas.admin, session=session, to_status=Session.Status.NO_SHOW)
    assert session.status == Session.Status.NO_SHOW


def test_cancelling_records_who_when_why_and_whether_it_was_late(frozen, personas, book) -> None:
    early = book(at(MONDAY, 9))
    late = book(at(dt.date(2026, 2, 28) + dt.timedelta(days=2), 14))  # Monday 14:00, >24h away: not late
    frozen.move_to(at(MONDAY, 8), tick=False)
    early = session_cancel(actor=personas.admin, session=early, reason="Patient has flu")
    assert early.late_cancel is True
    assert early.cancelled_by == personas.admin
    assert early.cancelled_at is not None
    assert early.cancellation_reason == "Patient has flu"
    frozen.move_to(dt.datetime(2026, 2, 27, 12, tzinfo=NY), tick=False)
    late = session_cancel(actor=personas.prescriber, session=late, reason="Clinic closure")
    assert late.late_cancel is False
    assert AuditEvent.objects.filter(action="session.cancelled").count() == 2


def test_a_cancellation_needs_a_reason_and_happens_once(frozen, personas, book) -> None:
    session = book(at(MONDAY, 9))
    with pytest.raises(ValidationFailed) as exc:
        session_cancel(actor=personas.admin, session=session, reason="  ")
    assert exc.value.field == "reason"
    session = session_cancel(actor=personas.admin, session=session, reason="Moved away")
    with pytest.raises(InvalidTransition):
        session_cancel(actor=personas.admin, session=session, reason="again")


def test_rescheduling_keeps_the_duration_resets_confirmation_and_is_audited(frozen, personas, book) -> None:
    session = book(at(MONDAY, 9))
    session = session_transition(actor=personas.admin, session=session, to_status=Session.Status.CONFIRMED)
    session = session_reschedule(actor=personas.admin, session=session, starts_at=at(MONDAY, 14))
    assert (session.starts_at, session.ends_at) == (at(MONDAY, 14), at(MONDAY, 15))
    assert session.status == Session.Status.SCHEDULED
    event = AuditEvent.objects.get(action="session.rescheduled")
    assert set(event.changed_fields) == {"starts_at", "ends_at", "status"}
    assert event.patient_public_id == personas.demo_patient.public_id
    # The old slot is free again, the new one is taken.
    book(at(MONDAY, 9))
    with pytest.raises(SlotUnavailable):
        book(at(MONDAY, 14, 30))


def test_a_session_can_be_resized(frozen, personas, book) -> None:
    session = book(at(MONDAY, 9))
    session = session_reschedule(
        actor=personas.admin, session=session, starts_at=at(MONDAY, 9), ends_at=at(MONDAY, 10, 30)
    )
    assert session.duration_minutes == 90


def test_rescheduling_onto_a_clash_is_refused_and_nothing_changes(frozen, personas, book) -> None:
    first = book(at(MONDAY, 9))
    second = book(at(MONDAY, 11))
    with pytest.raises(SlotUnavailable, match="already booked"):
        session_reschedule(actor=personas.admin, session=second, starts_at=at(MONDAY, 9, 30))
    second.refresh_from_db()
    assert second.starts_at == at(MONDAY, 11)
    assert first.bookings.filter(active=True).count() == 3


def test_a_session_that_has_begun_cannot_be_moved(frozen, personas, book) -> None:
    session = book(at(MONDAY, 9))
    frozen.move_to(at(MONDAY, 8, 30), tick=False)
    for step in (Session.Status.CONFIRMED, Session.Status.CHECKED_IN):
        session = session_transition(actor=personas.admin, session=session, to_status=step)
    with pytest.raises(InvalidTransition, match="checked in cannot be changed"):
        session_reschedule(actor=personas.admin, session=session, starts_at=at(MONDAY, 11))


def test_changing_the_room_or_staff_is_audited_as_an_update(frozen, personas, clinic, book) -> None:
    session = book(at(MONDAY, 9))
    session_update(actor=personas.admin, session=session, room=clinic.dosing_room_2, additional_staff=[personas.nurse])
    event = AuditEvent.objects.get(action="session.updated")
    assert set(event.changed_fields) == {"room", "additional_staff"}
    assert session.bookings.filter(resource_kind="clinician").count() == 2


def test_moving_a_dosing_session_past_its_integration_is_refused(frozen, personas, book) -> None:
    dose = book(at(MONDAY, 9), kind="dosing")
    book(at(MONDAY + dt.timedelta(days=1), 10), kind="integration", lead_clinician=personas.therapist, follows=dose)
    with pytest.raises(ValidationFailed, match="after the integration session"):
        session_reschedule(actor=personas.admin, session=dose, starts_at=at(MONDAY + dt.timedelta(days=1), 9))
