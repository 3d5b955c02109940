"""Request id, client IP and clinic time zone for every request."""

from __future__ import annotations

import ipaddress
import re
import uuid
import zoneinfo
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from . import context

_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


def _valid_ip(value: str | None) -> str | None:
    try:
        return str(ipaddress.ip_address((value or "").strip()))
    except ValueError:
        return None


def client_ip(request: HttpRequest) -> str | None:
    """The client's address for the audit trail.

    X-Forwarded-For is written by whoever sends the request, so it is read only when
    TRUSTED_PROXY_HOPS says how many proxies of ours stand in front: the address the outermost of
    them saw is that many entries from the right. Anything that is not an IP address is dropped
    (PostgreSQL's inet column would refuse it and turn an audited page into a 500).
    """
    hops = settings.TRUSTED_PROXY_HOPS
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    if hops and len(forwarded) >= hops:
        ip = _valid_ip(forwarded[-hops])
        if ip:
            return ip
    return _valid_ip(request.META.get("REMOTE_ADDR"))


class RequestIdMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.zone = zoneinfo.ZoneInfo(settings.CLINIC_TIME_ZONE)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.META.get("HTTP_X_REQUEST_ID", "")
        request_id = incoming if _SAFE_ID.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id  # type: ignore[attr-defined]
        token = context.set_current(context.RequestContext(request_id=request_id, ip=client_ip(request)))
        timezone.activate(self.zone)
        try:
            response = self.get_response(request)
        finally:
            timezone.deactivate()
            context.reset(token)
        response["X-Request-ID"] = request_id
        return response


# Everything the pages load is ours: scripts only from our static files (no inline script, no eval),
# styles may be inline (Bootstrap utilities, FullCalendar and htmx inject some), images also as data:
# or blob: URLs (drawn signatures, charts), and nobody may frame us or post our forms elsewhere.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


# A client told "too many" (429) or "not now" (503) without saying when may retry at once, in a loop.
RETRY_AFTER_DEFAULTS = {429: 60, 503: 30}


class RetryAfterMiddleware:
    """Every 429 and 503 answer says when to come back (``Retry-After``, seconds). A view or DRF's
    throttle that knows better (the seconds left in its window) sets its own, which is kept."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        default = RETRY_AFTER_DEFAULTS.get(response.status_code)
        if default is not None and not response.has_header("Retry-After"):
            response["Retry-After"] = str(default)
        return response


class SecurityHeadersMiddleware:
    """A Content-Security-Policy on every page, and no caching of anything but static files.

    Pages and API answers carry patient data, so browsers and proxies must not keep them
    (``Cache-Control: no-store``) unless a view set its own policy. The API docs page (Swagger UI,
    no patient data) runs an inline start-up script and is left without the CSP.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.static_prefix = settings.STATIC_URL

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.path.startswith(self.static_prefix):
            return response
        if "Cache-Control" not in response:
            response["Cache-Control"] = "no-store, private"
        if not request.path.startswith("/api/docs/"):
            response.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        return response
