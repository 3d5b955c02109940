"""Request latency by view name, for /metrics."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from .metrics import observe_request


class RequestMetricsMiddleware:
    """Placed after WhiteNoise, so static files are not timed. A path no URL matches counts as
    "<unresolved>" (scanners must not add a label per path they try)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        view = (match.view_name or "<unnamed>") if match is not None else "<unresolved>"
        with contextlib.suppress(Exception):  # a metric must never cost the answer
            observe_request(
                view=view,
                method=request.method or "",
                status=response.status_code,
                seconds=time.perf_counter() - started,
            )
        return response
