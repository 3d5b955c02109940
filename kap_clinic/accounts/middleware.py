"""Log staff out after a period without requests (shared tablets in dosing rooms).

Background polls (a page refreshing itself, e.g. the dosing status strip every 30 s) send the
header ``X-KAP-Background: poll``. They are still refused once the session has gone idle, but they
do not count as activity: otherwise an open dosing page would keep a shared tablet signed in forever.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.utils.http import url_has_allowed_host_and_scheme
from django_htmx.http import HttpResponseClientRedirect

SESSION_KEY = "_last_activity"
BACKGROUND_HEADER = "X-KAP-Background"
BACKGROUND_POLL = "poll"
# How finely the idle clock is kept: a request less than this long after the last stamp does not
# move it (the timeout is in minutes, so a few seconds early is immaterial).
ACTIVITY_RESOLUTION_SECONDS = 15


def is_background_poll(request: HttpRequest) -> bool:
    return request.headers.get(BACKGROUND_HEADER, "").strip().lower() == BACKGROUND_POLL


def _login_next(request: HttpRequest) -> str:
    """Where to come back after signing in again. For an htmx request that is the page the browser
    shows (HX-Current-URL), not the partial it asked for."""
    if request.headers.get("HX-Request") == "true":
        current = request.headers.get("HX-Current-URL", "")
        if current and url_has_allowed_host_and_scheme(
            current, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            parts = urlsplit(current)
            return parts.path + (f"?{parts.query}" if parts.query else "")
    return request.get_full_path()


class StaffIdleTimeoutMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.is_staff_member and hasattr(request, "session"):
            now = time.time()
            last = request.session.get(SESSION_KEY)
            limit = settings.STAFF_IDLE_TIMEOUT_MINUTES * 60
            if last is not None and now - float(last) > limit:
                logout(request)
                if request.path.startswith("/api/"):
                    return self.get_response(request)
                messages.info(request, "You were signed out after a period of inactivity.")
                login = redirect_to_login(_login_next(request))
                if request.headers.get("HX-Request") == "true":
                    # An htmx swap would paste the login page into a panel; send the whole page there.
                    return HttpResponseClientRedirect(login["Location"])
                return login
            if last is None or (not is_background_poll(request) and now - float(last) >= ACTIVITY_RESOLUTION_SECONDS):
                # A poll is not the clinician doing something: it leaves the idle clock running.
                # The stamp moves at most once per ACTIVITY_RESOLUTION_SECONDS, so most requests
                # leave the session unmodified and cost no session write.
                request.session[SESSION_KEY] = now
        return self.get_response(request)
