"""The jobs banner on the practice admins' dashboard, while the jobs are late or down.

The state is read at most every ``cache_seconds()`` per cache (three small queries): 15 s with the
sweep's default interval of a minute, and never more than a quarter of that interval, so a shorter
sweep (a soak test runs it every 2 s) gets a banner as fresh as its jobs. A dashboard costs nothing
for it most of the time; a cache that does not answer (Redis down) means reading it each time.
"""

from __future__ import annotations

import contextlib
import logging
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError
from django.http import HttpRequest

from kap_clinic.accounts.permissions import ADMIN, user_has_role

from .queues import registered_queues
from .selectors import OK, jobs_status

log = logging.getLogger("kap_clinic.jobs")

CACHE_KEY = "ops:jobs-status:v1"
CACHE_SECONDS = 15


def cache_seconds() -> int:
    return max(1, min(CACHE_SECONDS, settings.JOBS_SWEEP_EVERY_SECONDS // 4))


def cached_jobs_status() -> dict[str, Any] | None:
    try:
        status = cache.get(CACHE_KEY)
    except Exception:
        status = None
    if status is not None:
        return status
    try:
        status = jobs_status()
    except DatabaseError as exc:
        log.warning("jobs status not read: %s", exc.__class__.__name__)
        return None
    with contextlib.suppress(Exception):  # the cache is an optimisation only
        cache.set(CACHE_KEY, status, cache_seconds())
    return status


def dashboard_jobs_banner(request: HttpRequest, **_: Any) -> dict | None:
    if not user_has_role(request.user, ADMIN):
        return None
    status = cached_jobs_status()
    if status is None or status["jobs"] == OK:
        return None
    waiting = [
        {
            "noun": q.noun,
            "count": status[q.name][q.count_key],
            "oldest_age_seconds": status[q.name]["oldest_age_seconds"],
        }
        for q in registered_queues()
        if q.name in status
    ]
    return {"jobs_status": status, "jobs_waiting": waiting}


def register() -> None:
    from kap_clinic.common.panels import Panel
    from kap_clinic.common.panels import register as register_panel

    register_panel("dashboard", Panel("jobs_banner", "ops/partials/_jobs_banner.html", dashboard_jobs_banner, 0))
