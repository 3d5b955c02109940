"""Site-wide pages: the role-aware landing redirect, the staff dashboard, the portal home, errors."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from kap_clinic.accounts.permissions import PATIENT, STAFF, role_required
from kap_clinic.common.api import error_body
from kap_clinic.common.panels import render_slot
from patients import selectors as patient_selectors


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    if request.user.is_patient:
        return redirect("portal:home")
    return redirect("dashboard")


@role_required(STAFF)
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    """The staff landing page. Later issues add their panels (today's sessions, alerts, unsigned notes)."""
    patients = patient_selectors.patient_list_visible_to(request.user)
    context = {
        "patient_count": patients.count(),
        "my_patients": patients.order_by("legal_last_name")[:10] if request.user.is_clinician else None,
    }
    context["panels"] = render_slot("dashboard", request, **context)
    return render(request, "dashboard/dashboard.html", context)


@role_required(PATIENT)
@require_GET
def portal_home(request: HttpRequest) -> HttpResponse:
    patient = patient_selectors.patient_list_visible_to(request.user).first()
    panels = render_slot("portal_home", request, patient=patient) if patient else []
    return render(request, "portal/home.html", {"patient": patient, "panels": panels})


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
