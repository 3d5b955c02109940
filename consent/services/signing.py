"""Signing, countersigning and revoking consents."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from kap_clinic.accounts.models import User
from kap_clinic.accounts.permissions import PATIENT, user_has_role
from kap_clinic.audit.services import audit_record
from kap_clinic.common.errors import Conflict, PermissionDeniedError, ValidationFailed
from kap_clinic.common.jobs import enqueue_after_commit

from .. import selectors
from ..models import (
    ConsentCountersignature,
    ConsentKind,
    ConsentPdf,
    ConsentRecord,
    ConsentRevocation,
    SigningRequest,
)
from ..signature import decode_signature
from ..tasks import consent_pdf_render_task
from ._common import require_care_team_clinician, require_staff_for

WITNESS_MEANING = "Witnessed the patient's consent as a member of the care team"


def normalise_name(value: str) -> str:
    """Case-, accent-form- and whitespace-insensitive form of a name for comparison."""
    value = unicodedata.normalize("NFKC", value or "")
    return re.sub(r"\s+", " ", value).strip().casefold()


def _enqueue_pdf(record_id: int, stage: str) -> None:
    # A lost hand-over (broker down) is rendered by the sweep's snapshot catch-up.
    enqueue_after_commit(consent_pdf_render_task, record_id, stage)


def _request_state_error(request: SigningRequest) -> Conflict | None:
    now = timezone.now()
    if request.used_at is not None:
        record = ConsentRecord.objects.filter(request=request).select_related("revocation").first()
        if record is not None and hasattr(record, "revocation"):
            return Conflict(
                "This consent was revoked. To sign it again, the clinic needs to send you a new request.",
                field="request",
            )
        return Conflict(
            "This document has already been signed with this request. Only one signature is recorded; "
            "ask the clinic for a new request if you need to sign again.",
            field="request",
        )
    if request.cancelled_at is not None:
        return Conflict("This request was withdrawn by the clinic (a newer one replaces it).", field="request")
    if now >= request.expires_at:
        return Conflict("This request has expired. Please ask the clinic to send a new one.", field="request")
    if selectors.document_superseded_at(request.document, now):
        return Conflict("A newer version of this document replaces this one; the clinic will send it.", field="request")
    return None


@transaction.atomic
def consent_sign(
    *,
    user: User,
    request: SigningRequest,
    agree: bool,
    typed_name: str,
    signature_data_url: str,
    shown_text_sha256: str,
    accept_electronic_records: bool = False,
    shown_electronic_records_sha256: str = "",
    ip: str | None = None,
    user_agent: str = "",
) -> ConsentRecord:
    """The patient signs the document of a signing request in the portal.

    Rules, in order (each a clear error naming the field, nothing saved):
    - only the patient the request is for, logged in as themselves (403 otherwise: nobody signs
      on a patient's behalf here);
    - the request is pending: a second submit, a revoked consent, a cancelled, expired or
      superseded request is a Conflict (409) and a new request is needed;
    - the text the page showed is the version's text (hash match), intent is ticked, the typed
      name matches the legal name on record (ignoring case and extra spaces), the drawn
      signature is a real, non-blank PNG;
    - the first signature also accepts the consent to electronic records and signatures
      (ESIGN 7001(c)); without it signing is a Conflict (409).
    Side effects: one ConsentRecord (and one for the electronic-records consent when accepted
    now), the request marked used, audit events, and the PDF snapshot rendered after commit.
    Two concurrent submits: the request row is locked, and ``request`` is unique on the record,
    so exactly one record is written and the other submit gets the Conflict.
    """
    request = _lock_request(request)
    patient = request.patient
    _require_own_request(user, request)
    error = _request_state_error(request)
    if error is not None:
        raise error
    document = request.document
    _check_what_was_signed(request, agree=agree, typed_name=typed_name, shown_text_sha256=shown_text_sha256)
    png = decode_signature(signature_data_url)
    now = timezone.now()
    meta = {
        "signer": user,
        "signer_role": "patient",
        "printed_name": patient.full_name,
        "typed_name": typed_name.strip()[:200],
        "signed_at": now,
        "ip": ip or None,
        "user_agent": (user_agent or "")[:400],
        "signature_png": png,
        "signature_sha256": hashlib.sha256(png).hexdigest(),
    }
    ersd_record = None
    if document.kind.code != ConsentKind.ELECTRONIC_RECORDS:
        ersd_record = _electronic_records_consent(
            user,
            patient,
            now=now,
            meta=meta,
            accepted=accept_electronic_records,
            shown_sha256=shown_electronic_records_sha256,
        )
    record = _write_signed_record(request, meta=meta, ersd_record=ersd_record)
    request.used_at = now
    request.save(update_fields=["used_at", "updated_at"])
    audit_record(actor=user, action="consent.signed", target=record, patient=patient, changed_fields=["document"])
    _enqueue_pdf(record.id, ConsentPdf.Stage.SIGNED)
    return record


def _lock_request(request: SigningRequest) -> SigningRequest:
    locked = (
        SigningRequest.objects.select_for_update(of=("self",))
        .select_related("document", "document__kind", "patient", "patient__user")
        .filter(pk=request.pk)
        .first()
    )
    if locked is None:
        raise Conflict("This request no longer exists.", field="request")
    return locked


def _require_own_request(user: User, request: SigningRequest) -> None:
    patient = request.patient
    if not (user_has_role(user, PATIENT) and patient.user_id == user.pk):
        raise PermissionDeniedError("Only the patient this document was sent to can sign it, in their own portal.")


def _check_what_was_signed(request: SigningRequest, *, agree: bool, typed_name: str, shown_text_sha256: str) -> None:
    """The text shown is this version's, intent is ticked and the typed name is the legal name on record."""
    if not shown_text_sha256 or shown_text_sha256 != request.document.text_sha256:
        raise Conflict("The document changed since the page was opened; please reload and read it again.")
    if not agree:
        raise ValidationFailed("Tick the box to confirm you have read and understood the document.", field="agree")
    if not (typed_name or "").strip():
        raise ValidationFailed("Type your full legal name.", field="typed_name")
    if normalise_name(typed_name) != normalise_name(request.patient.full_name):
        raise ValidationFailed(
            "The name you typed does not match the legal name on your record (first and last name).",
            field="typed_name",
        )


def _electronic_records_consent(
    user: User, patient: Any, *, now: Any, meta: dict, accepted: bool, shown_sha256: str
) -> ConsentRecord:
    """The patient's consent to electronic records in force, recorded now if this is their first signature."""
    ersd_record = selectors.active_consent_record(patient=patient, kind=ConsentKind.ELECTRONIC_RECORDS, at=now)
    if ersd_record is not None:
        return ersd_record
    ersd = selectors.document_current(ConsentKind.ELECTRONIC_RECORDS)
    if ersd is None:
        raise Conflict("The clinic has not published its electronic records disclosure yet.")
    if not accepted:
        raise Conflict(
            "Before your first electronic signature, please read and accept the consent to "
            "electronic records and signatures.",
            field="accept_electronic_records",
        )
    if shown_sha256 != ersd.text_sha256:
        raise Conflict("The electronic records disclosure changed; please reload and read it again.")
    ersd_record = ConsentRecord.objects.create(
        patient=patient,
        document=ersd,
        kind=ersd.kind,
        meaning=ersd.kind.meaning,
        text_sha256=ersd.text_sha256,
        **meta,
    )
    audit_record(actor=user, action="consent.signed", target=ersd_record, patient=patient, changed_fields=["document"])
    _enqueue_pdf(ersd_record.id, ConsentPdf.Stage.SIGNED)
    return ersd_record


def _write_signed_record(request: SigningRequest, *, meta: dict, ersd_record: ConsentRecord | None) -> ConsentRecord:
    document = request.document
    try:
        with transaction.atomic():
            return ConsentRecord.objects.create(
                request=request,
                patient=request.patient,
                document=document,
                kind=document.kind,
                meaning=document.kind.meaning,
                text_sha256=document.text_sha256,
                electronic_records_record=ersd_record,
                **meta,
            )
    except IntegrityError:
        # Only reachable if the row lock did not serialise us (it does on PostgreSQL; SQLite
        # serialises writers anyway): the unique request column is the last line of defence.
        raise Conflict("This document has already been signed with this request.", field="request") from None


@transaction.atomic
def consent_countersign(*, actor: User, record: ConsentRecord, ip: str | None = None) -> ConsentCountersignature:
    """A clinician on the care team witnesses a signed consent. Once per record; not once revoked.

    Side effects: the countersignature row, an audit event and a countersigned PDF snapshot.
    """
    record = ConsentRecord.objects.select_for_update(of=("self",)).select_related("patient", "kind").get(pk=record.pk)
    require_care_team_clinician(actor, record.patient)
    if ConsentRevocation.objects.filter(record=record).exists():
        raise Conflict("This consent was revoked; it cannot be countersigned.")
    if ConsentCountersignature.objects.filter(record=record).exists():
        raise Conflict("This consent is already countersigned.")
    name = f"{actor.full_name}, {actor.credentials}" if actor.credentials else actor.full_name
    try:
        with transaction.atomic():
            countersignature = ConsentCountersignature.objects.create(
                record=record,
                clinician=actor,
                printed_name=name,
                meaning=WITNESS_MEANING,
                countersigned_at=timezone.now(),
                ip=ip or None,
            )
    except IntegrityError:
        raise Conflict("This consent is already countersigned.") from None
    audit_record(
        actor=actor,
        action="consent.countersigned",
        target=countersignature,
        patient=record.patient,
        changed_fields=["countersignature"],
    )
    _enqueue_pdf(record.id, ConsentPdf.Stage.COUNTERSIGNED)
    return countersignature


@transaction.atomic
def consent_revoke(*, actor: Any, record: ConsentRecord, reason: str = "") -> ConsentRevocation:
    """Withdraw a consent from now on. The signed record and its PDFs stay as they are.

    The patient revokes their own consent in the portal (reason optional); staff who may see
    the patient revoke on the patient's behalf (e.g. a written or spoken withdrawal) and must
    give the reason. Revoking the electronic-records consent stops electronic delivery.
    Raises Conflict when already revoked.
    """
    record = ConsentRecord.objects.select_for_update(of=("self",)).select_related("patient", "kind").get(pk=record.pk)
    patient = record.patient
    reason = (reason or "").strip()
    if user_has_role(actor, PATIENT):
        if patient.user_id != actor.pk:
            raise PermissionDeniedError("You can only revoke your own consents.")
        channel = ConsentRevocation.Channel.PORTAL
    else:
        require_staff_for(actor, patient)
        channel = ConsentRevocation.Channel.STAFF
        if not reason:
            raise ValidationFailed("Give the reason (e.g. 'patient withdrew consent by phone').", field="reason")
    if len(reason) > 2000:
        raise ValidationFailed("The reason is longer than 2000 characters.", field="reason")
    if ConsentRevocation.objects.filter(record=record).exists():
        raise Conflict("This consent is already revoked.")
    try:
        with transaction.atomic():
            revocation = ConsentRevocation.objects.create(
                record=record, revoked_at=timezone.now(), revoked_by=actor, channel=channel, reason=reason
            )
    except IntegrityError:
        raise Conflict("This consent is already revoked.") from None
    audit_record(
        actor=actor, action="consent.revoked", target=record, patient=patient, changed_fields=["revocation", "channel"]
    )
    return revocation
