"""Helpers for the job-liveness tests: rows waiting for the jobs, and a clock to move."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from django.core.cache import cache

from sessions_app.reports.models import GeneratedReport
from sessions_app.scheduling.models import Location, Room
from tests.brokers import own_redis  # noqa: F401 - fixture, for the fault soak
from tests.sessions_app.conftest import clinic  # noqa: F401 - fixture, for the fault soak
from tests.sessions_app.factories import GeneratedReportFactory, ReminderFactory, SessionFactory
from tests.sessions_app.reminders.conftest import reachable, sms_outbox  # noqa: F401 - fixtures, for the fault soak

NOW = dt.datetime(2026, 6, 10, 14, 0, tzinfo=dt.UTC)  # 10:00 in New York (EDT)


@pytest.fixture(autouse=True)
def _fresh_cache():
    """The banner caches the jobs status for 15 s; each test starts without it."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def clock(time_machine):  # noqa: ANN001, ANN201
    """clock(at) stops the clock at ``at`` (default NOW) and returns it; call again to move it."""

    def move(at: dt.datetime = NOW) -> dt.datetime:
        time_machine.move_to(at, tick=False)
        return at

    return move


def _status_fields(status: str, at: dt.datetime) -> dict:
    """What the reminder's check constraints ask of a row in ``status``."""
    if status == "sending":
        return {"claimed_at": at, "claim_token": "6f1c7a52-58a4-4f43-9b8e-0c7f2f0a1b2c"}
    if status == "sent":
        return {"sent_at": at}
    return {}


@dataclass
class Waiting:
    personas: object
    _session: object = None
    _offset: int = 7000

    def session(self):  # noqa: ANN201
        if self._session is None:
            location = Location.objects.create(name="Liveness test clinic", address="1 Test St")
            room = Room.objects.create(location=location, name="Room L")
            self._session = SessionFactory(
                patient=self.personas.demo_patient,
                lead_clinician=self.personas.prescriber,
                room=room,
                starts_at=NOW + dt.timedelta(days=2),
                created_by=self.personas.admin,
            )
        return self._session

    def reminders(self, *due: dt.datetime, status: str = "pending") -> None:
        """One reminder due at each time (distinct offsets, so the session's slots do not collide)."""
        session = self.session()
        for at in due:
            self._offset += 1
            ReminderFactory(
                session=session,
                offset_minutes=self._offset,
                planned_for=session.starts_at,
                due_at=at,
                status=status,
                **_status_fields(status, at),
            )

    def reports(self, *created: dt.datetime, status: str = "queued") -> None:
        for at in created:
            report = GeneratedReportFactory(
                patient=self.personas.demo_patient, requested_by=self.personas.prescriber, status=status
            )
            GeneratedReport.objects.filter(pk=report.pk).update(created_at=at)


@pytest.fixture
def waiting(personas) -> Waiting:  # noqa: ANN001
    return Waiting(personas)
