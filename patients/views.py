from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from kap_clinic.accounts.permissions import STAFF, role_required
from kap_clinic.common.panels import render_slot

from . import selectors


@role_required(STAFF)
@require_GET
def patient_list(request: HttpRequest) -> HttpResponse:
    patients = selectors.patient_list_visible_to(request.user)
    page = Paginator(patients, 25).get_page(request.GET.get("page"))
    return render(request, "patients/patient_list.html", {"page": page})


@role_required(STAFF)
@require_GET
def patient_detail(request: HttpRequest, public_id: str) -> HttpResponse:
    patient = selectors.patient_open_chart(user=request.user, public_id=public_id)
    context = {
        "patient": patient,
        "care_team": selectors.care_team_for(patient),
        "can_see_clinical": not request.user.is_practice_admin,
    }
    context["header_panels"] = render_slot("chart_header", request, **context)
    context["main_panels"] = render_slot("chart_main", request, **context)
    return render(request, "patients/patient_detail.html", context)
