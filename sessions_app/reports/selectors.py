"""Reads of report rows that are not a single report's page."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Min

from kap_clinic.ops.queues import Backlog
from sessions_app.reports.models import GeneratedReport


def reports_backlog(now: dt.datetime) -> Backlog:
    """Reports queued and not yet picked up by a worker, and since when the oldest was asked for (one
    query, on the status/created_at index)."""
    row = GeneratedReport.objects.filter(status=GeneratedReport.Status.QUEUED).aggregate(
        count=Count("id"), oldest=Min("created_at")
    )
    return Backlog(count=row["count"], oldest_at=row["oldest"])
