"""Dashboard panel for practice admins: the last nightly audit-trail check found changes."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from kap_clinic.accounts.permissions import ADMIN, user_has_role

from .models import AuditEvent
from .tasks import ALTERED, VERIFIED


def dashboard_audit_check(request: HttpRequest, **_: Any) -> dict | None:
    if not user_has_role(request.user, ADMIN):
        return None
    last = AuditEvent.objects.filter(action__in=(VERIFIED, ALTERED)).order_by("-id").first()
    if last is None or last.action != ALTERED:
        return None
    return {"audit_altered_at": last.occurred_at}


def register() -> None:
    from kap_clinic.common.panels import Panel
    from kap_clinic.common.panels import register as register_panel

    register_panel("dashboard", Panel("audit_check", "audit/partials/_dashboard_check.html", dashboard_audit_check, 1))
