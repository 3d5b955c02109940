"""/healthz: database and (when configured) Redis status as JSON; 503 when anything is down."""

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
    healthy = all(v == "ok" or v.startswith("not configured") for v in checks.values())
    return JsonResponse({"status": "ok" if healthy else "error", "checks": checks}, status=200 if healthy else 503)
