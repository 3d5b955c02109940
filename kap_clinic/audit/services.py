"""The one helper every app uses to write the audit trail."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from kap_clinic.common import context

from . import integrity
from .models import AuditEvent


def audit_record(
    *,
    actor: Any,
    action: str,
    target: Any = None,
    target_type: str | None = None,
    target_public_id: str | uuid.UUID | None = None,
    patient: Any = None,
    changed_fields: Iterable[str] = (),
    outcome: str = AuditEvent.Outcome.SUCCESS,
) -> AuditEvent:
    """Append one audit event.

    Call it inside the service's transaction so the event and the change commit together.
    ``target`` may be any model with a ``public_id``; ``patient`` a Patient (or its public id).
    Only field *names* are recorded, never values, so no clinical text reaches the trail.
    """
    if isinstance(actor, AnonymousUser):
        actor = None
    if target is not None:
        target_type = target_type or target._meta.label_lower
        target_public_id = target_public_id or getattr(target, "public_id", "") or ""
    patient_id = getattr(patient, "public_id", patient)
    ctx = context.current()
    values = {
        "public_id": uuid.uuid4(),
        "occurred_at": timezone.now(),
        "actor_id": actor.pk if actor is not None else None,
        "actor_role": actor.audit_role if actor is not None else "system",
        "action": action,
        "outcome": outcome,
        "target_type": target_type or "",
        "target_public_id": str(target_public_id or ""),
        "patient_public_id": patient_id,
        "changed_fields": sorted(set(changed_fields)),
        "ip": ctx.ip,
        "request_id": ctx.request_id,
    }
    return AuditEvent.objects.create(**values, row_mac=integrity.event_mac(**values))
