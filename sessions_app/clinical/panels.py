"""Panels the clinical records put on other pages (see kap_clinic.common.panels).

- dashboard: records waiting for the user's signature for more than 72 hours (setting), and
  today's dosing sessions of the user's patients with a direct link to the live dosing page;
- chart_main: cumulative ketamine/esketamine dose, dosing history, preparation and integration
  records, the latest long-term follow-up answers; for a therapist, their own psychotherapy
  notes on this patient (nobody else sees even that they exist).
Clinical content only: practice admins and patients get nothing (the context function returns None).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Exists, OuterRef
from django.http import HttpRequest
from django.utils import timezone

from kap_clinic.accounts.permissions import CLINICIAN, THERAPIST_DISCIPLINE, is_active_clinician_of, user_has_role
from kap_clinic.common import clock
from patients.models import Patient
from patients.selectors import care_team_memberships_of
from sessions_app.clinical import selectors, thresholds
from sessions_app.clinical.models.dosing import DosingRecord
from sessions_app.clinical.models.notes import IntegrationRecord, PreparationRecord
from sessions_app.scheduling.models import Session


def dashboard(request: HttpRequest, **page: Any) -> dict | None:
    if not user_has_role(request.user, CLINICIAN):
        return None
    hours = thresholds.current().unsigned_alert_hours
    start, end = clock.day_bounds(clock.local_today())
    on_team = care_team_memberships_of(request.user).filter(patient=OuterRef("patient_id"))
    today = list(
        Session.objects.filter(Exists(on_team), kind=Session.Kind.DOSING, starts_at__gte=start, starts_at__lt=end)
        .exclude(status__in=[Session.Status.CANCELLED, Session.Status.NO_SHOW])
        .select_related("patient", "room", "dosing_record", "dosing_record__discharge")
        .order_by("starts_at")
    )
    return {
        "unsigned": selectors.unsigned_records_for(request.user, older_than_hours=hours),
        "unsigned_hours": hours,
        "dosing_today": today,
    }


def chart(request: HttpRequest, *, patient: Patient, **page: Any) -> dict | None:
    if not user_has_role(request.user, CLINICIAN):
        return None
    user = request.user
    is_therapist = is_active_clinician_of(user, THERAPIST_DISCIPLINE)
    now = clock.to_local(timezone.now())
    recent = list(
        Session.objects.filter(
            patient=patient,
            kind__in=[Session.Kind.PREPARATION, Session.Kind.DOSING, Session.Kind.INTEGRATION, Session.Kind.FOLLOW_UP],
            starts_at__gte=now - dt.timedelta(days=14),
            starts_at__lt=now + dt.timedelta(days=1),
        )
        .exclude(status__in=[Session.Status.CANCELLED, Session.Status.NO_SHOW])
        .select_related("dosing_record", "preparation_record", "integration_record", "follow_up_check")
        .order_by("-starts_at")[:8]
    )
    return {
        "recent_sessions": recent,
        "cumulative": selectors.cumulative_doses(patient),
        "dosing_history": list(selectors.dosing_history(patient)),
        "preparations": list(
            PreparationRecord.objects.filter(patient=patient).select_related("session").order_by("-created_at")[:5]
        ),
        "integrations": list(
            IntegrationRecord.objects.filter(patient=patient)
            .select_related("session", "dosing_record__session")
            .order_by("-created_at")[:5]
        ),
        "follow_ups": list(selectors.follow_up_checks(patient)),
        "is_therapist": is_therapist,
        "my_notes": list(selectors.psychotherapy_notes_for(user, patient=patient)[:5]) if is_therapist else [],
        "open_dosing": DosingRecord.objects.filter(patient=patient, signed_at__isnull=True).count(),
    }


def register() -> None:
    """Dosing today and unsigned records on the dashboard; the treatment record on the chart."""
    from kap_clinic.common.panels import Panel
    from kap_clinic.common.panels import register as register_panel

    register_panel(
        "dashboard", Panel("clinical", "sessions_app/clinical/partials/_dashboard_panel.html", dashboard, 15)
    )
    register_panel("chart_main", Panel("clinical", "sessions_app/clinical/partials/_chart_panel.html", chart, 25))
