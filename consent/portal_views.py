"""Patient portal: emailed links, password set-up, documents to sign, signed documents, revocation."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from kap_clinic.accounts.permissions import PATIENT, role_required
from kap_clinic.common.errors import ApplicationError, Conflict
from kap_clinic.common.forms import apply_error
from kap_clinic.common.middleware import client_ip
from kap_clinic.idempotency.pages import idempotent_form
from patients import selectors as patient_selectors

from . import manifestation, selectors, services, text
from .forms import PortalRevokeForm, SetPasswordForm, SignForm
from .models import ConsentKind, SigningRequest
from .responses import pdf_response, png_response

LINK_DEAD = {
    "unknown": "This link is not valid. Check that you copied the whole link from the email.",
    SigningRequest.Status.SIGNED: "This link has already been used. Your signed documents are in the portal.",
    SigningRequest.Status.CANCELLED: "This link was replaced by a newer one. Please use the most recent email.",
    SigningRequest.Status.EXPIRED: "This link has expired. Please ask the clinic to send a new one.",
}


def _dead_link(request: HttpRequest, reason: str, status: int = 410) -> HttpResponse:
    # Deliberately shows nothing about the patient or the document.
    return render(
        request, "consent/portal/link_invalid.html", {"message": LINK_DEAD.get(reason, reason)}, status=status
    )


def _sign_url(signing_request: SigningRequest) -> str:
    return reverse("portal:consent_sign", kwargs={"public_id": signing_request.public_id})


@never_cache
@require_http_methods(["GET", "POST"])
def consent_link(request: HttpRequest, token: str) -> HttpResponse:
    """Where the emailed link lands. A valid link leads to the signing page, via login or password set-up."""
    signing_request = selectors.signing_request_by_token(token)
    if signing_request is None:
        return _dead_link(request, "unknown", status=404)
    status = signing_request.status
    if status != SigningRequest.Status.PENDING:
        return _dead_link(request, status)
    owner = signing_request.patient.user
    if request.user.is_authenticated:
        if owner is not None and request.user.pk == owner.pk:
            return redirect(_sign_url(signing_request))
        # 404, as for every other page of another patient's consents; the page still says what to do.
        return _dead_link(
            request, "This link is not for the account you are signed in with. Sign out, then open the link again.", 404
        )
    if owner is not None and owner.has_usable_password():
        return redirect(f"{reverse('accounts:login')}?next={_sign_url(signing_request)}")
    form = SetPasswordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.signing_link_set_password(token=token, **form.cleaned_data)
        except Conflict as exc:
            return _dead_link(request, exc.message, status=409)
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, "Your password is set. You can now read and sign the document.")
            return redirect(_sign_url(signing_request))
    status_code = 400 if form.is_bound and form.errors else 200
    return render(request, "consent/portal/set_password.html", {"form": form}, status=status_code)


@never_cache
@require_http_methods(["GET", "POST"])
def invitation(request: HttpRequest, token: str) -> HttpResponse:
    """A portal invitation: the patient chooses their password, then lands in the portal."""
    found = selectors.portal_invitation_by_token(token)
    if found is None:
        return _dead_link(request, "unknown", status=404)
    if request.user.is_authenticated:
        return _dead_link(request, "You are signed in. Sign out first, then open the invitation link again.", 403)
    if not found.is_usable() or found.user.has_usable_password():
        return _dead_link(
            request, "This invitation has already been used or has expired. You can log in, or use 'Forgot password'."
        )
    form = SetPasswordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.portal_invitation_accept(token=token, **form.cleaned_data)
        except Conflict as exc:
            return _dead_link(request, exc.message, status=409)
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, "Welcome! Your password is set.")
            return redirect("portal:home")
    status_code = 400 if form.is_bound and form.errors else 200
    return render(request, "consent/portal/set_password.html", {"form": form, "invitation": True}, status=status_code)


def _own_patient(request: HttpRequest):  # noqa: ANN202
    return patient_selectors.patient_list_visible_to(request.user).first()


@role_required(PATIENT)
@require_GET
def consent_list(request: HttpRequest) -> HttpResponse:
    patient = _own_patient(request)
    context = {"patient": patient, "consent_pending": [], "consent_records": []}
    if patient is not None:
        context["consent_pending"] = list(selectors.pending_requests_for_patient(patient=patient))
        context["consent_records"] = selectors.records_for_patient_with_state(patient=patient)
    return render(request, "consent/portal/list.html", context)


@role_required(PATIENT)
@never_cache
@require_http_methods(["GET", "POST"])
@idempotent_form
def consent_sign(request: HttpRequest, public_id: str) -> HttpResponse:
    """Read and sign. The rules (and every error message) are in services.consent_sign."""
    signing_request = selectors.signing_request_get_for(user=request.user, public_id=public_id)
    status = signing_request.status
    if status != SigningRequest.Status.PENDING and request.method == "GET":
        return _dead_link(request, status)
    # A POST always reaches the service, so a second submit gets its 409 and its message.
    document = signing_request.document
    patient = signing_request.patient
    ersd = None
    if document.kind.code != ConsentKind.ELECTRONIC_RECORDS and not selectors.has_active_consent(
        patient=patient, kind=ConsentKind.ELECTRONIC_RECORDS
    ):
        ersd = selectors.document_current(ConsentKind.ELECTRONIC_RECORDS)
    # Bound on every POST (even an empty one), so it always reaches the service and its rules.
    form = SignForm(request.POST if request.method == "POST" else None)
    status_code = 200
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            record = services.consent_sign(
                user=request.user,
                request=signing_request,
                agree=data["agree"],
                typed_name=data["typed_name"],
                signature_data_url=data["signature"],
                shown_text_sha256=data["shown_text_sha256"],
                accept_electronic_records=data["accept_electronic_records"],
                shown_electronic_records_sha256=data["shown_electronic_records_sha256"],
                ip=client_ip(request),
                user_agent=request.META.get("HTTP_USER_AGENT", ""),
            )
        except ApplicationError as exc:
            if exc.field == "request":
                return _dead_link(request, exc.message, status=409)
            apply_error(form, exc)
            status_code = exc.status
        else:
            messages.success(request, "Thank you. Your signature is recorded; your signed copy is below.")
            return redirect("portal:consent_record", public_id=record.public_id)
    elif form.is_bound:
        if status != SigningRequest.Status.PENDING:
            return _dead_link(request, status, status=409)
        status_code = 400
    context = {
        "signing_request": signing_request,
        "document": document,
        "body_html": text.render_markdown(document.body),
        "ersd": ersd,
        "ersd_html": text.render_markdown(ersd.body) if ersd else "",
        "form": form,
        "patient": patient,
    }
    return render(request, "consent/portal/sign.html", context, status=status_code)


def _portal_record_context(record) -> dict:  # noqa: ANN001
    countersignature = getattr(record, "countersignature", None)
    revocation = getattr(record, "revocation", None)
    return {
        "record": record,
        "document": record.document,
        "body_html": text.render_markdown(record.document.body),
        "manifestation": manifestation.for_record(record),
        "countersign_manifestation": manifestation.for_countersignature(countersignature) if countersignature else None,
        "revocation": revocation,
        "revoked_at": manifestation.format_clinic_time(revocation.revoked_at) if revocation else "",
        "is_active": selectors.records_active_at(type(record).objects.filter(pk=record.pk), timezone.now()).exists(),
        "pdf": next(iter(record.pdfs.all()), None),
    }


@role_required(PATIENT)
@require_GET
def consent_record(request: HttpRequest, public_id: str) -> HttpResponse:
    record = selectors.consent_record_open(user=request.user, public_id=public_id)
    return render(request, "consent/portal/record.html", _portal_record_context(record))


@role_required(PATIENT)
@require_GET
def consent_record_pdf(request: HttpRequest, public_id: str) -> HttpResponse:
    pdf = selectors.consent_pdf_get_for(user=request.user, record_public_id=public_id)
    return pdf_response(request, pdf)


@role_required(PATIENT)
@require_GET
def consent_record_signature(request: HttpRequest, public_id: str) -> HttpResponse:
    record = selectors.consent_record_get_for(user=request.user, public_id=public_id)
    return png_response(bytes(record.signature_png))


@role_required(PATIENT)
@require_http_methods(["GET", "POST"])
def consent_revoke(request: HttpRequest, public_id: str) -> HttpResponse:
    record = selectors.consent_record_get_for(user=request.user, public_id=public_id)
    form = PortalRevokeForm(request.POST if request.method == "POST" else None)
    status_code = 400 if form.is_bound and not form.is_valid() else 200
    if form.is_bound and form.is_valid():
        try:
            services.consent_revoke(actor=request.user, record=record, reason=form.cleaned_data["reason"])
        except ApplicationError as exc:
            apply_error(form, exc)
            status_code = exc.status
        else:
            messages.success(request, "Your consent is revoked from now on. The signed copy stays in your records.")
            return redirect("portal:consent_record", public_id=record.public_id)
    return render(
        request,
        "consent/portal/revoke.html",
        {"record": record, "document": record.document, "form": form, "revoked": hasattr(record, "revocation")},
        status=status_code,
    )
