"""Scheduling's panels on other apps' pages (``register`` is called from apps.py).

- chart_main: the patient's upcoming sessions on their chart (the chart view already checked
  access and audited the view);
- dashboard: today's sessions (a clinician's own; for admins the whole clinic);
- portal_home: the patient's next appointments.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from kap_clinic.accounts.permissions import CLINICIAN, STAFF, user_has_role
from kap_clinic.common import clock
from sessions_app.scheduling import selectors
from sessions_app.scheduling.models import Session


def chart_upcoming(request: HttpRequest, patient: Any = None, **_: Any) -> dict | None:
    if patient is None or not user_has_role(request.user, STAFF):
        return None
    return {"upcoming": list(selectors.upcoming_for_patient(patient, limit=8))}


def dashboard_today(request: HttpRequest, **_: Any) -> dict | None:
    user = request.user
    clinician = user if user_has_role(user, CLINICIAN) else None
    sessions = selectors.sessions_on_day(user=user, day=clock.local_today(), clinician=clinician)
    sessions = [s for s in sessions if s.status != Session.Status.CANCELLED]
    return {"today_sessions": sessions[:12], "today_count": len(sessions), "whole_clinic": clinician is None}


def portal_upcoming(request: HttpRequest, patient: Any = None, **_: Any) -> dict | None:
    if patient is None:
        return None
    return {"upcoming": list(selectors.upcoming_for_patient(patient, limit=3))}


def register() -> None:
    from kap_clinic.common.panels import Panel
    from kap_clinic.common.panels import register as register_panel
    from patients.timeline import register_source
    from sessions_app.scheduling.timeline import session_entries

    register_panel(
        "chart_main", Panel("upcoming_sessions", "sessions_app/partials/_chart_panel.html", chart_upcoming, 20)
    )
    register_panel(
        "dashboard", Panel("today_sessions", "sessions_app/partials/_dashboard_panel.html", dashboard_today, 10)
    )
    register_panel(
        "portal_home", Panel("appointments", "sessions_app/partials/_portal_panel.html", portal_upcoming, 10)
    )
    # Past sessions (kind, status, time; no clinical content) on the chart timeline.
    register_source("sessions", session_entries)
