"""Site-wide pages: the role-aware landing redirect, the staff dashboard, the portal home, errors."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from kap_clinic.accounts.permissions import PATIENT, STAFF, role_required
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


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "errors/400.html", status=400)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "errors/403.html", status=403)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "errors/404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    return render(request, "errors/500.html", status=500)
