"""Consent documents: drafts, edits of drafts, publication (and the re-consent it may trigger)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from kap_clinic.accounts.models import User
from kap_clinic.audit.services import audit_record
from kap_clinic.common.errors import Conflict, ValidationFailed
from patients.models import Patient

from .. import text
from ..models import ConsentDocument, ConsentKind, SigningRequest
from ._common import require_admin

MAX_BODY = 100_000


def _clean(*, title: str, body: str, effective_date: Any) -> tuple[str, str]:
    title, body = (title or "").strip(), (body or "").replace("\r\n", "\n").strip()
    if not title:
        raise ValidationFailed("A title is required.", field="title")
    if len(title) > 200:
        raise ValidationFailed("The title is longer than 200 characters.", field="title")
    if not body:
        raise ValidationFailed("The document text is required.", field="body")
    if len(body) > MAX_BODY:
        raise ValidationFailed(f"The document text is longer than {MAX_BODY} characters.", field="body")
    if not isinstance(effective_date, dt.date):
        raise ValidationFailed("An effective date is required.", field="effective_date")
    return title, body


@transaction.atomic
def consent_document_create(
    *,
    actor: User,
    kind: ConsentKind,
    title: str,
    body: str,
    effective_date: dt.date,
    requires_reconsent: bool = False,
) -> ConsentDocument:
    """Start the next version of a kind as a draft (admins only).

    The version number is the kind's highest plus one. One draft per kind at a time: a second
    is a Conflict (edit or publish the open draft first). Nothing reaches patients until publish.
    """
    require_admin(actor)
    if not kind.active:
        raise ValidationFailed("This kind of consent is no longer in use.", field="kind")
    title, body = _clean(title=title, body=body, effective_date=effective_date)
    # Lock the kind so two admins starting a version at once cannot both pick the same number.
    ConsentKind.objects.select_for_update().filter(pk=kind.pk).first()
    if ConsentDocument.objects.filter(kind=kind, published_at__isnull=True).exists():
        raise Conflict("This kind already has a draft version; edit or publish it first.", field="kind")
    version = (ConsentDocument.objects.filter(kind=kind).aggregate(v=Max("version"))["v"] or 0) + 1
    try:
        with transaction.atomic():
            document = ConsentDocument.objects.create(
                kind=kind,
                version=version,
                title=title,
                body=body,
                effective_date=effective_date,
                requires_reconsent=requires_reconsent,
                created_by=actor,
                text_sha256=text.text_sha256(title=title, body=body),
            )
    except IntegrityError:
        raise Conflict("Another version of this kind was started at the same time; reload.", field="kind") from None
    audit_record(
        actor=actor,
        action="consent.document_created",
        target=document,
        changed_fields=["kind", "version", "title", "body", "effective_date", "requires_reconsent"],
    )
    return document


@transaction.atomic
def consent_document_update(
    *,
    actor: User,
    document: ConsentDocument,
    title: str,
    body: str,
    effective_date: dt.date,
    requires_reconsent: bool,
) -> ConsentDocument:
    """Edit a draft. A published version is immutable: editing it is a Conflict (make a new version)."""
    require_admin(actor)
    document = ConsentDocument.objects.select_for_update().get(pk=document.pk)
    if document.is_published:
        raise Conflict("A published version cannot be changed; create a new version instead.")
    title, body = _clean(title=title, body=body, effective_date=effective_date)
    values = {"title": title, "body": body, "effective_date": effective_date, "requires_reconsent": requires_reconsent}
    changed = [name for name, value in values.items() if getattr(document, name) != value]
    if not changed:
        return document
    for name, value in values.items():
        setattr(document, name, value)
    document.text_sha256 = text.text_sha256(title=title, body=body)
    document.save(update_fields=[*changed, "text_sha256", "updated_at"])
    audit_record(actor=actor, action="consent.document_updated", target=document, changed_fields=changed)
    return document


@transaction.atomic
def consent_document_publish(*, actor: User, document: ConsentDocument) -> ConsentDocument:
    """Publish a draft: from now on it is immutable and new signing requests ask for it.

    When the version requires re-consent, older signatures of the kind stop counting from
    ``reconsent_from`` (the later of now and the effective date's start in the clinic zone),
    pending requests for older versions are cancelled, and every patient in treatment gets a
    signing request for this version (emailed after commit).
    Raises Conflict when already published.
    """
    from .requests import create_signing_request

    require_admin(actor)
    document = ConsentDocument.objects.select_for_update(of=("self",)).select_related("kind").get(pk=document.pk)
    if document.is_published:
        raise Conflict("This version is already published.")
    _clean(title=document.title, body=document.body, effective_date=document.effective_date)
    now = timezone.now()
    document.published_at = now
    document.published_by = actor
    document.text_sha256 = text.text_sha256(title=document.title, body=document.body)
    if document.requires_reconsent:
        document.reconsent_from = ConsentDocument.reconsent_start(
            published_at=now, effective_date=document.effective_date
        )
    document.save(update_fields=["published_at", "published_by", "text_sha256", "reconsent_from", "updated_at"])
    audit_record(actor=actor, action="consent.document_published", target=document, changed_fields=["published_at"])
    if document.requires_reconsent:
        stale = SigningRequest.objects.filter(
            document__kind=document.kind,
            document__version__lt=document.version,
            used_at__isnull=True,
            cancelled_at__isnull=True,
        )
        for request in stale.select_related("patient"):
            request.cancelled_at = now
            request.save(update_fields=["cancelled_at", "updated_at"])
            audit_record(
                actor=actor,
                action="consent.request_cancelled",
                target=request,
                patient=request.patient,
                changed_fields=["cancelled_at"],
            )
        for patient in Patient.objects.filter(status=Patient.Status.IN_TREATMENT).select_related("user"):
            create_signing_request(actor=actor, patient=patient, document=document, reason="reconsent", now=now)
    return document
