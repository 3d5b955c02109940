"""Reads of the audit trail (admins only)."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

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


@dataclass(frozen=True)
class SealStatus:
    """What the tamper evidence says now, for monitoring (counts and times only)."""

    checked_at: dt.datetime | None  # the last nightly check of the whole trail
    intact: bool | None  # its result (None: never checked)
    last_seal_at: dt.datetime | None
    oldest_unsealed_at: dt.datetime | None  # the oldest event no seal covers yet


def audit_seal_status() -> SealStatus:
    """The last trail check and how far sealing lags (three indexed queries).

    An event waits SEAL_MARGIN before the next five-minute seal takes it, so an oldest unsealed event
    much older than that means the seal job is not running.
    """
    from .models import AuditSeal
    from .tasks import ALTERED, VERIFIED

    check = AuditEvent.objects.filter(action__in=(VERIFIED, ALTERED)).order_by("-id").values("action", "occurred_at")
    last_check = check.first()
    last_seal = AuditSeal.objects.order_by("-sequence").values("sealed_at", "last_event_id").first()
    sealed_up_to = last_seal["last_event_id"] if last_seal else 0
    oldest = AuditEvent.objects.filter(id__gt=sealed_up_to).order_by("id").values_list("occurred_at", flat=True)
    return SealStatus(
        checked_at=last_check["occurred_at"] if last_check else None,
        intact=(last_check["action"] == VERIFIED) if last_check else None,
        last_seal_at=last_seal["sealed_at"] if last_seal else None,
        oldest_unsealed_at=oldest.first(),
    )
