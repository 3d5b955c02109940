"""python manage.py verify_audit_chain: the same check as verify_audit_trail (the name the checklist uses)."""

from __future__ import annotations

from .verify_audit_trail import Command as VerifyAuditTrail


class Command(VerifyAuditTrail):
    pass
