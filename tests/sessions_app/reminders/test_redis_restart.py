"""With a real Redis stopped, booking a session and asking for a report still succeed; once Redis
is back, a real worker sends the reminders and renders the report. This suite starts and stops
its own redis-server on a free port (the shared one is never touched). Runs when REDIS_URL and a
PostgreSQL DATABASE_URL are set and redis-server is installed; skipped in embedded mode."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from django.conf import settings
from django.utils import timezone

from sessions_app.reminders.models import Reminder
from sessions_app.reports.models import GeneratedReport
from sessions_app.tasks import jobs_sweep_task
from tests.brokers import forget_connections
from tests.workers import start_worker, stop_worker, worker_env

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def worker(own_redis):
    proc = start_worker(worker_env(REDIS_URL=own_redis.url, DJANGO_MEDIA_ROOT=str(settings.MEDIA_ROOT)))
    yield proc
    stop_worker(proc)


def _until(predicate, worker, seconds: float = 120.0) -> None:  # noqa: ANN001
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.5)
    worker.terminate()
    raise AssertionError(worker.communicate(timeout=10)[0].decode(errors="replace"))


def test_with_redis_stopped_booking_and_a_report_succeed_and_the_work_happens_when_it_returns(
    own_redis, worker, personas, reachable, clinic, api_for, client
) -> None:
    reachable.reminder_sms_opt_in = False  # SMS could fall in quiet hours at whatever time CI runs
    reachable.save(update_fields=["reminder_sms_opt_in"])
    own_redis.stop()  # Redis goes away while the worker is running

    started = time.monotonic()
    response = api_for(personas.admin).post(
        "/api/v1/sessions/",
        {
            "patient": str(reachable.public_id),
            "kind": "consultation",
            "starts_at": (timezone.now() + dt.timedelta(days=4)).replace(microsecond=0).isoformat(),
            "lead_clinician": str(personas.prescriber.public_id),
            "room": str(clinic.consult_room.public_id),
            "override_hours": True,
            "override_reason": "Redis restart test",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    client.force_login(personas.prescriber)
    page = client.post("/sessions/reports/new/", {"kind": "treatment_summary", "patient": str(reachable.public_id)})
    assert page.status_code == 302
    assert time.monotonic() - started < 5.0
    report = GeneratedReport.objects.get()
    assert report.status == "queued" and report.enqueued_at is None
    reminders = Reminder.objects.filter(session__public_id=response.json()["id"])
    assert reminders.count() == 2 and {r.status for r in reminders} == {"pending"}
    # Time passes: the 48 h reminder falls due while Redis is still down.
    Reminder.objects.filter(pk__in=reminders.filter(offset_minutes=2880)).update(
        next_attempt_at=timezone.now() - dt.timedelta(minutes=1)
    )
    GeneratedReport.objects.filter(pk=report.pk).update(created_at=timezone.now() - dt.timedelta(minutes=2))

    own_redis.start()  # Redis is back (empty: whatever it held is gone)
    forget_connections()
    jobs_sweep_task.apply_async(ignore_result=True)  # what beat publishes every minute
    _until(lambda: reminders.filter(offset_minutes=2880, status="sent").exists(), worker)
    _until(lambda: GeneratedReport.objects.get(pk=report.pk).status in ("done", "failed"), worker)
    report.refresh_from_db()
    assert report.status == "done", report.error
    assert reminders.filter(status="sent").count() == 1  # once; the 2 h one is still to come
