"""Background jobs run without Redis (embedded, in-process) and through a real worker with Redis."""

from __future__ import annotations

import time

import pytest
from django.conf import settings

from kap_clinic.celery import app
from kap_clinic.common.tasks import ping_task
from tests.workers import start_worker, stop_worker, worker_env


@pytest.mark.django_db
def test_a_task_runs_in_process_without_redis() -> None:
    assert settings.CELERY_TASK_ALWAYS_EAGER
    result = ping_task.delay(7)
    assert result.get(timeout=5) == {"pong": 7, "sessions": 0}


@pytest.fixture
def real_worker(transactional_db):  # noqa: ANN001, ANN201
    """A Celery worker process on the test database and the configured Redis."""
    if not settings.REDIS_URL:
        pytest.skip("REDIS_URL is not set: embedded mode has no broker (CI runs this against Redis)")
    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("sqlite3"):
        pytest.skip("the worker test needs a server database the worker process can share")
    proc = start_worker(worker_env(REDIS_URL=settings.REDIS_URL))
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = False
    app.conf.broker_url = settings.REDIS_URL
    app.conf.result_backend = settings.REDIS_URL
    try:
        yield proc
    finally:
        app.conf.task_always_eager = previous
        stop_worker(proc)


@pytest.mark.services
def test_a_task_runs_through_a_real_worker_and_redis(real_worker) -> None:  # noqa: ANN001
    started = time.monotonic()
    result = ping_task.apply_async(args=[42])
    try:
        value = result.get(timeout=90)
    except Exception:
        real_worker.terminate()
        output = real_worker.communicate(timeout=10)[0].decode(errors="replace")
        raise AssertionError(f"worker did not answer; its output:\n{output}") from None
    assert value == {"pong": 42, "sessions": 0}
    assert result.status == "SUCCESS"
    assert time.monotonic() - started < 90
