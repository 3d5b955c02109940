"""The writers of the liveness rows and task counters: upserts, counters that add up, and never an
exception into the job that calls them."""

from __future__ import annotations

import datetime as dt
import os
from typing import Any

import pytest
from django.db import connection, transaction
from django.db.utils import OperationalError

from kap_clinic.common.tasks import ping_task
from kap_clinic.ops import services
from kap_clinic.ops.beat import RecordingScheduler
from kap_clinic.ops.models import JobHeartbeat, JobStat
from kap_clinic.ops.worker import HeartbeatStep
from tests.ops.conftest import NOW

pytestmark = pytest.mark.django_db

S = dt.timedelta(seconds=1)


def test_a_heartbeat_is_one_row_per_name_refreshed_in_place(clock) -> None:
    clock()
    assert services.heartbeat_record(name="worker:celery@a", started_at=NOW)
    assert services.heartbeat_record(name="worker:celery@a", now=NOW + 30 * S, started_at=NOW)
    row = JobHeartbeat.objects.get()
    assert (row.name, row.last_seen_at, row.started_at, row.pid) == ("worker:celery@a", NOW + 30 * S, NOW, os.getpid())


def test_task_outcomes_add_up_with_their_durations() -> None:
    for outcome, ms in [("ok", 100), ("ok", 300), ("failed", 50), ("retried", 20)]:
        assert services.job_stat_record(task_name="t", outcome=outcome, duration_ms=ms)
    stat = JobStat.objects.get(task_name="t")
    assert (stat.ok_count, stat.failed_count, stat.retried_count) == (2, 1, 1)
    assert (stat.total_duration_ms, stat.last_duration_ms) == (470, 20)


def test_every_task_run_is_counted_through_the_signals() -> None:
    ping_task.delay(1)
    ping_task.apply(args=[2])
    assert JobStat.objects.get(task_name="kap_clinic.common.tasks.ping_task").ok_count == 2


def test_a_task_that_raises_is_counted_failed_and_still_raises(monkeypatch) -> None:
    from kap_clinic.common import tasks

    def boom(*_: Any, **__: Any) -> None:
        raise ValueError("nope")

    monkeypatch.setattr(tasks.Session.objects, "count", boom)
    with pytest.raises(ValueError):
        ping_task.delay(1)
    assert JobStat.objects.get(task_name="kap_clinic.common.tasks.ping_task").failed_count == 1


class BrokenManager:
    def filter(self, *_: Any, **__: Any) -> Any:
        raise OperationalError("server closed the connection unexpectedly")

    create = filter


def test_a_database_that_does_not_answer_is_logged_and_the_job_goes_on(monkeypatch, caplog) -> None:
    monkeypatch.setattr(JobHeartbeat, "objects", BrokenManager())
    monkeypatch.setattr(JobStat, "objects", BrokenManager())
    assert services.heartbeat_record(name=JobHeartbeat.BEAT) is False
    assert services.sweep_started() is False
    assert services.job_stat_record(task_name="t", outcome="ok", duration_ms=1) is False
    assert services.heartbeats_prune_workers() == 0
    assert ping_task.delay(3).get() == {"pong": 3, "sessions": 0}  # the task itself is untouched
    assert "liveness row beat not written: OperationalError" in caplog.text


def test_a_failed_write_inside_a_transaction_leaves_the_transaction_usable(monkeypatch) -> None:
    """Eager tasks run inside requests and tests: the write is a savepoint of its own."""
    with transaction.atomic():
        JobHeartbeat.objects.create(name="before", last_seen_at=NOW)
        original = JobHeartbeat.objects.filter

        def failing_filter(*args: Any, **kwargs: Any) -> Any:
            with connection.cursor() as cursor:
                cursor.execute("SELECT * FROM no_such_table_for_this_test")
            return original(*args, **kwargs)

        monkeypatch.setattr(JobHeartbeat.objects, "filter", failing_filter)
        assert services.heartbeat_record(name=JobHeartbeat.BEAT) is False
        monkeypatch.undo()
        assert JobHeartbeat.objects.filter(name="before").exists()  # the outer transaction still works


def test_old_worker_rows_are_pruned_and_others_kept(clock) -> None:
    clock()
    services.heartbeat_record(name="worker:celery@gone", now=NOW - dt.timedelta(days=2))
    services.heartbeat_record(name="worker:celery@here", now=NOW - 60 * S)
    services.heartbeat_record(name=JobHeartbeat.BEAT, now=NOW - dt.timedelta(days=3))
    assert services.heartbeats_prune_workers() == 1
    assert set(JobHeartbeat.objects.values_list("name", flat=True)) == {"worker:celery@here", "beat"}


class FakeTimer:
    def __init__(self) -> None:
        self.calls: list[tuple[float, Any]] = []

    def call_repeatedly(self, secs: float, fun: Any, args: tuple = (), priority: int = 0) -> Any:
        self.calls.append((secs, fun))

        class Ref:
            canceled = False

            def cancel(self) -> None:
                self.canceled = True

        return Ref()


class FakeWorker:
    hostname = "celery@test-host"

    def __init__(self) -> None:
        self.timer = FakeTimer()


def test_the_worker_step_beats_at_start_and_on_its_timer(clock, settings) -> None:
    settings.JOBS_HEARTBEAT_SECONDS = 7
    clock()
    worker = FakeWorker()
    step = HeartbeatStep(worker)
    step.start(worker)
    row = JobHeartbeat.objects.get(name="worker:celery@test-host")
    assert (row.last_seen_at, row.started_at) == (NOW, NOW)
    [(secs, beat)] = worker.timer.calls
    assert secs == 7
    clock(NOW + 7 * S)
    beat(worker)
    assert JobHeartbeat.objects.get(name="worker:celery@test-host").last_seen_at == NOW + 7 * S
    step.stop(worker)
    assert step.tref is None


def test_beat_records_its_ticks_at_most_every_few_seconds_and_wakes_for_its_heartbeat(
    clock, settings, tmp_path
) -> None:
    from kap_clinic.celery import app

    settings.JOBS_HEARTBEAT_SECONDS = 4
    clock()
    scheduler = RecordingScheduler(app=app, schedule_filename=str(tmp_path / "beat-schedule"), lazy=True)
    scheduler.setup_schedule()
    try:
        scheduler.schedule.clear()  # nothing due: tick only sleeps
        assert scheduler.tick() <= 4
        assert JobHeartbeat.objects.get(name=JobHeartbeat.BEAT).last_seen_at == NOW
        clock(NOW + 2 * S)
        scheduler.tick()
        assert JobHeartbeat.objects.get(name=JobHeartbeat.BEAT).last_seen_at == NOW  # written 2 s ago: not again
    finally:
        scheduler.close()
