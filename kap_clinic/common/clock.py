"""Clinic-local time, the one clock module. Stored datetimes are UTC; people think in the clinic's
wall clock.

Pages activate the clinic zone per request, but management commands, Celery tasks and PDF
rendering run with UTC active, so everything that needs the clinic's date or wall-clock time asks
here (a weight measured at 9 pm in New York must not land on the next day).

Weekly series and working hours are defined in wall-clock time, so a 09:00 session stays at
09:00 across a daylight-saving change (its UTC instant moves by an hour). Every conversion from
a wall-clock value to an instant goes through ``make_local`` so non-existent times (the hour
skipped in spring) are refused instead of silently shifted.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from functools import cache

from django.conf import settings
from django.utils import timezone

from kap_clinic.common.errors import ValidationFailed


@cache
def _zone(name: str) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(name)


def clinic_zone() -> zoneinfo.ZoneInfo:
    return _zone(settings.CLINIC_TIME_ZONE)


def to_local(value: dt.datetime) -> dt.datetime:
    return value.astimezone(clinic_zone())


def make_local(naive: dt.datetime, *, field: str | None = None) -> dt.datetime:
    """The instant at which the clinic's clock shows ``naive``; refuses a time the clock skips."""
    zone = clinic_zone()
    aware = naive.replace(tzinfo=zone)
    if aware.astimezone(dt.UTC).astimezone(zone).replace(tzinfo=None) != naive.replace(tzinfo=None):
        raise ValidationFailed(
            f"{naive:%Y-%m-%d %H:%M} does not exist in {zone.key} (the clocks skip it for daylight saving).",
            field=field,
        )
    return aware


def combine(day: dt.date, at: dt.time, *, field: str | None = None) -> dt.datetime:
    return make_local(dt.datetime.combine(day, at), field=field)


def parse_datetime(value: str | dt.datetime, *, field: str | None = None) -> dt.datetime:
    """An ISO datetime from a form, the API or the calendar; without an offset it is clinic-local."""
    if isinstance(value, dt.datetime):
        parsed = value
    else:
        try:
            parsed = dt.datetime.fromisoformat(str(value).strip().replace("Z", "+00:00"))
        except ValueError:
            raise ValidationFailed(f"{value!r} is not a date and time (use YYYY-MM-DDTHH:MM).", field=field) from None
    if timezone.is_naive(parsed):
        return make_local(parsed, field=field)
    return parsed


def day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """Start of ``day`` and of the next day in the clinic zone (23 or 25 hours apart at DST changes)."""
    return combine(day, dt.time.min), combine(day + dt.timedelta(days=1), dt.time.min)


def local_today() -> dt.date:
    return to_local(timezone.now()).date()


def clinic_localtime(value: dt.datetime | None = None) -> dt.datetime:
    """``value`` (default now) on the clinic's wall clock."""
    return timezone.localtime(value, timezone=clinic_zone())


def clinic_date(value: dt.datetime | None = None) -> dt.date:
    """The calendar date in the clinic at ``value`` (default now)."""
    return clinic_localtime(value).date()
