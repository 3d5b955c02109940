"""The one hand-over to the broker: once, after commit, never raising, logging the task and its IDs."""

from __future__ import annotations

import logging
import time

import pytest
from celery import shared_task

from kap_clinic.common.jobs import enqueue_after_commit, publish
from tests.brokers import broker_away

ran: list[tuple[int, str]] = []


@shared_task(name="tests.common.test_jobs.record_task")
def record_task(record_id: int, stage: str) -> None:
    ran.append((record_id, stage))


@shared_task(name="tests.common.test_jobs.failing_task")
def failing_task(record_id: int) -> None:
    raise OSError("disk full")


def jobs_log(caplog) -> list[str]:  # noqa: ANN001
    return [r.getMessage() for r in caplog.records if r.name == "kap_clinic.common.jobs"]


@pytest.fixture(autouse=True)
def _nothing_ran():
    ran.clear()
    yield
    ran.clear()


def test_with_the_broker_away_publish_fails_fast_and_logs_the_task_and_its_ids(caplog) -> None:
    with broker_away(), caplog.at_level(logging.WARNING, logger="kap_clinic.common.jobs"):
        started = time.monotonic()
        assert publish(record_task, 41, "signed") is False
        assert time.monotonic() - started < 1.0
    expected = "broker unavailable: tests.common.test_jobs.record_task(41, 'signed') left for the sweep"
    assert jobs_log(caplog) == [expected]
    assert ran == []


def test_embedded_publish_runs_the_task_and_a_failing_one_is_logged_not_raised(caplog) -> None:
    assert publish(record_task, 7, "signed") is True
    assert ran == [(7, "signed")]
    with caplog.at_level(logging.WARNING, logger="kap_clinic.common.jobs"):
        assert publish(failing_task, 8) is False
    assert jobs_log(caplog) == ["job tests.common.test_jobs.failing_task(8,) failed in-process; left for the sweep"]


@pytest.mark.django_db
def test_enqueue_after_commit_publishes_only_once_the_transaction_commits(django_capture_on_commit_callbacks) -> None:
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        enqueue_after_commit(record_task, 3, "countersigned")
        assert ran == []
    assert len(callbacks) == 1 and ran == [(3, "countersigned")]


@pytest.mark.django_db
def test_enqueue_after_commit_with_the_broker_away_never_raises_into_the_caller(
    django_capture_on_commit_callbacks,
) -> None:
    with broker_away(), django_capture_on_commit_callbacks(execute=True):
        enqueue_after_commit(record_task, 5, "signed")
    assert ran == []
