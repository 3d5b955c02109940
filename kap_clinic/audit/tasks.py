"""Periodic audit-trail tasks: seal new events; check the whole trail every night."""

from __future__ import annotations

import logging

from celery import shared_task

from .integrity import audit_seal, audit_verify

log = logging.getLogger(__name__)

VERIFIED = "audit_trail.verified"
ALTERED = "audit_trail.altered"


@shared_task(name="kap_clinic.audit.tasks.audit_seal_task")
def audit_seal_task() -> int | None:
    """Append the next seal of the audit hash chain (nothing when no event is old enough yet)."""
    seal = audit_seal()
    return seal.sequence if seal else None


@shared_task(name="kap_clinic.audit.tasks.audit_verify_task")
def audit_verify_task() -> bool:
    """Recompute the trail; the result is itself audited, and a failure is logged and shown to admins."""
    from .services import audit_record

    report = audit_verify()
    if report.intact:
        audit_record(actor=None, action=VERIFIED, target_type="audit.trail")
    else:
        log.error("audit trail altered: %s", "; ".join(report.problems[:20]))
        audit_record(actor=None, action=ALTERED, target_type="audit.trail", outcome="denied")
    return report.intact
