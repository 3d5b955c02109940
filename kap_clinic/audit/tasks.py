"""Periodic audit-trail tasks."""

from __future__ import annotations

from celery import shared_task

from .integrity import audit_seal


@shared_task(name="kap_clinic.audit.tasks.audit_seal_task")
def audit_seal_task() -> int | None:
    """Append the next seal of the audit hash chain (nothing when no event is old enough yet)."""
    seal = audit_seal()
    return seal.sequence if seal else None
