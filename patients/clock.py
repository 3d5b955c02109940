"""Dates and times in the clinic's zone, whatever zone is active.

Pages activate the clinic zone per request, but management commands, Celery tasks and PDF
rendering run with UTC active; a weight measured at 9 pm in New York must not land on the next day.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django.conf import settings
from django.utils import timezone


def clinic_zone() -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(settings.CLINIC_TIME_ZONE)


def clinic_localtime(value: dt.datetime | None = None) -> dt.datetime:
    return timezone.localtime(value, timezone=clinic_zone())


def clinic_date(value: dt.datetime | None = None) -> dt.date:
    """The calendar date in the clinic at ``value`` (default now)."""
    return clinic_localtime(value).date()
