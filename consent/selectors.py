"""Reads of consent data: the "is consent active" rule other apps call, and permission-scoped fetches.

Who sees what:
- staff see the consents of the patients ``patients.selectors.patient_list_visible_to`` gives
  them (admins: every patient, as consent paperwork is administrative; clinicians: their care
  team's patients); anyone else gets a 404, and the attempt is audited;
- a patient sees only their own consents, in the portal.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import uuid
from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, OuterRef, Prefetch, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.crypto import salted_hmac

from kap_clinic.accounts.permissions import user_is_active
from kap_clinic.audit.models import AuditEvent
from kap_clinic.audit.services import audit_record
from patients.models import Patient
from patients.selectors import patient_list_visible_to

from .models import (
    ConsentDocument,
    ConsentKind,
    ConsentPdf,
    ConsentRecord,
    ConsentRevocation,
    PortalInvitation,
    SigningRequest,
)

# --- The rule: signed, not revoked, not superseded by a version that requires re-consent ------


def kind_get(kind: ConsentKind | str) -> ConsentKind:
    if isinstance(kind, ConsentKind):
        return kind
    try:
        return ConsentKind.objects.get(code=kind)
    except ConsentKind.DoesNotExist:
        raise ValueError(f"Unknown consent kind {kind!r}.") from None


def records_active_at(records: QuerySet[ConsentRecord], at: dt.datetime) -> QuerySet[ConsentRecord]:
    """Narrow ``records`` to those in force at ``at``.

    In force = signed at or before ``at``; no revocation at or before ``at``; and no published
    later version of the same kind that requires re-consent and took effect at or before ``at``.
    Both conditions are subqueries, so this stays one query however many records exist.
    """
    revoked = ConsentRevocation.objects.filter(record=OuterRef("pk"), revoked_at__lte=at)
    superseded = ConsentDocument.objects.filter(
        kind=OuterRef("kind"),
        version__gt=OuterRef("document__version"),
        requires_reconsent=True,
        reconsent_from__lte=at,
    )
    return records.filter(signed_at__lte=at).exclude(Exists(revoked)).exclude(Exists(superseded))


def active_consent_record(
    *, patient: Patient, kind: ConsentKind | str, at: dt.datetime | None = None
) -> ConsentRecord | None:
    """The newest consent of ``kind`` in force for ``patient`` at ``at`` (default: now), or None."""
    at = at or timezone.now()
    code = kind.code if isinstance(kind, ConsentKind) else kind
    qs = ConsentRecord.objects.filter(patient=patient, kind__code=code)
    return records_active_at(qs, at).select_related("document", "kind").order_by("-signed_at").first()


def has_active_consent(*, patient: Patient, kind: ConsentKind | str, at: dt.datetime | None = None) -> bool:
    """Whether ``patient`` has a consent of ``kind`` in force at ``at`` (default: now).

    The gate dosing services call (e.g. ``kind="kap_treatment"`` at the dosing time): signed,
    not revoked by then, and not superseded by a version that requires re-consent. One query.
    """
    at = at or timezone.now()
    code = kind.code if isinstance(kind, ConsentKind) else kind
    return records_active_at(ConsentRecord.objects.filter(patient=patient, kind__code=code), at).exists()


def electronic_records_withdrawn(*, patient: Patient) -> bool:
    """The patient withdrew consent to electronic records: their latest such consent is revoked.

    Withdrawal stops further electronic delivery (ESIGN 7001(c)); a patient who never accepted
    is not "withdrawn" and still gets their first invitation to sign.
    """
    latest = (
        ConsentRecord.objects.filter(patient=patient, kind__code=ConsentKind.ELECTRONIC_RECORDS)
        .select_related("revocation")
        .order_by("-signed_at")
        .first()
    )
    return latest is not None and hasattr(latest, "revocation")


# --- Documents -------------------------------------------------------------------------------


def document_current(kind: ConsentKind | str) -> ConsentDocument | None:
    """The newest published version of a kind: what a new signing request asks for."""
    code = kind.code if isinstance(kind, ConsentKind) else kind
    return (
        ConsentDocument.objects.published().filter(kind__code=code).select_related("kind").order_by("-version").first()
    )


def document_superseded_at(document: ConsentDocument, at: dt.datetime) -> bool:
    """A later re-consent version of the kind has taken effect: this version can no longer be signed."""
    return ConsentDocument.objects.filter(
        kind_id=document.kind_id, version__gt=document.version, requires_reconsent=True, reconsent_from__lte=at
    ).exists()


def document_list() -> QuerySet[ConsentDocument]:
    return ConsentDocument.objects.select_related("kind", "created_by", "published_by").order_by(
        "kind__order", "kind__name", "-version"
    )


def document_get(public_id: uuid.UUID | str) -> ConsentDocument:
    try:
        return document_list().get(public_id=public_id)
    except (ConsentDocument.DoesNotExist, ValueError):
        raise Http404("No consent document matches the given query.") from None


def kind_list() -> QuerySet[ConsentKind]:
    return ConsentKind.objects.filter(active=True).order_by("order", "name")


# --- Per-patient status (chart header, portal) ------------------------------------------------


@dataclass(frozen=True)
class KindStatus:
    kind: ConsentKind
    state: str  # active | revoked | superseded | pending | none
    record: ConsentRecord | None
    request: SigningRequest | None

    @property
    def label(self) -> str:
        return {
            "active": "Active",
            "revoked": "Revoked",
            "superseded": "Re-consent needed",
            "pending": "Waiting for signature",
            "none": "Not signed",
        }[self.state]

    @property
    def badge(self) -> str:
        return {"active": "success", "revoked": "danger", "superseded": "warning", "pending": "info"}.get(
            self.state, "secondary"
        )


def _record_queryset() -> QuerySet[ConsentRecord]:
    return ConsentRecord.objects.select_related(
        "document",
        "kind",
        "signer",
        "revocation",
        "revocation__revoked_by",
        "countersignature",
        "countersignature__clinician",
        "patient",
    ).prefetch_related(Prefetch("pdfs", queryset=ConsentPdf.objects.order_by("-rendered_at")))


def consent_status_for_patient(*, patient: Patient, at: dt.datetime | None = None) -> list[KindStatus]:
    """One line per active kind: the newest record and whether it is in force, or a pending request.

    Three queries whatever the number of records (kinds, records with the active flag, requests).
    """
    at = at or timezone.now()
    records = list(_record_queryset().filter(patient=patient).order_by("-signed_at"))
    active_ids = set(records_active_at(ConsentRecord.objects.filter(patient=patient), at).values_list("id", flat=True))
    pending = list(pending_requests_for_patient(patient=patient, at=at))
    statuses = []
    for kind in kind_list():
        newest = next((r for r in records if r.kind_id == kind.id), None)
        active = next((r for r in records if r.kind_id == kind.id and r.id in active_ids), None)
        request = next((r for r in pending if r.document.kind_id == kind.id), None)
        if active is not None:
            state, record = "active", active
        elif request is not None:
            state, record = "pending", newest
        elif newest is not None:
            revoked = getattr(newest, "revocation", None)
            state, record = ("revoked" if revoked and revoked.revoked_at <= at else "superseded"), newest
        else:
            state, record = "none", None
        statuses.append(KindStatus(kind=kind, state=state, record=record, request=request))
    return statuses


def pending_requests_for_patient(*, patient: Patient, at: dt.datetime | None = None) -> QuerySet[SigningRequest]:
    at = at or timezone.now()
    return (
        SigningRequest.objects.filter(
            patient=patient, used_at__isnull=True, cancelled_at__isnull=True, expires_at__gt=at
        )
        .select_related("document", "document__kind", "created_by")
        .order_by("-created_at")
    )


def records_for_patient(*, patient: Patient) -> QuerySet[ConsentRecord]:
    return _record_queryset().filter(patient=patient).order_by("-signed_at")


RECORD_STATE_LABELS = {"active": "Active", "revoked": "Revoked", "superseded": "Re-consent needed"}


def records_for_patient_with_state(*, patient: Patient, at: dt.datetime | None = None) -> list[ConsentRecord]:
    """The patient's signed records, newest first, each with ``state`` and ``state_label`` set. Two queries."""
    at = at or timezone.now()
    records = list(records_for_patient(patient=patient))
    active_ids = set(records_active_at(ConsentRecord.objects.filter(patient=patient), at).values_list("id", flat=True))
    for record in records:
        revocation = getattr(record, "revocation", None)
        if record.id in active_ids:
            record.state = "active"
        elif revocation is not None and revocation.revoked_at <= at:
            record.state = "revoked"
        else:
            record.state = "superseded"
        record.state_label = RECORD_STATE_LABELS[record.state]
        record.latest_pdf = next(iter(record.pdfs.all()), None)
    return records


