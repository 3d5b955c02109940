"""Monitoring endpoint: /healthz/jobs (the background jobs).

It answers without a login (monitoring systems have none) and carries no patient data: counts,
ages, times and process names. /healthz (kap_clinic/common/health.py) stays the web tier's own
check for a load balancer.
"""

from __future__ import annotations

from django.db import DatabaseError
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from .selectors import DOWN, jobs_status


@never_cache
@require_safe
def healthz_jobs(request: HttpRequest) -> JsonResponse:
    """The jobs' state (ok, late, down) and what waits for them; 503 when down or unreadable."""
    try:
        status = jobs_status()
    except DatabaseError as exc:
        return JsonResponse({"jobs": "unknown", "error": f"database: {exc.__class__.__name__}"}, status=503)
    return JsonResponse(status, status=503 if status["jobs"] == DOWN else 200)
