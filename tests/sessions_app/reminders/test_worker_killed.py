"""A real Celery worker is killed (SIGKILL) while an SMS is with the provider: no loss, no duplicate.

The provider is a small HTTP server in this test that behaves like a real SMS API: it delivers a
message the moment it receives it, drops a second message with the same idempotency key, and
here it holds its first answer so the worker is killed after the hand-over but before the row
is marked sent. The row stays "sending"; once the claim is stale, the next sweep (a second
worker) sends again with the same key, the provider drops the copy, and the row ends "sent".

Runs when REDIS_URL and a PostgreSQL DATABASE_URL are set (CI's services run); skipped in
embedded mode, where tests/sessions_app/reminders/test_reminder_sending.py covers the same steps
in-process.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.db import connection
from django.utils import timezone

from kap_clinic.celery import app
from sessions_app.reminders.models import Reminder
from sessions_app.tasks import jobs_sweep_task
from tests.workers import start_worker, stop_worker, worker_env

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


class Provider:
    """An SMS API: delivers on receipt, de-duplicates by idempotency key, can hold its answer."""

    def __init__(self) -> None:
        self.received: list[str] = []
        self.delivered: dict[str, str] = {}
        self.release = threading.Event()
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                key = self.headers["Idempotency-Key"]
                assert key == body["idempotency_key"]
                first = not provider.received
                provider.received.append(key)
                provider.delivered.setdefault(key, body["body"])  # the patient has it now
                if first:
                    provider.release.wait(60)  # the worker dies while waiting for this answer
                reply = json.dumps({"id": f"prov-{list(provider.delivered).index(key) + 1}"}).encode()
                try:
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(reply)))
                    self.end_headers()
                    self.wfile.write(reply)
                except OSError:
                    pass  # the worker that asked is dead (the held first answer)

            def log_message(self, *args) -> None:  # noqa: ANN002
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.server.handle_error = lambda request, address: None  # a dead worker's socket is expected
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/messages"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def provider():
    p = Provider()
    yield p
    p.close()


@pytest.fixture
def workers(transactional_db, provider, settings):  # noqa: ANN001, ANN201
    """start() -> a new Celery worker process on the test database, Redis and the provider."""
    if not settings.REDIS_URL or connection.vendor != "postgresql":
        pytest.skip("needs REDIS_URL and PostgreSQL (CI's services run)")
    settings.REMINDER_QUIET_HOURS = None  # whatever the hour CI runs at, the SMS may go now
    env = worker_env(
        REDIS_URL=settings.REDIS_URL,
        SMS_URL=provider.url,
        SMS_TOKEN="test-token",
        SMS_BACKEND="sessions_app.reminders.messaging.sms.HttpSmsBackend",
        REMINDER_QUIET_HOURS="",
    )
    started: list[subprocess.Popen] = []

    def start() -> subprocess.Popen:
        proc = start_worker(env)
        started.append(proc)
        return proc

    saved = (app.conf.task_always_eager, app.conf.broker_url, app.conf.result_backend)
    app.conf.task_always_eager = False
    app.conf.broker_url = app.conf.result_backend = settings.REDIS_URL
    try:
        yield start
    finally:
        app.conf.task_always_eager, app.conf.broker_url, app.conf.result_backend = saved
        for proc in started:
            stop_worker(proc)


def _until(predicate, proc: subprocess.Popen, what: str, seconds: float = 90.0) -> None:  # noqa: ANN001
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    proc.kill()
    output = proc.communicate(timeout=10)[0].decode(errors="replace")
    raise AssertionError(f"{what} did not happen in {seconds} s; the worker said:\n{output}")


def test_a_worker_killed_mid_send_loses_nothing_and_sends_nothing_twice(workers, provider, reachable, book) -> None:
    reachable.reminder_email_opt_in = False  # one SMS, so the provider sees exactly this reminder
    reachable.save(update_fields=["reminder_email_opt_in"])
    start = (timezone.now() + dt.timedelta(days=4)).replace(minute=0, second=0, microsecond=0)
    session = book(start, override_hours=True, override_reason="Worker kill test")
    row = Reminder.objects.get(session=session, channel="sms", offset_minutes=2880)
    Reminder.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now() - dt.timedelta(minutes=1))

    first = workers()
    jobs_sweep_task.apply_async(ignore_result=True)  # what beat publishes every minute
    _until(lambda: len(provider.received) == 1, first, "the SMS reaching the provider")
    first.kill()  # SIGKILL: no cleanup, no acknowledgement, no row update
    first.wait(timeout=20)
    row.refresh_from_db()
    assert row.status == "sending" and row.sent_at is None and row.attempts == 1
    assert len(provider.delivered) == 1  # the patient got it; the database does not know yet

    # Ten minutes later the claim is stale; the next sweep, on another worker, finishes the job.
    Reminder.objects.filter(pk=row.pk).update(claimed_at=timezone.now() - dt.timedelta(minutes=11))
    second = workers()
    jobs_sweep_task.apply_async(ignore_result=True)
    _until(lambda: Reminder.objects.get(pk=row.pk).status == "sent", second, "the reminder being marked sent")
    row.refresh_from_db()
    assert row.attempts == 2 and row.sent_at is not None and row.provider_message_id == "prov-1"
    assert len(provider.received) == 2 and provider.received[0] == provider.received[1]  # same key both times
    assert len(provider.delivered) == 1  # one message reached the patient

    # Later sweeps leave it alone.
    assert jobs_sweep_task.apply_async().get(timeout=60)["reminders"] == {}
    assert len(provider.received) == 2 and Reminder.objects.get(pk=row.pk).status == "sent"
