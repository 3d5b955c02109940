"""Landing pages: the role-aware redirect, the staff dashboard and the portal home.

They live here, not in ``kap_clinic.common`` (which knows no domain app), because both pages start
from the patients the user may see; the other apps add their panels through
``kap_clinic.common.panels`` (the "dashboard" and "portal_home" slots).
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from kap_clinic.accounts.permissions import CLINICIAN, PATIENT, STAFF, role_required, user_has_role
from kap_clinic.common.panels import render_slot

from .. import selectors


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    if user_has_role(request.user, PATIENT):
        return redirect("portal:home")
    return redirect("dashboard")


@role_required(STAFF)
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    """The staff landing page: the user's patients and every app's dashboard panels."""
    patients = selectors.patient_list_visible_to(request.user)
    context = {
        "patient_count": patients.count(),
        "my_patients": patients.order_by("legal_last_name")[:10] if user_has_role(request.user, CLINICIAN) else None,
    }
    context["panels"] = render_slot("dashboard", request, **context)
    return render(request, "dashboard/dashboard.html", context)


@role_required(PATIENT)
@require_GET
def portal_home(request: HttpRequest) -> HttpResponse:
    patient = selectors.patient_list_visible_to(request.user).first()
    panels = render_slot("portal_home", request, patient=patient) if patient else []
    return render(request, "portal/home.html", {"patient": patient, "panels": panels})
