"""Panels of the background-jobs work (registered from apps.py with one call):

- chart_main: "Reports" on the patient chart, a link to what can be printed for this patient
  (care-team clinicians: clinical reports; anyone who may see the chart: signed consents);
- dashboard: for practice admins, failed reminders and reports waiting for them.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils import timezone

from kap_clinic.accounts.permissions import ADMIN, STAFF, user_has_role
from sessions_app.reminders.models import Reminder
from sessions_app.reports.models import GeneratedReport


def chart_reports(request: HttpRequest, patient: Any = None, **_: Any) -> dict | None:
    if patient is None or not user_has_role(request.user, STAFF):
        return None
    return {"reports_patient": patient}


def dashboard_jobs(request: HttpRequest, **_: Any) -> dict | None:
    if not user_has_role(request.user, ADMIN):
        return None
    now = timezone.now()
    failed = Reminder.objects.filter(status=Reminder.Status.FAILED).count()
    overdue = Reminder.objects.filter(
        status__in=(Reminder.Status.PENDING, Reminder.Status.SENDING), next_attempt_at__lt=now - dt.timedelta(minutes=5)
    ).count()
    failed_reports = GeneratedReport.objects.filter(status=GeneratedReport.Status.FAILED).count()
    return {"jobs_failed_reminders": failed, "jobs_overdue_reminders": overdue, "jobs_failed_reports": failed_reports}


def register() -> None:
    from kap_clinic.common.panels import Panel
    from kap_clinic.common.panels import register as register_panel

    register_panel("chart_main", Panel("reports", "sessions_app/reports/partials/_chart_panel.html", chart_reports, 90))
    register_panel("dashboard", Panel("jobs", "sessions_app/reports/partials/_dashboard_panel.html", dashboard_jobs, 5))
