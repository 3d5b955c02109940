"""Services mode: a real Celery worker and beat on PostgreSQL and Redis record themselves, the sweep
beat sends makes /healthz/jobs "ok", and the jobs go late then down when beat stops. The worker's
log lines, as JSON, carry the id of the request that enqueued the task.

Worker and beat run with seconds instead of minutes, through the same environment variables an
operator would set (JOBS_SWEEP_EVERY_SECONDS and friends).
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Callable, Iterator

import pytest

from kap_clinic.celery import app
from kap_clinic.common import context
from kap_clinic.common.tasks import ping_task
from kap_clinic.ops.models import JobHeartbeat
from tests.workers import ROOT, stop_worker, worker_env

pytestmark = pytest.mark.services

FAST = {
    "JOBS_SWEEP_EVERY_SECONDS": "2",
    "JOBS_LATE_AFTER_SECONDS": "6",
    "JOBS_DOWN_AFTER_SECONDS": "15",
    "JOBS_HEARTBEAT_SECONDS": "1",
}


def celery(*args: str, env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(  # noqa: S603 - fixed arguments
        [sys.executable, "-m", "celery", "-A", "kap_clinic", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


@pytest.fixture
def processes(transactional_db, settings, tmp_path) -> Iterator[Callable[..., subprocess.Popen]]:  # noqa: ANN001
    """start(kind, **env) starts a solo-pool worker or a beat on this test's databases; all are
    stopped at the end, before the database is flushed."""
    if not settings.REDIS_URL:
        pytest.skip("REDIS_URL is not set: embedded mode has no worker or beat")
    if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        pytest.skip("worker and beat need a server database they can share with the test")
    started: list[subprocess.Popen] = []

    def start(kind: str, **extra: str) -> subprocess.Popen:
        env = worker_env(**FAST, **extra)
        if kind == "worker":
            args = ["worker", "--pool=solo", "--loglevel=INFO", "--without-gossip", "--without-mingle"]
        else:
            args = ["beat", "--loglevel=WARNING", f"--schedule={tmp_path / 'beat-schedule'}"]
        proc = celery(*args, env=env)
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


def until(predicate: Callable[[], object], what: str, procs: list[subprocess.Popen], seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.25)
    said = []
    for proc in procs:
        stop_worker(proc)
        said.append(proc.communicate(timeout=10)[0].decode(errors="replace"))
    raise AssertionError(f"{what} did not happen in {seconds} s; the processes said:\n" + "\n---\n".join(said))


def jobs(client) -> tuple[int, dict]:  # noqa: ANN001
    response = client.get("/healthz/jobs")
    return response.status_code, response.json()


def test_a_real_worker_and_beat_make_the_jobs_ok_and_stopping_beat_makes_them_late_then_down(
    processes, client, settings
) -> None:
    settings.JOBS_LATE_AFTER_SECONDS, settings.JOBS_DOWN_AFTER_SECONDS = 6, 15
    settings.JOBS_HEARTBEAT_SECONDS = 1
    worker = processes("worker")
    until(lambda: JobHeartbeat.objects.filter(name__startswith="worker:").exists(), "the worker's row", [worker])
    beat = processes("beat")

    def swept() -> bool:
        return JobHeartbeat.objects.filter(name="sweep", last_ok_at__isnull=False).exists()

    until(swept, "a sweep sent by beat and run by the worker", [worker, beat])
    status, body = jobs(client)
    assert (status, body["jobs"], body["mode"]) == (200, "ok", "services")
    assert body["worker"]["alive"] == 1 and body["worker"]["age_seconds"] <= 3
    assert body["beat"]["age_seconds"] <= 6
    first_seen = JobHeartbeat.objects.get(name__startswith="worker:").last_seen_at
    until(
        lambda: JobHeartbeat.objects.get(name__startswith="worker:").last_seen_at > first_seen,
        "a second worker heartbeat (every JOBS_HEARTBEAT_SECONDS, beat or not)",
        [worker, beat],
    )

    stop_worker(beat)
    until(lambda: jobs(client)[1]["jobs"] == "late", "late, 6 s after the last sweep", [worker], seconds=30)
    assert jobs(client)[0] == 200
    until(lambda: jobs(client)[1]["jobs"] == "down", "down, 15 s after the last sweep", [worker], seconds=30)
    assert jobs(client)[0] == 503
    assert jobs(client)[1]["worker"]["alive"] == 1  # the worker is fine: nothing sends it the sweep


def test_a_real_worker_logs_a_task_with_the_id_of_the_request_that_enqueued_it(processes) -> None:
    worker = processes("worker", LOG_FORMAT="json")
    until(lambda: JobHeartbeat.objects.filter(name__startswith="worker:").exists(), "the worker's row", [worker])
    token = context.set_current(context.RequestContext(request_id="req-services-0042"))
    try:
        result = ping_task.apply_async(args=[42])
    finally:
        context.reset(token)
    assert result.get(timeout=60)["pong"] == 42
    stop_worker(worker)
    output = worker.communicate(timeout=10)[0].decode(errors="replace")
    records = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    [done] = [r for r in records if "ping_task" in r["message"] and "succeeded" in r["message"]]
    assert done["request_id"] == "req-services-0042", output
    assert any(r["request_id"] == "-" and "ready" in r["message"] for r in records)  # no request: "-"
