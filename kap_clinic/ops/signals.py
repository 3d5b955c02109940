"""Celery signal handlers: every task's outcome and run time, the sweep's runs.

Connected once from ``OpsConfig.ready()``, so they run in workers and, for eager tasks, in the web
process and the embedded runner alike. A handler that raised would fail the task it watches, so
each one swallows its own errors (the writers in ``services`` already do).
"""

from __future__ import annotations

import logging
import sys
import time
from typing import Any

from celery import signals as celery_signals
from celery.exceptions import Retry
from celery.states import FAILURE, RETRY, SUCCESS
from django.conf import settings

from . import services

log = logging.getLogger("kap_clinic.jobs")

# The beat entry of the sweep; its task name is read from the schedule, so ops names no domain task.
SWEEP_ENTRY = "jobs-sweep"

_started: dict[str, float] = {}


def sweep_task_name() -> str:
    return settings.CELERY_BEAT_SCHEDULE.get(SWEEP_ENTRY, {}).get("task", "")


def _task_started(task_id: str | None = None, task: Any = None, **_: Any) -> None:
    try:
        if task_id:
            _started[task_id] = time.monotonic()
        if task is not None and task.name == sweep_task_name():
            services.sweep_started()
    except Exception as exc:
        log.warning("task start not recorded: %s", exc.__class__.__name__)


def _outcome(state: str | None, retval: Any) -> str | None:
    if state == SUCCESS:
        return "ok"
    if state == RETRY or isinstance(retval, Retry):
        return "retried"
    if state == FAILURE:
        return "failed"
    return None  # rejected, ignored: neither done nor failed


def _task_finished(
    task_id: str | None = None, task: Any = None, retval: Any = None, state: str | None = None, **_: Any
) -> None:
    try:
        started = _started.pop(task_id, None) if task_id else None
        if task is None:
            return
        duration_ms = int((time.monotonic() - started) * 1000) if started is not None else 0
        if state is None:
            # An eager task that raised to its caller (apply(throw=True), task_eager_propagates):
            # Celery sends postrun without a state while the exception is on its way out.
            state, retval = FAILURE, sys.exc_info()[1]
        outcome = _outcome(state, retval)
        if outcome is not None:
            services.job_stat_record(task_name=task.name, outcome=outcome, duration_ms=duration_ms)
        if task.name == sweep_task_name():
            error = "" if state == SUCCESS else (retval.__class__.__name__ if retval is not None else str(state))
            services.sweep_finished(ok=state == SUCCESS, error=error)
    except Exception as exc:
        log.warning("task outcome not recorded: %s", exc.__class__.__name__)


def connect() -> None:
    celery_signals.task_prerun.connect(_task_started, dispatch_uid="kap_ops_task_started", weak=False)
    celery_signals.task_postrun.connect(_task_finished, dispatch_uid="kap_ops_task_finished", weak=False)
