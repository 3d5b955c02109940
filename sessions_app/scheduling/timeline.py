"""The patient's sessions on the chart timeline (registered with ``patients.timeline`` in apps.py).

Only the schedule is shown (kind, status, time, lead clinician) with a link to the session page:
nothing from the clinical record and never psychotherapy notes. Sessions that have not started
yet stay in the "upcoming sessions" panel; the timeline is what already happened. One query.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.urls import reverse
from django.utils import timezone

from patients.models import Patient
from patients.timeline import TimelineEntry
from sessions_app.scheduling.models import Session
from sessions_app.scheduling.selectors import session_list_visible_to

TONES = {
    Session.Status.COMPLETED: "success",
    Session.Status.CANCELLED: "secondary",
    Session.Status.NO_SHOW: "warning",
}


def session_entries(patient: Patient, user: Any, limit: int) -> Iterable[TimelineEntry]:
    qs = (
        session_list_visible_to(user)
        .filter(patient=patient, starts_at__lte=timezone.now())
        .select_related("lead_clinician")
        .order_by("-starts_at", "-id")[:limit]
    )
    for session in qs:
        detail = f"with {session.lead_clinician.full_name}"
        if session.status == Session.Status.CANCELLED and session.late_cancel:
            detail += " · late cancellation"
        yield TimelineEntry(
            at=session.starts_at,
            kind="session",
            title=f"{session.get_kind_display()} session: {session.get_status_display()}",
            detail=detail,
            url=reverse("sessions_app:session_detail", args=[session.public_id]),
            tone=TONES.get(session.status, "info"),
        )
