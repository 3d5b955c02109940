"""Site-wide error pages (400, 403, 404, 500): HTML for pages, the uniform JSON body for the API.

The landing redirect, the staff dashboard and the portal home live in ``patients.views.home``:
``kap_clinic.common`` imports no domain app.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from kap_clinic.common.api import error_body

# Errors raised outside a DRF view (an /api/ URL that matches no route, a crash in middleware)
# still answer API clients with the uniform JSON error body instead of an HTML page.
_API_ERRORS = {
    400: ("bad_request", "The request could not be understood."),
    403: ("permission_denied", "You do not have permission to perform this action."),
    404: ("not_found", "Not found."),
    500: ("server_error", "Something went wrong on our side. The error has been logged."),
}


def _error(request: HttpRequest, status: int) -> HttpResponse:
    if request.path.startswith("/api/"):
        code, message = _API_ERRORS[status]
        return JsonResponse(error_body(code=code, message=message), status=status)
    return render(request, f"errors/{status}.html", status=status)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(request, 400)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(request, 403)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(request, 404)


def server_error(request: HttpRequest) -> HttpResponse:
    return _error(request, 500)