def requests_for_patient(*, patient: Patient) -> QuerySet[SigningRequest]:
    return (
        SigningRequest.objects.filter(patient=patient)
        .select_related("document", "document__kind", "created_by", "record")
        .order_by("-created_at")
    )


# --- Permission-scoped fetches ------------------------------------------------------------------


def _deny(user: Any, target_type: str, public_id: Any) -> None:
    if user_is_active(user):
        audit_record(
            actor=user,
            action="consent.access_denied",
            target_type=target_type,
            target_public_id=str(public_id),
            outcome=AuditEvent.Outcome.DENIED,
        )


def consent_record_get_for(*, user: Any, public_id: uuid.UUID | str) -> ConsentRecord:
    """A signed record the user may see (their own as a patient, their patients' as staff), else 404."""
    try:
        return _record_queryset().filter(patient__in=patient_list_visible_to(user)).get(public_id=public_id)
    except (ConsentRecord.DoesNotExist, ValueError):
        _deny(user, "consent.consentrecord", public_id)
        raise Http404("No consent matches the given query.") from None


def consent_record_open(*, user: Any, public_id: uuid.UUID | str) -> ConsentRecord:
    """Fetch a record for display and record the view in the audit trail."""
    record = consent_record_get_for(user=user, public_id=public_id)
    audit_record(actor=user, action="consent.viewed", target=record, patient=record.patient)
    return record


