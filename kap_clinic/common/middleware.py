"""Request id, client IP and clinic time zone for every request."""

from __future__ import annotations

import re
import uuid
import zoneinfo
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from . import context

_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


def client_ip(request: HttpRequest) -> str | None:
    # Behind the compose/gunicorn proxy the first X-Forwarded-For hop is the client; the value is
    # only recorded for the audit trail, never trusted for access decisions.
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    ip = forwarded.split(",")[0].strip() if forwarded else request.META.get("REMOTE_ADDR")
    return ip or None


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
