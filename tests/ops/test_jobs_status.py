"""jobs_status(): ok, late and down from the age of the last successful sweep, what waits, in few queries."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest

from kap_clinic.ops import services
from kap_clinic.ops.models import JobHeartbeat
from kap_clinic.ops.selectors import jobs_status
from tests.ops.conftest import NOW

pytestmark = pytest.mark.django_db

S = dt.timedelta(seconds=1)


def sweep_ok(at: dt.datetime) -> None:
    services.sweep_started(now=at - 2 * S)
    services.sweep_finished(ok=True, now=at)


def test_with_no_row_at_all_the_jobs_have_never_run_and_are_down(clock) -> None:
    clock()
    status = jobs_status()
    assert status["jobs"] == "down"
    assert status["since"] is None
    assert status["sweep_age_seconds"] is None
    assert status["beat"] is None and status["worker"]["alive"] == 0


def test_the_state_follows_the_age_of_the_last_successful_sweep(clock) -> None:
    sweep_ok(NOW)
    for seconds, state in [(0, "ok"), (179, "ok"), (180, "late"), (599, "late"), (600, "down"), (86_400, "down")]:
        clock(NOW + seconds * S)
        status = jobs_status()
        assert (status["jobs"], status["sweep_age_seconds"]) == (state, seconds)
        assert status["since"] == NOW


def test_the_thresholds_come_from_settings(clock, settings) -> None:
    settings.JOBS_LATE_AFTER_SECONDS, settings.JOBS_DOWN_AFTER_SECONDS = 6, 15
    sweep_ok(NOW)
    assert jobs_status(NOW + 5 * S)["jobs"] == "ok"
    assert jobs_status(NOW + 6 * S)["jobs"] == "late"
    assert jobs_status(NOW + 15 * S)["jobs"] == "down"


def test_a_sweep_that_fails_counts_as_not_run(clock) -> None:
    sweep_ok(NOW)
    for minute in range(1, 5):
        services.sweep_started(now=NOW + minute * 60 * S)
        services.sweep_finished(ok=False, error="OperationalError", now=NOW + minute * 60 * S + S)
    status = jobs_status(NOW + 241 * S)
    assert status["jobs"] == "late"
    assert status["since"] == NOW
    assert status["sweep"]["last_error"] == "OperationalError"
    assert status["sweep"]["last_finished_at"] == NOW + 241 * S


def test_before_the_first_sweep_the_age_counts_from_when_beat_started(clock) -> None:
    """A fresh deployment is not "down" in the minute before beat sends its first sweep."""
    services.heartbeat_record(name=JobHeartbeat.BEAT, now=NOW, started_at=NOW)
    assert jobs_status(NOW + 30 * S)["jobs"] == "ok"
    assert jobs_status(NOW + 200 * S)["jobs"] == "late"
    assert jobs_status(NOW + 700 * S)["jobs"] == "down"
    sweep_ok(NOW + 650 * S)
    assert jobs_status(NOW + 700 * S)["jobs"] == "ok"


def test_the_embedded_runner_counts_like_beat(clock, settings) -> None:
    settings.REDIS_URL, settings.EMBEDDED_JOBS = "", True
    services.heartbeat_record(name=JobHeartbeat.EMBEDDED, now=NOW, started_at=NOW)
    status = jobs_status(NOW + 10 * S)
    assert status["mode"] == "embedded"
    assert status["jobs"] == "ok"
    assert status["embedded"]["age_seconds"] == 10


def test_workers_are_counted_alive_within_three_heartbeats(clock, settings) -> None:
    settings.JOBS_HEARTBEAT_SECONDS = 30
    services.heartbeat_record(name="worker:celery@a", now=NOW)
    services.heartbeat_record(name="worker:celery@b", now=NOW - 200 * S)
    status = jobs_status(NOW + 10 * S)
    assert status["worker"] == {"alive": 1, "known": 2, "last_seen_at": NOW, "age_seconds": 10}


def test_reminders_due_and_not_sent_and_reports_queued_are_counted_with_the_oldest_age(waiting, clock) -> None:
    clock()
    sweep_ok(NOW)
    waiting.reminders(NOW - 300 * S, NOW - 60 * S)  # due 5 min and 1 min ago
    waiting.reminders(NOW + 3600 * S)  # not due yet
    waiting.reminders(NOW - 900 * S, status="sent")
    waiting.reports(NOW - 120 * S, NOW - 30 * S)
    waiting.reports(NOW - 4000 * S, status="running")
    status = jobs_status()
    assert status["reminders"] == {"waiting": 2, "oldest_age_seconds": 300}
    assert status["reports"] == {"queued": 2, "oldest_age_seconds": 120}


def test_a_reminder_claimed_by_a_sender_still_waits(waiting, clock) -> None:
    clock()
    waiting.reminders(NOW - 90 * S, status="sending")
    assert jobs_status()["reminders"] == {"waiting": 1, "oldest_age_seconds": 90}


def test_nothing_waiting_is_zero_not_missing(clock) -> None:
    clock()
    status = jobs_status()
    assert status["reminders"] == {"waiting": 0, "oldest_age_seconds": 0}
    assert status["reports"] == {"queued": 0, "oldest_age_seconds": 0}


def test_jobs_status_costs_three_queries_however_much_waits(waiting, clock, django_assert_num_queries) -> None:
    clock()
    sweep_ok(NOW)
    services.heartbeat_record(name="worker:celery@a", now=NOW)
    services.heartbeat_record(name=JobHeartbeat.BEAT, now=NOW)
    with django_assert_num_queries(3):  # the liveness rows, the reminders, the reports
        jobs_status()
    waiting.reminders(*(NOW - i * 60 * S for i in range(1, 20)))
    waiting.reports(*(NOW - i * 60 * S for i in range(1, 10)))
    with django_assert_num_queries(3):
        jobs_status()


def test_ages_across_the_autumn_clock_change_are_real_seconds(clock) -> None:
    """The sweep at 01:59 EDT, a look at 01:01 EST: the clocks went back an hour at 02:00 EDT, so two
    minutes passed. Subtracting the wall clocks would say minus 58 minutes; the ages are taken in UTC."""
    ny = zoneinfo.ZoneInfo("America/New_York")
    before = dt.datetime(2026, 11, 1, 1, 59, tzinfo=ny, fold=0)
    after = dt.datetime(2026, 11, 1, 1, 1, tzinfo=ny, fold=1)
    sweep_ok(before)
    status = jobs_status(after)
    assert status["sweep_age_seconds"] == 120
    assert status["jobs"] == "ok"
    # 01:09 EST is ten minutes after the 01:59 EDT sweep (added in UTC: in the clinic zone it lands in EDT).
    assert jobs_status(after.astimezone(dt.UTC) + dt.timedelta(minutes=8))["jobs"] == "down"
