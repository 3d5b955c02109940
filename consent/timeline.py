"""Consent documents on the chart timeline (registered with ``patients.timeline`` in apps.py).

Three kinds of entry: a document sent for signature (requested), a signed consent and a revoked
one, each linking to the consent page. Consent paperwork is administrative, so any staff member
who may see the patient (``patient_list_visible_to``) sees it; anyone else gets nothing. Two
queries, whatever the history.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models.functions import Coalesce
from django.urls import reverse

from kap_clinic.accounts.permissions import STAFF, user_has_role
from patients.models import Patient
from patients.selectors import patient_list_visible_to
from patients.timeline import TimelineEntry

from .models import ConsentRecord, SigningRequest


def _version(document: Any) -> str:
    return f"{document.title} (v{document.version})"


def consent_entries(patient: Patient, user: Any, limit: int) -> Iterable[TimelineEntry]:
    if not user_has_role(user, STAFF):
        return
    visible = patient_list_visible_to(user).filter(pk=patient.pk).values("pk")
    requests = (
        SigningRequest.objects.filter(patient__in=visible).select_related("document").order_by("-created_at", "-id")
    )
    patient_page = reverse("consent:patient_consents", args=[patient.public_id])
    for req in requests[:limit]:
        reconsent = " (re-consent)" if req.reason == "reconsent" else ""
        yield TimelineEntry(
            at=req.created_at,
            kind="consent",
            title=f"Consent requested{reconsent}: {_version(req.document)}",
            detail=req.get_status_display(),
            url=patient_page,
            tone="info",
        )
    # Newest event first (a revocation is a record's latest event): the first ``limit`` records
    # hold the ``limit`` newest signed/revoked entries, in one query.
    records = (
        ConsentRecord.objects.filter(patient__in=visible)
        .select_related("document", "revocation")
        .annotate(last_event=Coalesce("revocation__revoked_at", "signed_at"))
        .order_by("-last_event", "-id")
    )
    for record in records[:limit]:
        url = reverse("consent:record_detail", args=[record.public_id])
        yield TimelineEntry(
            at=record.signed_at,
            kind="consent",
            title=f"Consent signed: {_version(record.document)}",
            detail=f"by {record.printed_name}",
            url=url,
            tone="success",
        )
        revocation = getattr(record, "revocation", None)
        if revocation is not None:
            yield TimelineEntry(
                at=revocation.revoked_at,
                kind="consent",
                title=f"Consent revoked: {_version(record.document)}",
                detail=revocation.get_channel_display(),
                url=url,
                tone="warning",
            )