def consent_pdf_get_for(*, user: Any, record_public_id: uuid.UUID | str) -> ConsentPdf:
    """The newest PDF snapshot of a record the user may see; 404 when there is none (yet)."""
    record = consent_record_get_for(user=user, public_id=record_public_id)
    pdf = record.pdfs.all()[0] if record.pdfs.all() else None
    if pdf is None:
        raise Http404("The PDF of this consent is not ready yet.")
    return pdf


def signing_request_get_for(*, user: Any, public_id: uuid.UUID | str) -> SigningRequest:
    """A signing request of a patient the user may see, else 404 (audited)."""
    try:
        return (
            SigningRequest.objects.select_related("document", "document__kind", "patient", "patient__user")
            .filter(patient__in=patient_list_visible_to(user))
            .get(public_id=public_id)
        )
    except (SigningRequest.DoesNotExist, ValueError):
        _deny(user, "consent.signingrequest", public_id)
        raise Http404("No signing request matches the given query.") from None


# --- Tokens -----------------------------------------------------------------------------------------

REQUEST_SALT = "consent.signing-request"
INVITATION_SALT = "consent.portal-invitation"


def make_token(*, salt: str, public_id: uuid.UUID, nonce: str) -> str:
    """The link token: an HMAC under SECRET_KEY of the row's id and random nonce.

    The database holds only ``token_hash``; rebuilding the token needs the server's secret.
    """
    return salted_hmac(salt, f"{public_id}:{nonce}", algorithm="sha256").hexdigest()


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def signing_request_by_token(token: str) -> SigningRequest | None:
    """The request a link token opens, whatever its state (the caller decides what to show), or None."""
    if not token or len(token) > 128:
        return None
    request = (
        SigningRequest.objects.select_related("document", "document__kind", "patient", "patient__user")
        .filter(token_hash=token_hash(token))
        .first()
    )
    if request is None:
        return None
    expected = make_token(salt=REQUEST_SALT, public_id=request.public_id, nonce=request.nonce)
    return request if hmac.compare_digest(expected, token) else None


def portal_invitation_by_token(token: str) -> PortalInvitation | None:
    if not token or len(token) > 128:
        return None
    invitation = PortalInvitation.objects.select_related("patient", "user").filter(token_hash=token_hash(token)).first()
    if invitation is None:
        return None
    expected = make_token(salt=INVITATION_SALT, public_id=invitation.public_id, nonce=invitation.nonce)
    return invitation if hmac.compare_digest(expected, token) else None
