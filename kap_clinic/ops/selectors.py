"""The state of the background jobs, read in one place (/healthz/jobs, the admins' banner, /metrics,
``manage.py jobs_alive``).

The state follows the sweep, the job that sends due reminders and hands lost reports back to the
broker: "ok" while its last successful run is younger than JOBS_LATE_AFTER_SECONDS, "late" until
JOBS_DOWN_AFTER_SECONDS, then "down". A sweep that runs but fails counts as not run.

Before the first successful sweep the age counts from when beat (or the embedded runner) first
recorded itself, so a fresh deployment is "ok" for its first minutes; with neither row the jobs
have never run at all and the state is "down".
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.utils import timezone

from .models import JobHeartbeat
from .queues import age_seconds, registered_queues

OK, LATE, DOWN = "ok", "late", "down"
STATE_VALUES = {OK: 0, LATE: 1, DOWN: 2}  # kap_jobs_state


def _age(now: dt.datetime, then: dt.datetime | None) -> int | None:
    return None if then is None else age_seconds(now, then)


def _process(row: JobHeartbeat | None, now: dt.datetime) -> dict[str, Any] | None:
    if row is None:
        return None
    return {"last_seen_at": row.last_seen_at, "age_seconds": _age(now, row.last_seen_at), "started_at": row.started_at}


def _workers(rows: list[JobHeartbeat], now: dt.datetime) -> dict[str, Any]:
    fresh_within = 3 * settings.JOBS_HEARTBEAT_SECONDS
    ages = [_age(now, row.last_seen_at) or 0 for row in rows]
    last = max((row.last_seen_at for row in rows), default=None)
    return {
        "alive": sum(1 for age in ages if age <= fresh_within),
        "known": len(rows),
        "last_seen_at": last,
        "age_seconds": _age(now, last),
    }


def sweep_reference(rows: dict[str, JobHeartbeat]) -> dt.datetime | None:
    """The moment the sweep's age counts from (see the module docstring)."""
    sweep = rows.get(JobHeartbeat.SWEEP)
    if sweep is not None and sweep.last_ok_at is not None:
        return sweep.last_ok_at
    starts = [rows[n].started_at for n in (JobHeartbeat.BEAT, JobHeartbeat.EMBEDDED) if n in rows]
    return min((s for s in starts if s is not None), default=None)


def state_for(age_seconds: int | None) -> str:
    if age_seconds is None or age_seconds >= settings.JOBS_DOWN_AFTER_SECONDS:
        return DOWN
    return LATE if age_seconds >= settings.JOBS_LATE_AFTER_SECONDS else OK


def jobs_status(now: dt.datetime | None = None) -> dict[str, Any]:
    """Jobs state, the processes' last signs of life and what waits for them; 1 + one query per queue.

    No patient data: counts, ages, times, process names.
    """
    now = now or timezone.now()
    rows = {row.name: row for row in JobHeartbeat.objects.all()}
    since = sweep_reference(rows)
    age = _age(now, since)
    sweep = rows.get(JobHeartbeat.SWEEP)
    status: dict[str, Any] = {
        "jobs": state_for(age),
        "mode": "embedded" if settings.EMBEDDED_JOBS else "services",
        "since": since,
        "sweep_age_seconds": age,
        "sweep": {
            "last_ok_at": sweep.last_ok_at if sweep else None,
            "last_started_at": sweep.last_started_at if sweep else None,
            "last_finished_at": sweep.last_finished_at if sweep else None,
            "last_error": sweep.last_error if sweep else "",
        },
        "worker": _workers([r for n, r in rows.items() if n.startswith(JobHeartbeat.WORKER_PREFIX)], now),
        "beat": _process(rows.get(JobHeartbeat.BEAT), now),
        "embedded": _process(rows.get(JobHeartbeat.EMBEDDED), now),
        "late_after_seconds": settings.JOBS_LATE_AFTER_SECONDS,
        "down_after_seconds": settings.JOBS_DOWN_AFTER_SECONDS,
    }
    for queue in registered_queues():
        backlog = queue.backlog(now)
        status[queue.name] = {queue.count_key: backlog.count, "oldest_age_seconds": backlog.oldest_age_seconds(now)}
    return status


def liveness_age(kind: str, *, host: str = "", now: dt.datetime | None = None) -> tuple[str, int | None]:
    """(row name, seconds since it was last fresh; None: never) for ``manage.py jobs_alive``.

    "sweep" counts from its last successful run; "beat" and "embedded" from their last write;
    "worker" from the freshest worker row written on ``host`` (a container checks its own worker,
    whatever node name it was started with). One query.
    """
    now = now or timezone.now()
    if kind == "worker":
        rows = JobHeartbeat.objects.filter(name__startswith=JobHeartbeat.WORKER_PREFIX, host=host)
        row = rows.order_by("-last_seen_at").values_list("name", "last_seen_at").first()
        return (row[0], _age(now, row[1])) if row else (f"worker on {host}", None)
    if kind == JobHeartbeat.SWEEP:
        seen = JobHeartbeat.objects.filter(name=kind).values_list("last_ok_at", flat=True).first()
    else:
        seen = JobHeartbeat.objects.filter(name=kind).values_list("last_seen_at", flat=True).first()
    return kind, _age(now, seen)
