"""Panels this app puts on other apps' pages (registered in apps.py).

- chart_main: the patient's upcoming sessions on their chart (the chart view already checked
  access and audited the view);
- dashboard: today's sessions (a clinician's own; for admins the whole clinic);
- portal_home: the patient's next appointments.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from . import clock, selectors
from .models import Session


def chart_upcoming(request: HttpRequest, patient: Any = None, **_: Any) -> dict | None:
    if patient is None or not request.user.is_staff_member:
        return None
    return {"upcoming": list(selectors.upcoming_for_patient(patient, limit=8))}


def dashboard_today(request: HttpRequest, **_: Any) -> dict | None:
    user = request.user
    clinician = user if user.is_clinician else None
    sessions = selectors.sessions_on_day(user=user, day=clock.local_today(), clinician=clinician)
    sessions = [s for s in sessions if s.status != Session.Status.CANCELLED]
    return {"today_sessions": sessions[:12], "today_count": len(sessions), "whole_clinic": clinician is None}


def portal_upcoming(request: HttpRequest, patient: Any = None, **_: Any) -> dict | None:
    if patient is None:
        return None
    return {"upcoming": list(selectors.upcoming_for_patient(patient, limit=3))}
