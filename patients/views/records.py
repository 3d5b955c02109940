"""Patient list, registration and edit, the chart, status moves and care-team assignment."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from kap_clinic.accounts.permissions import (
    ADMIN,
    CLINICIAN,
    PRESCRIBER_DISCIPLINE,
    STAFF,
    is_active_clinician_of,
    role_required,
    user_has_role,
)
from kap_clinic.audit.services import audit_record
from kap_clinic.common.errors import ApplicationError
from kap_clinic.common.panels import render_slot

from .. import selectors, services
from ..forms import CareTeamForm, PatientFilterForm, PatientForm, StatusChangeForm
from ..instruments import REGISTRY
from ..outcomes import outcome_chart_data, outcome_series_all
from ..timeline import timeline_for
from ._common import back_to_chart, form_error

PAGE_SIZE = 25
# Columns the list can sort on (the selector refuses anything else): header label -> sort key.
SORTABLE_COLUMNS = {"Name": "name", "MRN": "mrn", "Date of birth": "dob", "Status": "status"}


def _sort_links(params: dict[str, str], current: str) -> dict[str, dict[str, str]]:
    links = {}
    for label, key in SORTABLE_COLUMNS.items():
        next_key = f"-{key}" if current == key else key
        query = urlencode({**{k: v for k, v in params.items() if v and k not in ("sort", "page")}, "sort": next_key})
        direction = "asc" if current == key else "desc" if current == f"-{key}" else ""
        links[label] = {"query": query, "direction": direction}
    return links


@role_required(STAFF)
@require_GET
@vary_on_headers("HX-Request")
def patient_list(request: HttpRequest) -> HttpResponse:
    """Search, filter, sort and page through the patients the user may see (htmx refreshes the table)."""
    clinical = not selectors.clinical_content_refused(request.user)
    form = PatientFilterForm(request.GET or None, clinicians=list(selectors.clinicians_for_filter()), clinical=clinical)
    params = {name: "" for name in ("q", "status", "condition", "clinician", "sort")}
    if form.is_bound and form.is_valid():
        params.update({k: v for k, v in form.cleaned_data.items() if v})
    if not clinical:
        params.pop("condition")
    try:
        patients = selectors.patient_search(user=request.user, **params)
    except ApplicationError as exc:
        form_error(form, exc)
        params["sort"] = ""
        patients = selectors.patient_search(user=request.user)
    page = Paginator(patients, PAGE_SIZE).get_page(request.GET.get("page"))
    audit_record(actor=request.user, action="patient.listed", target_type="patients.patient", changed_fields=[])
    current_sort = params.get("sort") or selectors.DEFAULT_SORT
    context = {
        "form": form,
        "page": page,
        "clinical": clinical,
        "query": urlencode({k: v for k, v in params.items() if v}),
        "sort_links": _sort_links(params, current_sort),
        "filtered": any(v for k, v in params.items() if k != "sort"),
    }
    template = "patients/partials/_patient_table.html" if request.htmx else "patients/patient_list.html"
    return render(request, template, context)


@role_required(STAFF)
@require_http_methods(["GET", "POST"])
def patient_create(request: HttpRequest) -> HttpResponse:
    clinical = user_has_role(request.user, CLINICIAN)
    form = PatientForm(request.POST or None, clinical=clinical)
    if request.method == "POST" and form.is_valid():
        try:
            patient = services.patient_create(actor=request.user, **form.cleaned_data)
        except ApplicationError as exc:
            form_error(form, exc)
        else:
            messages.success(request, f"{patient.display_name} registered ({patient.mrn}).")
            return redirect("patients:detail", public_id=patient.public_id)
    return render(request, "patients/patient_form.html", {"form": form, "patient": None})


@role_required(STAFF)
@require_http_methods(["GET", "POST"])
def patient_edit(request: HttpRequest, public_id: str) -> HttpResponse:
    patient = selectors.patient_get_for(user=request.user, public_id=public_id, write=True)
    clinical = selectors.user_is_on_care_team(user=request.user, patient=patient)
    form = PatientForm(request.POST or None, clinical=clinical, initial=PatientForm.initial_for(patient))
    if request.method == "GET":
        audit_record(actor=request.user, action="patient.viewed", target=patient, patient=patient)
    if request.method == "POST" and form.is_valid():
        try:
            services.patient_update(actor=request.user, patient=patient, **form.cleaned_data)
        except ApplicationError as exc:
            form_error(form, exc)
        else:
            messages.success(request, "Patient record saved.")
            return redirect("patients:detail", public_id=patient.public_id)
    return render(request, "patients/patient_form.html", {"form": form, "patient": patient})


def _clinical_context(request: HttpRequest, patient) -> dict:
    """Everything clinical the chart shows; a fixed number of queries however long the history."""
    eligibility = selectors.eligibility_state(patient)
    intake = selectors.latest_intake(patient)
    medications = list(selectors.medication_list_for(patient, current_only=True))
    outcomes = outcome_series_all(patient)
    context = {
        "eligibility": eligibility,
        "latest_intake": intake,
        "medications": medications,
        "interacting": selectors.interacting_classes(medications),
        "latest_weight": selectors.latest_weight(patient),
        "recent_assessments": list(selectors.assessment_list_for(patient=patient)[:10]),
        "outcomes": outcomes,
        "chart_data": outcome_chart_data(outcomes),
        "timeline": timeline_for(patient, request.user, limit=20),
        "instruments": list(REGISTRY.values()),
        "next_statuses": [(s, patient.Status(s).label) for s in services.allowed_next_statuses(patient)],
    }
    if intake is not None:
        from ..contraindications import get_checklist

        checklist = get_checklist(intake.checklist_version)
        context["intake_absolute"] = checklist.present(intake.contraindications, "absolute")
        context["intake_relative"] = checklist.present(intake.contraindications, "relative")
    return context


@role_required(STAFF)
@require_GET
def patient_detail(request: HttpRequest, public_id: str) -> HttpResponse:
    """The chart: header (status, eligibility, consent, allergies, safety alerts), outcomes, results, timeline."""
    patient = selectors.patient_open_chart(user=request.user, public_id=public_id)
    can_see_clinical = not selectors.clinical_content_refused(request.user)
    context = {
        "patient": patient,
        "care_team": selectors.care_team_for(patient),
        "conditions": list(patient.conditions.all()),
        "can_see_clinical": can_see_clinical,
        "is_prescriber": is_active_clinician_of(request.user, PRESCRIBER_DISCIPLINE),
        "is_admin": user_has_role(request.user, ADMIN),
    }
    if can_see_clinical:
        context.update(_clinical_context(request, patient))
    context["header_panels"] = render_slot("chart_header", request, **context)
    context["main_panels"] = render_slot("chart_main", request, **context)
    return render(request, "patients/patient_detail.html", context)


@role_required(STAFF)
@require_POST
def patient_status_change(request: HttpRequest, public_id: str) -> HttpResponse:
    patient = selectors.patient_get_for(user=request.user, public_id=public_id, write=True)
    form = StatusChangeForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose a status to move the patient to.")
        return back_to_chart(request, patient)
    try:
        patient = services.patient_change_status(
            actor=request.user,
            patient=patient,
            to_status=form.cleaned_data["status"],
            reason=form.cleaned_data["reason"],
        )
    except ApplicationError as exc:
        return back_to_chart(request, patient, exc)
    messages.success(request, f"Status changed to {patient.get_status_display()}.")
    return back_to_chart(request, patient)


@role_required(STAFF)
@require_http_methods(["GET", "POST"])
def care_team(request: HttpRequest, public_id: str) -> HttpResponse:
    """Admins assign clinicians to the patient's care team (the outsider still gets a 404 first)."""
    patient = selectors.patient_get_for(user=request.user, public_id=public_id, write=True)
    if not user_has_role(request.user, ADMIN):
        raise PermissionDenied("Only a practice admin assigns care teams.")
    form = CareTeamForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.care_team_assign(
                actor=request.user,
                patient=patient,
                clinician=form.cleaned_data["clinician"],
                is_lead=form.cleaned_data["is_lead"],
            )
        except ApplicationError as exc:
            form_error(form, exc)
        else:
            messages.success(request, f"{form.cleaned_data['clinician'].full_name} is on the care team.")
            return redirect("patients:care_team", public_id=patient.public_id)
    audit_record(actor=request.user, action="care_team.viewed", target=patient, patient=patient)
    context = {"patient": patient, "form": form, "members": selectors.care_team_for(patient)}
    return render(request, "patients/care_team.html", context)


@role_required(STAFF)
@require_POST
def care_team_remove(request: HttpRequest, public_id: str, membership_id: str) -> HttpResponse:
    patient = selectors.patient_get_for(user=request.user, public_id=public_id, write=True)
    if not user_has_role(request.user, ADMIN):
        raise PermissionDenied("Only a practice admin assigns care teams.")
    membership = get_object_or_404(patient.care_team.select_related("clinician"), public_id=membership_id)
    services.care_team_remove(actor=request.user, membership=membership)
    messages.success(request, f"{membership.clinician.full_name} removed from the care team.")
    return redirect("patients:care_team", public_id=patient.public_id)
