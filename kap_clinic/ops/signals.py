"""Celery signal handlers: every task's outcome and run time, the sweep's runs, the request id.

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

from kap_clinic.common import context

from . import services

log = logging.getLogger("kap_clinic.jobs")

# The message header that carries the id of the request that enqueued a task.
REQUEST_ID_HEADER = "kap_request_id"
# The beat entry of the sweep; its task name is read from the schedule, so ops names no domain task.
SWEEP_ENTRY = "jobs-sweep"

_started: dict[str, float] = {}
_context_tokens: dict[str, Any] = {}


def sweep_task_name() -> str:
    return settings.CELERY_BEAT_SCHEDULE.get(SWEEP_ENTRY, {}).get("task", "")


def _add_request_id(headers: dict | None = None, **_: Any) -> None:
    try:
        request_id = context.current().request_id
        if request_id and headers is not None:
            headers.setdefault(REQUEST_ID_HEADER, request_id)
    except Exception:  # noqa: S110 - a publish must never fail for a log detail
        pass


def _request_id_of(task: Any) -> str | None:
    """The header as a worker sees it (a message header becomes a request attribute), or as
    ``apply(headers=...)`` passes it."""
    request = task.request
    return request.get(REQUEST_ID_HEADER) or (request.get("headers") or {}).get(REQUEST_ID_HEADER)


def _task_started(task_id: str | None = None, task: Any = None, **_: Any) -> None:
    try:
        if task_id:
            _started[task_id] = time.monotonic()
        request_id = _request_id_of(task) if task is not None else None
        if request_id and task_id:
            # In a worker: the enqueuing request's id for this task's log lines. (An eager task runs
            # inside the request, whose id is already current.)
            _context_tokens[task_id] = context.set_current(context.RequestContext(request_id=str(request_id)[:64]))
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
        token = _context_tokens.pop(task_id, None) if task_id else None
        if token is not None:
            context.reset(token)
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
    celery_signals.before_task_publish.connect(_add_request_id, dispatch_uid="kap_ops_request_id", weak=False)
    celery_signals.task_prerun.connect(_task_started, dispatch_uid="kap_ops_task_started", weak=False)
    celery_signals.task_postrun.connect(_task_finished, dispatch_uid="kap_ops_task_finished", weak=False)
