"""Reads of the audit trail (admins only)."""

from __future__ import annotations

import datetime as dt
import uuid

from django.db.models import Q, QuerySet

from .models import AuditEvent


def audit_event_list(
    *,
    patient_public_id: uuid.UUID | None = None,
    actor_public_id: uuid.UUID | None = None,
    action: str = "",
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> QuerySet[AuditEvent]:
    """Audit events, newest first, filtered by patient, user, action prefix and date range (inclusive).

    Filtering by patient also finds refused attempts on that patient: a denial cannot name the
    patient (the selector refused to look it up), only the public id that was asked for.
    """
    qs = AuditEvent.objects.select_related("actor")
    if patient_public_id:
        qs = qs.filter(
            Q(patient_public_id=patient_public_id)
            | Q(target_type="patients.patient", target_public_id=str(patient_public_id))
        )
    if actor_public_id:
        qs = qs.filter(actor__public_id=actor_public_id)
    if action:
        qs = qs.filter(action__startswith=action)
    if date_from:
        qs = qs.filter(occurred_at__date__gte=date_from)
    if date_to:
        qs = qs.filter(occurred_at__date__lte=date_to)
    return qs
