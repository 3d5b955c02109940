"""Fixtures for reminder tests: a reachable demo patient, an SMS outbox, a clock to walk,
and book/move/cancel helpers that go through the scheduling services.

Times are America/New_York. The US spring change is Sunday 2026-03-08 (02:00 → 03:00), the
autumn change Sunday 2026-11-01 (02:00 → 01:00).
"""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest

from sessions_app.reminders.messaging.sms import LocmemSmsBackend
from sessions_app.reminders.models import Reminder
from sessions_app.reminders.services import delivery, planning
from sessions_app.scheduling.services import sessions as scheduling
from tests.brokers import broker_down, own_redis  # noqa: F401 - a broker that goes away and comes back
from tests.test_celery import real_worker  # noqa: F401 - a Celery worker process on Redis (REDIS_URL set)

NY = zoneinfo.ZoneInfo("America/New_York")
FORBIDDEN_WORDS = (
    "ketamine",
    "esketamine",
    "spravato",
    "dose",
    "dosing",
    "mg",
    "infusion",
    "depression",
    "ptsd",
    "anxiety",
    "diagnosis",
    "psychotherapy",
    "phq",
    "treatment-resistant",
)


def local(y: int, m: int, d: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(y, m, d, hour, minute, tzinfo=NY)


@pytest.fixture
def sms_outbox(settings):
    settings.SMS_BACKEND = "sessions_app.reminders.messaging.sms.LocmemSmsBackend"
    LocmemSmsBackend.outbox.clear()
    yield LocmemSmsBackend.outbox
    LocmemSmsBackend.outbox.clear()


@pytest.fixture
def reachable(personas, sms_outbox):
    """The demo patient with an email address and a mobile, opted in to both channels."""
    patient = personas.demo_patient
    patient.mobile = "+15555550142"
    patient.reminder_email_opt_in = True
    patient.reminder_sms_opt_in = True
    patient.save(update_fields=["mobile", "reminder_email_opt_in", "reminder_sms_opt_in"])
    return patient


@pytest.fixture
def walk(time_machine):
    """walk(datetime): freeze the clock there; walk.sweep(datetime): freeze there and run the sweep."""

    class Walk:
        def __call__(self, when: dt.datetime) -> None:
            time_machine.move_to(when, tick=False)

        def sweep(self, when: dt.datetime | None = None) -> dict[str, int]:
            if when is not None:
                self(when)
            delivery.reminders_recover_stale()
            return delivery.reminders_send_due()

    return Walk()


@pytest.fixture
def booking(personas, book):
    """book / move / cancel through the scheduling services (each re-plans the reminders)."""

    class Booking:
        def book(self, starts_at: dt.datetime, kind: str = "consultation", **kw):
            session = book(starts_at, kind=kind, **kw)
            planning.reminders_replan_for_session(session=session)
            return session

        def move(self, session, starts_at: dt.datetime):
            session = scheduling.session_reschedule(actor=personas.admin, session=session, starts_at=starts_at)
            planning.reminders_replan_for_session(session=session)
            return session

        def cancel(self, session):
            session = scheduling.session_cancel(actor=personas.admin, session=session, reason="Patient asked to rebook")
            planning.reminders_replan_for_session(session=session)
            return session

    return Booking()


def rows(session, **filters) -> list[Reminder]:
    return list(Reminder.objects.filter(session=session, **filters).order_by("kind", "-offset_minutes", "channel"))


def due_times(session) -> dict[tuple[str, str, int], dt.datetime]:
    return {(r.kind, r.channel, r.offset_minutes): r.due_at.astimezone(NY) for r in rows(session)}
