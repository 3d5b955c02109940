"""With a real Redis stopped, booking a session and asking for a report still succeed; once Redis
is back, a real worker sends the reminders and renders the report. This suite starts and stops
its own redis-server on a free port (the shared one is never touched). Runs when REDIS_URL and a
PostgreSQL DATABASE_URL are set and redis-server is installed; skipped in embedded mode."""

from __future__ import annotations

import datetime as dt
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from kap_clinic.celery import app
from sessions_app.reminders.models import Reminder
from sessions_app.reports.models import GeneratedReport
from sessions_app.tasks import jobs_sweep_task
from tests.workers import start_worker, stop_worker, worker_env

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class OwnRedis:
    def __init__(self, exe: str, folder: Path) -> None:
        self.exe, self.folder, self.port = exe, folder, _free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(  # noqa: S603 - fixed arguments
            [
                self.exe,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.folder),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.1)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(timeout=20)
            self.proc = None


def _forget_connections() -> None:
    # Celery caches the broker pools and (per thread) the result backend; drop them so the next
    # use connects to the URLs configured now.
    app._pool = None
    app.amqp._producer_pool = None
    app._local.__dict__.pop("backend", None)


@pytest.fixture
def own_redis(tmp_path):
    exe = shutil.which("redis-server")
    if not settings.REDIS_URL or connection.vendor != "postgresql" or exe is None:
        pytest.skip("needs REDIS_URL, PostgreSQL and redis-server (CI's services run)")
    redis = OwnRedis(exe, tmp_path)
    redis.start()
    saved = (app.conf.task_always_eager, app.conf.broker_url, app.conf.result_backend)
    _forget_connections()
    app.conf.task_always_eager = False
    app.conf.broker_url = app.conf.result_backend = redis.url
    yield redis
    redis.stop()
    app.conf.task_always_eager, app.conf.broker_url, app.conf.result_backend = saved
    _forget_connections()


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
    _forget_connections()
    jobs_sweep_task.apply_async(ignore_result=True)  # what beat publishes every minute
    _until(lambda: reminders.filter(offset_minutes=2880, status="sent").exists(), worker)
    _until(lambda: GeneratedReport.objects.get(pk=report.pk).status in ("done", "failed"), worker)
    report.refresh_from_db()
    assert report.status == "done", report.error
    assert reminders.filter(status="sent").count() == 1  # once; the 2 h one is still to come
