"""Clinical pages of the chart: questionnaires, intake, eligibility, safety alerts, medications, outcomes."""

from __future__ import annotations

import re

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kap_clinic.accounts.permissions import PRESCRIBER_DISCIPLINE, STAFF, is_active_clinician_of, role_required
from kap_clinic.audit.services import audit_record
from kap_clinic.common.errors import ApplicationError, ValidationFailed
from kap_clinic.idempotency.pages import idempotent_form

from .. import contraindications, selectors, services
from ..forms import (
    AcknowledgeForm,
    EligibilityForm,
    IntakeForm,
    MedicationForm,
    ReasonForm,
    WeightForm,
    assessment_form_class,
)
from ..instruments import REGISTRY
from ..outcomes import outcome_chart_svg, outcome_series
from ._common import back_to_chart, clinical_patient, form_error, report_error


def _instrument(code: str):
    try:
        return REGISTRY[code]
    except KeyError:
        raise Http404("No such instrument.") from None


@role_required(STAFF)
@require_http_methods(["GET", "POST"])
@idempotent_form
def assessment_create(request: HttpRequest, public_id: str, instrument: str) -> HttpResponse:
    """Record a questionnaire on the chart; the score, band and flags come from the server."""
    patient = clinical_patient(request, public_id)
    definition = _instrument(instrument)
    form = assessment_form_class(definition)(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            result = services.assessment_record(
                actor=request.user,
                patient=patient,
                instrument=definition.code,
                answers=form.answers(),
                administered_at=form.cleaned_data["administered_at"],
            )
        except ApplicationError as exc:
            form_error(form, _item_error(exc))
        else:
            text = f"{definition.short_name} recorded: {result.total} — {result.severity_label}."
            if result.safety_flags.exists():
                messages.warning(request, f"{text} A safety alert was raised for the care team.")
            else:
                messages.success(request, text)
            return redirect(f"{patient_url(patient)}#outcomes")
    return render(
        request, "patients/assessment_form.html", {"patient": patient, "form": form, "instrument": definition}
    )


def _item_error(exc: ApplicationError) -> ApplicationError:
    """Point a service error about ``answers[i]`` at the form's ``item_i`` radio group."""
    match = re.fullmatch(r"answers\[(\d+)\]", exc.field or "")
    if match:
        return type(exc)(exc.message, field=f"item_{match.group(1)}")
    return exc


def patient_url(patient) -> str:
    return reverse("patients:detail", args=[patient.public_id])


@role_required(STAFF)
@require_GET
def assessment_list(request: HttpRequest, public_id: str) -> HttpResponse:
    patient = clinical_patient(request, public_id)
    code = request.GET.get("instrument") or None
    if code and code not in REGISTRY:
        code = None
    page = Paginator(selectors.assessment_list_for(patient=patient, instrument=code), 50).get_page(
        request.GET.get("page")
    )
    audit_record(actor=request.user, action="assessment.listed", target=patient, patient=patient)
    context = {
        "patient": patient,
        "page": page,
        "instrument": code,
        "instruments": list(REGISTRY.values()),
        "query": f"instrument={code}" if code else "",
    }
    return render(request, "patients/assessment_list.html", context)


@role_required(STAFF)
@require_GET
def assessment_detail(request: HttpRequest, public_id: str, assessment_id: str) -> HttpResponse:
    patient = clinical_patient(request, public_id)
    assessment = selectors.assessment_get(patient=patient, public_id=assessment_id)
    audit_record(actor=request.user, action="assessment.viewed", target=assessment, patient=patient)
    definition = REGISTRY[assessment.instrument]
    rows = []
    for item, answer in zip(definition.items, assessment.answers, strict=False):
        label = next((o.label for o in item.options if o.value == answer and type(o.value) is type(answer)), answer)
        rows.append({"item": item, "answer": answer, "label": label})
    context = {
        "patient": patient,
        "assessment": assessment,
        "instrument": definition,
        "rows": rows,
        "flags": list(assessment.safety_flags.all()),
        "void_form": ReasonForm(),
    }
    return render(request, "patients/assessment_detail.html", context)


@role_required(STAFF)
@require_POST
def assessment_void(request: HttpRequest, public_id: str, assessment_id: str) -> HttpResponse:
    patient = clinical_patient(request, public_id)
    assessment = selectors.assessment_get(patient=patient, public_id=assessment_id)
    form = ReasonForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationFailed("Give a reason for voiding.", field="reason")
        services.assessment_void(actor=request.user, assessment=assessment, reason=form.cleaned_data["reason"])
    except ApplicationError as exc:
        return back_to_chart(request, patient, exc)
    messages.success(request, "Result voided; it no longer counts in outcome charts.")
    return redirect("patients:assessment_detail", public_id=patient.public_id, assessment_id=assessment.public_id)


@role_required(STAFF)
@require_http_methods(["GET", "POST"])
def intake_create(request: HttpRequest, public_id: str) -> HttpResponse:
    patient = clinical_patient(request, public_id)
    form = IntakeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            intake = services.intake_record(actor=request.user, patient=patient, **form.service_kwargs())
        except ApplicationError as exc:
            if exc.field and exc.field.startswith("answers["):
                form.screen_form.add_error(None, exc.message)
            elif exc.field and exc.field.startswith("contraindications."):
                form_error(form, type(exc)(exc.message, field="ci_" + exc.field.split(".", 1)[1]))
            else:
                form_error(form, exc)
        else:
            messages.success(request, "Intake recorded.")
            return redirect("patients:intake_detail", public_id=patient.public_id, intake_id=intake.public_id)
    return render(request, "patients/intake_form.html", {"patient": patient, "form": form})


@role_required(STAFF)
@require_GET
def intake_detail(request: HttpRequest, public_id: str, intake_id: str) -> HttpResponse:
    patient = clinical_patient(request, public_id)
    intake = selectors.intake_get(patient=patient, public_id=intake_id)
    audit_record(actor=request.user, action="intake.viewed", target=intake, patient=patient)
    checklist = contraindications.get_checklist(intake.checklist_version)
    context = {
        "patient": patient,
        "intake": intake,
        "checklist_rows": [(item, bool(intake.contraindications.get(item.code))) for item in checklist.items],
        "absolute_present": checklist.present(intake.contraindications, "absolute"),
        "relative_present": checklist.present(intake.contraindications, "relative"),
        "is_latest": selectors.latest_intake(patient) == intake,
    }
    return render(request, "patients/intake_detail.html", context)


@role_required(STAFF)
@require_http_methods(["GET", "POST"])
def eligibility_decide(request: HttpRequest, public_id: str) -> HttpResponse:
    """A prescriber's eligibility decision on the latest intake (others: 403; the outsider: 404)."""
    patient = clinical_patient(request, public_id)
    if not is_active_clinician_of(request.user, PRESCRIBER_DISCIPLINE):
        raise PermissionDenied("Only a prescriber decides eligibility.")
    intake = selectors.latest_intake(patient)
    form = EligibilityForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.eligibility_decide(actor=request.user, patient=patient, **form.cleaned_data)
        except ApplicationError as exc:
            form_error(form, exc)
        else:
            messages.success(request, "Eligibility decision recorded.")
            return redirect("patients:detail", public_id=patient.public_id)
    audit_record(actor=request.user, action="eligibility.viewed", target=patient, patient=patient)
    context = {"patient": patient, "form": form, "intake": intake, "state": selectors.eligibility_state(patient)}
    if intake is not None:
        checklist = contraindications.get_checklist(intake.checklist_version)
        context["absolute_present"] = checklist.present(intake.contraindications, "absolute")
        context["relative_present"] = checklist.present(intake.contraindications, "relative")
    return render(request, "patients/eligibility_form.html", context)


@role_required(STAFF)
@require_http_methods(["GET", "POST"])
def safety_flag_acknowledge(request: HttpRequest, public_id: str, flag_id: str) -> HttpResponse:
    patient = clinical_patient(request, public_id)
    flag = selectors.safety_flag_get(patient=patient, public_id=flag_id)
    form = AcknowledgeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.safety_flag_acknowledge(actor=request.user, flag=flag, note=form.cleaned_data["note"])
        except ApplicationError as exc:
            form_error(form, exc)
        else:
            messages.success(request, "Safety alert acknowledged.")
            return redirect("patients:detail", public_id=patient.public_id)
    audit_record(actor=request.user, action="safety_flag.viewed", target=flag, patient=patient)
    return render(request, "patients/safety_flag_acknowledge.html", {"patient": patient, "flag": flag, "form": form})


@role_required(STAFF)
@require_http_methods(["GET", "POST"])
def medications(request: HttpRequest, public_id: str) -> HttpResponse:
    """Medications (current and stopped) and dated weights; adds a medication on POST."""
    patient = clinical_patient(request, public_id)
    form = MedicationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            medication = services.medication_add(actor=request.user, patient=patient, **form.service_kwargs())
        except ApplicationError as exc:
            form_error(form, exc)
        else:
            klass = medication.get_interaction_class_display()
            messages.success(
                request, f"{medication.name} added" + (f" (interacting class: {klass})." if klass else ".")
            )
            return redirect("patients:medications", public_id=patient.public_id)
    audit_record(actor=request.user, action="medication.listed", target=patient, patient=patient)
    context = {
        "patient": patient,
        "form": form,
        "weight_form": WeightForm(),
        "medications": list(selectors.medication_list_for(patient)),
        "weights": list(selectors.weight_list_for(patient)[:20]),
        "stop_form": ReasonForm(),
    }
    return render(request, "patients/medications.html", context)


@role_required(STAFF)
@require_POST
def medication_stop(request: HttpRequest, public_id: str, medication_id: str) -> HttpResponse:
    patient = clinical_patient(request, public_id)
    medication = selectors.medication_get(patient=patient, public_id=medication_id)
    form = ReasonForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        services.medication_stop(actor=request.user, medication=medication, reason=reason)
    except ApplicationError as exc:
        report_error(request, exc)
    else:
        messages.success(request, f"{medication.name} recorded as stopped.")
    return redirect("patients:medications", public_id=patient.public_id)


@role_required(STAFF)
@require_POST
def weight_add(request: HttpRequest, public_id: str) -> HttpResponse:
    patient = clinical_patient(request, public_id)
    form = WeightForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Enter a weight in kg and the date it was measured.")
        return redirect("patients:medications", public_id=patient.public_id)
    try:
        services.weight_record(actor=request.user, patient=patient, **form.cleaned_data)
    except ApplicationError as exc:
        report_error(request, exc)
    else:
        messages.success(request, "Weight recorded.")
    return redirect("patients:medications", public_id=patient.public_id)


@role_required(STAFF)
@require_GET
def outcome_svg(request: HttpRequest, public_id: str, instrument: str) -> HttpResponse:
    """The server-side outcome chart (the same SVG the PDF reports embed)."""
    patient = clinical_patient(request, public_id)
    definition = _instrument(instrument)
    if not definition.charted:
        raise Http404("This instrument has no outcome chart.")
    audit_record(actor=request.user, action="outcomes.viewed", target=patient, patient=patient)
    svg = outcome_chart_svg(outcome_series(patient, definition.code))
    response = HttpResponse(svg, content_type="image/svg+xml")
    response["Cache-Control"] = "private, no-store"
    return response
