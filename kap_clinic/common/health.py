"""/healthz: the web tier's own check, for a load balancer.

503 only when the database does not answer: without it no page works, so this instance should get no
traffic. Redis is reported in the body ("degraded") but is no 503: pages work without it (sessions
fall back to the database, jobs wait as rows), and taking every web instance out of rotation for a
Redis outage would turn a degraded service into none. The background jobs have their own endpoint
for monitoring, /healthz/jobs (kap_clinic/ops/views.py).
"""

from __future__ import annotations

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe


def _check_database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any driver error means "down"
        return f"error: {exc.__class__.__name__}"
    return "ok"


def _check_redis() -> str:
    import redis

    try:
        client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1)
        client.ping()
    except Exception as exc:  # connection refused, timeout, auth
        return f"error: {exc.__class__.__name__}"
    return "ok"


@never_cache
@require_safe  # GET, and HEAD for load balancers that probe with it
def healthz(request: HttpRequest) -> JsonResponse:
    checks = {"database": _check_database()}
    checks["redis"] = _check_redis() if settings.REDIS_URL else "not configured (embedded jobs)"
    if checks["database"] != "ok":
        return JsonResponse({"status": "error", "checks": checks}, status=503)
    degraded = checks["redis"].startswith("error")
    return JsonResponse({"status": "degraded" if degraded else "ok", "checks": checks}, status=200)
