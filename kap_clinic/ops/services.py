"""Writers of the liveness rows and task counters.

Every writer is called from inside a job (a Celery signal, the worker's timer, beat's loop, the
embedded runner) and must never break it: a database that does not answer is logged and the job
goes on. Each write is its own savepoint, so a failure inside a caller's transaction (eager tasks in
a request, a test) rolls back only the write.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
from typing import Any, Literal

from django.db import IntegrityError, close_old_connections, connection, transaction
from django.db.models import F
from django.utils import timezone

from .models import JobHeartbeat, JobStat

log = logging.getLogger("kap_clinic.jobs")

Outcome = Literal["ok", "failed", "retried"]
_COUNTERS = {"ok": "ok_count", "failed": "failed_count", "retried": "retried_count"}
WORKER_ROWS_KEPT = dt.timedelta(days=1)


def _reconnect_if_needed() -> None:
    """Long-lived loops (worker timer, beat, embedded runner) drop a connection the database closed
    (a restart), as a request would; never inside a transaction, where that would end it."""
    if not connection.in_atomic_block:
        close_old_connections()


def _upsert(model: type, key: dict[str, Any], update: dict[str, Any], create: dict[str, Any]) -> None:
    """UPDATE the row; INSERT it the first time; a concurrent INSERT loses the race and UPDATEs."""
    for _ in range(2):
        try:
            with transaction.atomic():
                if model.objects.filter(**key).update(**update):
                    return
                model.objects.create(**key, **create)
                return
        except IntegrityError:
            continue


def heartbeat_record(*, name: str, now: dt.datetime | None = None, reconnect: bool = False, **fields: Any) -> bool:
    """Upsert the liveness row ``name``: seen now, by this process, plus ``fields``. Never raises;
    returns whether the row was written."""
    now = now or timezone.now()
    values = {"last_seen_at": now, "pid": os.getpid(), "host": socket.gethostname()[:255], **fields}
    try:
        if reconnect:
            _reconnect_if_needed()
        _upsert(JobHeartbeat, {"name": name}, values, values)
    except Exception as exc:  # the database is down or refused: the job must go on
        log.warning("liveness row %s not written: %s", name, exc.__class__.__name__)
        return False
    return True


def sweep_started(*, now: dt.datetime | None = None) -> bool:
    now = now or timezone.now()
    return heartbeat_record(name=JobHeartbeat.SWEEP, now=now, last_started_at=now)


def sweep_finished(*, ok: bool, error: str = "", now: dt.datetime | None = None) -> bool:
    """The sweep ended: ``ok``, or with the class name of its error (never the message)."""
    now = now or timezone.now()
    fields: dict[str, Any] = {"last_finished_at": now, "last_error": "" if ok else error[:200]}
    if ok:
        fields["last_ok_at"] = now
    return heartbeat_record(name=JobHeartbeat.SWEEP, now=now, **fields)


def job_stat_record(*, task_name: str, outcome: Outcome, duration_ms: int, now: dt.datetime | None = None) -> bool:
    """Add one run of ``task_name`` to its counters (F() expressions: workers add up, none overwrites)."""
    now = now or timezone.now()
    counter = _COUNTERS[outcome]
    duration_ms = max(int(duration_ms), 0)
    update = {
        counter: F(counter) + 1,
        "last_duration_ms": duration_ms,
        "total_duration_ms": F("total_duration_ms") + duration_ms,
        "last_finished_at": now,
    }
    create = {counter: 1, "last_duration_ms": duration_ms, "total_duration_ms": duration_ms, "last_finished_at": now}
    try:
        _upsert(JobStat, {"task_name": task_name[:200]}, update, create)
    except Exception as exc:
        log.warning("outcome of %s not recorded: %s", task_name, exc.__class__.__name__)
        return False
    return True


def heartbeats_prune_workers(*, now: dt.datetime | None = None) -> int:
    """Forget workers not seen for a day (containers get new hostnames); never raises."""
    now = now or timezone.now()
    try:
        with transaction.atomic():
            deleted, _ = JobHeartbeat.objects.filter(
                name__startswith=JobHeartbeat.WORKER_PREFIX, last_seen_at__lt=now - WORKER_ROWS_KEPT
            ).delete()
    except Exception as exc:
        log.warning("old worker rows not pruned: %s", exc.__class__.__name__)
        return 0
    return deleted
