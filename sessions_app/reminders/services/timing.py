"""When a reminder goes out: offsets counted on the clinic's wall clock, and SMS quiet hours
(default 21:00–08:00 clinic time) that an SMS waits out."""

from __future__ import annotations

import datetime as dt

from django.conf import settings

from kap_clinic.common import clock


def _parse_hhmm(text: str) -> dt.time:
    hours, minutes = text.split(":")
    return dt.time(int(hours), int(minutes))


def quiet_hours() -> tuple[dt.time, dt.time] | None:
    value = settings.REMINDER_QUIET_HOURS
    return (_parse_hhmm(value[0]), _parse_hhmm(value[1])) if value else None


def in_quiet_hours(at: dt.datetime) -> bool:
    window = quiet_hours()
    if window is None:
        return False
    start, end = window
    local = clock.to_local(at).time()
    return (start <= local or local < end) if start > end else (start <= local < end)


def quiet_hours_end(at: dt.datetime) -> dt.datetime:
    """The first instant at or after ``at`` outside quiet hours (clinic wall clock, DST-safe)."""
    if not in_quiet_hours(at):
        return at
    _, end = quiet_hours()  # type: ignore[misc]
    local = clock.to_local(at)
    day = local.date() if local.time() < end else local.date() + dt.timedelta(days=1)
    return _wall_clock(day, end)


def quiet_hours_start_before(at: dt.datetime) -> dt.datetime:
    """The last minute before the quiet period that contains ``at`` began."""
    start, _ = quiet_hours()  # type: ignore[misc]
    local = clock.to_local(at)
    day = local.date() if local.time() >= start else local.date() - dt.timedelta(days=1)
    return _wall_clock(day, start) - dt.timedelta(minutes=1)


def _wall_clock(day: dt.date, at: dt.time) -> dt.datetime:
    naive = dt.datetime.combine(day, at)
    aware = naive.replace(tzinfo=clock.clinic_zone())
    # A wall-clock time the clocks skip (spring forward) becomes the first real instant after it.
    return aware.astimezone(dt.UTC).astimezone(clock.clinic_zone())


def sms_send_time(due: dt.datetime, *, deadline: dt.datetime | None) -> dt.datetime:
    """Move an SMS out of quiet hours: later to their end, or earlier if that would be too late."""
    if not in_quiet_hours(due):
        return due
    later = quiet_hours_end(due)
    if deadline is None or later < deadline:
        return later
    return quiet_hours_start_before(due)


def before(at: dt.datetime, minutes: int) -> dt.datetime:
    """``minutes`` before ``at``. Whole days count on the clinic's wall clock, so "48 h before"
    a Monday 10:00 session is Saturday 10:00 even when the clocks change on the Sunday; shorter
    offsets are elapsed time ("2 h before" is always 120 minutes before)."""
    return after(at, -minutes)


def after(at: dt.datetime, minutes: int) -> dt.datetime:
    if minutes % 1440:
        return at + dt.timedelta(minutes=minutes)
    local = clock.to_local(at)
    return _wall_clock(local.date() + dt.timedelta(days=minutes // 1440), local.time())
