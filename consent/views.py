"""Staff pages: consent documents (admins write), a patient's consents, signed records."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kap_clinic.accounts.permissions import ADMIN, CLINICIAN, STAFF, role_required, user_has_role
from kap_clinic.common.errors import ApplicationError
from kap_clinic.common.forms import apply_error
from kap_clinic.common.middleware import client_ip
from patients import selectors as patient_selectors

from . import manifestation, selectors, services, text
from .forms import DocumentCreateForm, DocumentForm, RequestForm, RevokeForm
from .models import ConsentKind
from .responses import pdf_response, png_response

# --- Documents --------------------------------------------------------------------------------------


@role_required(STAFF)
@require_GET
def document_list(request: HttpRequest) -> HttpResponse:
    documents = list(selectors.document_list())
    kinds = [(kind, [d for d in documents if d.kind_id == kind.id]) for kind in selectors.kind_list()]
    return render(request, "consent/document_list.html", {"kinds": kinds})


@role_required(ADMIN)
@require_http_methods(["GET", "POST"])
def document_create(request: HttpRequest) -> HttpResponse:
    initial = {}
    kind = ConsentKind.objects.filter(code=request.GET.get("kind", ""), active=True).first()
    if kind is not None:
        initial["kind"] = kind
        latest = selectors.document_list().filter(kind=kind).first()
        if latest is not None:
            initial.update(title=latest.title, body=latest.body)
    form = DocumentCreateForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            document = services.consent_document_create(actor=request.user, **form.cleaned_data)
        except ApplicationError as exc:
            apply_error(form, exc)
            return render(request, "consent/document_form.html", {"form": form, "creating": True}, status=exc.status)
        messages.success(request, f"Draft version {document.version} created. Review it, then publish.")
        return redirect("consent:document_detail", public_id=document.public_id)
    return render(request, "consent/document_form.html", {"form": form, "creating": True}, status=_status(form))


@role_required(STAFF)
@require_GET
def document_detail(request: HttpRequest, public_id: str) -> HttpResponse:
    document = selectors.document_get(public_id)
    return render(
        request,
        "consent/document_detail.html",
        {"document": document, "body_html": text.render_markdown(document.body)},
    )


@role_required(ADMIN)
@require_http_methods(["GET", "POST"])
def document_edit(request: HttpRequest, public_id: str) -> HttpResponse:
    document = selectors.document_get(public_id)
    if document.is_published:
        messages.error(request, "A published version cannot be changed; start a new version instead.")
        return redirect("consent:document_detail", public_id=document.public_id)
    fields = ("title", "body", "effective_date", "requires_reconsent")
    form = DocumentForm(request.POST or None, initial={f: getattr(document, f) for f in fields})
    if request.method == "POST" and form.is_valid():
        try:
            services.consent_document_update(actor=request.user, document=document, **form.cleaned_data)
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            messages.success(request, "Draft saved.")
            return redirect("consent:document_detail", public_id=document.public_id)
    context = {"form": form, "document": document, "creating": False}
    return render(request, "consent/document_form.html", context, status=_status(form))


@role_required(ADMIN)
@require_POST
def document_publish(request: HttpRequest, public_id: str) -> HttpResponse:
    document = selectors.document_get(public_id)
    try:
        services.consent_document_publish(actor=request.user, document=document)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Version {document.version} is published and can no longer be edited.")
    return redirect("consent:document_detail", public_id=document.public_id)


def _status(form: DocumentForm | RequestForm | RevokeForm) -> int:
    return 400 if form.is_bound and form.errors else 200


# --- A patient's consents ---------------------------------------------------------------------------


@role_required(STAFF)
@require_GET
def patient_consents(request: HttpRequest, public_id: str) -> HttpResponse:
    patient = patient_selectors.patient_open_chart(user=request.user, public_id=public_id)
    return render(request, "consent/patient_consents.html", _patient_context(patient))


def _patient_context(patient, **extra) -> dict:  # noqa: ANN001
    return {
        "patient": patient,
        "statuses": selectors.consent_status_for_patient(patient=patient),
        "records": selectors.records_for_patient_with_state(patient=patient),
        "requests": selectors.requests_for_patient(patient=patient)[:50],
        "request_form": extra.pop("request_form", None) or RequestForm(),
        **extra,
    }


@role_required(STAFF)
@require_POST
def request_create(request: HttpRequest, public_id: str) -> HttpResponse:
    patient = patient_selectors.patient_get_for(user=request.user, public_id=public_id)
    form = RequestForm(request.POST)
    status = 400
    if form.is_valid():
        try:
            services.consent_request_signature(actor=request.user, patient=patient, kind=form.cleaned_data["kind"])
        except ApplicationError as exc:
            apply_error(form, exc)
            status = exc.status
        else:
            messages.success(request, "Signing request sent. The patient gets an email with a link to the portal.")
            return redirect("consent:patient_consents", public_id=patient.public_id)
    return render(request, "consent/patient_consents.html", _patient_context(patient, request_form=form), status=status)


@role_required(STAFF)
@require_POST
def portal_invite(request: HttpRequest, public_id: str) -> HttpResponse:
    patient = patient_selectors.patient_get_for(user=request.user, public_id=public_id)
    try:
        services.patient_portal_invite(actor=request.user, patient=patient)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "Portal invitation sent.")
    return redirect("consent:patient_consents", public_id=patient.public_id)


# --- Signed records -------------------------------------------------------------------------------------


def _record_context(request: HttpRequest, record, **extra) -> dict:  # noqa: ANN001
    countersignature = getattr(record, "countersignature", None)
    revocation = getattr(record, "revocation", None)
    user = request.user
    return {
        "record": record,
        "patient": record.patient,
        "document": record.document,
        "body_html": text.render_markdown(record.document.body),
        "manifestation": manifestation.for_record(record),
        "countersignature": countersignature,
        "countersign_manifestation": manifestation.for_countersignature(countersignature) if countersignature else None,
        "revocation": revocation,
        "revoked_at": manifestation.format_clinic_time(revocation.revoked_at) if revocation else "",
        "is_active": selectors.records_active_at(type(record).objects.filter(pk=record.pk), timezone.now()).exists(),
        "pdfs": list(record.pdfs.all()),
        "can_countersign": user_has_role(user, CLINICIAN) and countersignature is None and revocation is None,
        "can_revoke": revocation is None,
        "revoke_form": extra.pop("revoke_form", None) or RevokeForm(),
        **extra,
    }


@role_required(STAFF)
@require_GET
def record_detail(request: HttpRequest, public_id: str) -> HttpResponse:
    record = selectors.consent_record_open(user=request.user, public_id=public_id)
    return render(request, "consent/record_detail.html", _record_context(request, record))


@role_required(STAFF)
@require_GET
def record_signature(request: HttpRequest, public_id: str) -> HttpResponse:
    record = selectors.consent_record_get_for(user=request.user, public_id=public_id)
    return png_response(bytes(record.signature_png))


@role_required(STAFF)
@require_GET
def record_pdf(request: HttpRequest, public_id: str) -> HttpResponse:
    pdf = selectors.consent_pdf_get_for(user=request.user, record_public_id=public_id)
    return pdf_response(request, pdf)


@role_required(CLINICIAN)
@require_POST
def record_countersign(request: HttpRequest, public_id: str) -> HttpResponse:
    record = selectors.consent_record_get_for(user=request.user, public_id=public_id)
    try:
        services.consent_countersign(actor=request.user, record=record, ip=client_ip(request))
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "Countersigned. The witnessed PDF is being prepared.")
    return redirect("consent:record_detail", public_id=record.public_id)


@role_required(STAFF)
@require_POST
def record_revoke(request: HttpRequest, public_id: str) -> HttpResponse:
    record = selectors.consent_record_get_for(user=request.user, public_id=public_id)
    form = RevokeForm(request.POST)
    if form.is_valid():
        try:
            services.consent_revoke(actor=request.user, record=record, reason=form.cleaned_data["reason"])
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            messages.success(request, "Consent revoked. The signed record and its PDF remain on file.")
            return redirect("consent:record_detail", public_id=record.public_id)
    record = selectors.consent_record_get_for(user=request.user, public_id=public_id)
    context = _record_context(request, record, revoke_form=form)
    return render(request, "consent/record_detail.html", context, status=400)


@role_required(STAFF)
@require_POST
def record_verify(request: HttpRequest, public_id: str) -> HttpResponse:
    record = selectors.consent_record_get_for(user=request.user, public_id=public_id)
    result = services.consent_verify(actor=request.user, record=record)
    if request.htmx:
        return render(request, "consent/partials/_verify_result.html", {"result": result})
    return render(request, "consent/record_detail.html", _record_context(request, record, verify_result=result))
