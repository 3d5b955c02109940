"""Monitoring endpoints: /healthz/jobs (the background jobs) and /metrics (Prometheus).

Both answer without a login (monitoring systems have none) and carry no patient data: counts,
ages, times and process names. /healthz (kap_clinic/common/health.py) stays the web tier's own
check for a load balancer.
"""

from __future__ import annotations

import hmac
import ipaddress

from django.conf import settings
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from kap_clinic.common.middleware import client_ip

from .metrics import render
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


def _has_token(request: HttpRequest) -> bool:
    token = settings.METRICS_TOKEN
    scheme, _, offered = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
    if not token or scheme.lower() != "bearer":
        return False
    return hmac.compare_digest(offered.strip().encode(), token.encode())


def _from_allowed_network(request: HttpRequest) -> bool:
    """The connection and the client behind our proxies are both inside METRICS_ALLOWED_NETWORKS.

    Behind a proxy that we were not told about (TRUSTED_PROXY_HOPS 0, yet X-Forwarded-For is there)
    the connection comes from the proxy's own, often local, address for every client: not internal.
    """
    if not settings.TRUSTED_PROXY_HOPS and request.META.get("HTTP_X_FORWARDED_FOR"):
        return False
    networks = [ipaddress.ip_network(n) for n in settings.METRICS_ALLOWED_NETWORKS]
    addresses = {request.META.get("REMOTE_ADDR"), client_ip(request)}
    try:
        ips = [ipaddress.ip_address((a or "").strip()) for a in addresses]
    except ValueError:
        return False
    return all(any(ip in net for net in networks) for ip in ips)


def metrics_allowed(request: HttpRequest) -> bool:
    return _has_token(request) or _from_allowed_network(request)


@never_cache
@require_safe
def metrics(request: HttpRequest) -> HttpResponse:
    """Prometheus text exposition, for the METRICS_TOKEN bearer or an allowed network; 403 otherwise."""
    if not metrics_allowed(request):
        return HttpResponse(
            "Forbidden: metrics need the bearer token or an allowed address.\n",
            status=403,
            content_type="text/plain; charset=utf-8",
        )
    try:
        body, content_type = render()
    except DatabaseError as exc:
        return HttpResponse(f"database: {exc.__class__.__name__}\n", status=503, content_type="text/plain")
    return HttpResponse(body, content_type=content_type)
