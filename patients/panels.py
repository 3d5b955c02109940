"""Panels the patients app puts on shared pages (see kap_clinic.common.panels)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from kap_clinic.accounts.permissions import CLINICIAN, user_has_role

from . import selectors
from .models import Patient

DASHBOARD_ALERT_LIMIT = 20
# The header shows the newest few; the rest are one click away on the results list.
CHART_ALERT_LIMIT = 5


def chart_safety_flags(
    request: HttpRequest, *, patient: Patient, can_see_clinical: bool = False, **page: Any
) -> dict | None:
    """Chart header: open safety alerts, each with its acknowledge link. Hidden from practice admins."""
    if not can_see_clinical:
        return None
    flags = list(selectors.open_safety_flags(patient)[: CHART_ALERT_LIMIT + 1])
    if not flags:
        return None
    return {"open_flags": flags[:CHART_ALERT_LIMIT], "more_open_flags": len(flags) > CHART_ALERT_LIMIT}


def dashboard_safety_alerts(request: HttpRequest, **page: Any) -> dict | None:
    """Dashboard: open safety alerts on the clinician's care-team patients, newest first."""
    if not user_has_role(request.user, CLINICIAN):
        return None
    flags = list(selectors.safety_flags_open_for_user(request.user)[: DASHBOARD_ALERT_LIMIT + 1])
    return {"alerts": flags[:DASHBOARD_ALERT_LIMIT], "more_alerts": len(flags) > DASHBOARD_ALERT_LIMIT}
