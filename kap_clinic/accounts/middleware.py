"""Log staff out after a period without requests (shared tablets in dosing rooms)."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django_htmx.http import HttpResponseClientRedirect

SESSION_KEY = "_last_activity"


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
                login = redirect_to_login(request.get_full_path())
                if request.headers.get("HX-Request") == "true":
                    # An htmx swap would paste the login page into a panel; send the whole page there.
                    return HttpResponseClientRedirect(login["Location"])
                return login
            request.session[SESSION_KEY] = now
        return self.get_response(request)
