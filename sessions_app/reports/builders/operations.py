"""Operations report for practice admins: sessions per week by kind, no-show and late-cancel
rates, room utilisation, reminders sent and failed. Counts only: no patient appears in it.

Definitions (printed on the report):
- weeks run Monday to Sunday in the clinic's time zone;
- no-show rate: no-shows / sessions whose start has passed and that were not cancelled;
- late-cancel rate: cancellations flagged late / all sessions booked in the period;
- room utilisation: minutes booked in a room (sessions not cancelled) / opening minutes, the
  opening time being ``OPEN_FROM``–``OPEN_UNTIL`` on weekdays.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.utils import timezone

from kap_clinic.common import clock
from sessions_app.reminders.models import Reminder
from sessions_app.reports.builders import ReportDataError
from sessions_app.reports.builders.common import Header, header
from sessions_app.reports.models import GeneratedReport
from sessions_app.scheduling.models import Room, Session, SessionKind

OPEN_FROM, OPEN_UNTIL = dt.time(8), dt.time(18)
DEFAULT_WEEKS = 8
MAX_DAYS = 370


@dataclass
class WeekRow:
    week_start: dt.date
    by_kind: list[int]
    total: int
    no_shows: int
    late_cancels: int


@dataclass
class RoomRow:
    name: str
    booked_hours: float
    open_hours: float
    utilisation: float | None


@dataclass
class ReminderRow:
    week_start: dt.date
    sent_email: int
    sent_sms: int
    failed: int
    skipped: int


@dataclass
class OperationsContext:
    header: Header
    start: dt.date
    end: dt.date  # inclusive
    kinds: list[str]
    weeks: list[WeekRow]
    totals_by_kind: list[int]
    total_sessions: int
    no_show_rate: float | None
    no_shows: int
    attended_or_missed: int
    late_cancel_rate: float | None
    late_cancels: int
    cancellations: int
    rooms: list[RoomRow]
    reminders: list[ReminderRow]
    reminders_sent: int
    reminders_failed: int
    open_from: dt.time = OPEN_FROM
    open_until: dt.time = OPEN_UNTIL


def default_period(today: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """The last ``DEFAULT_WEEKS`` full weeks before this one."""
    today = today or clock.local_today()
    this_monday = today - dt.timedelta(days=today.weekday())
    return this_monday - dt.timedelta(weeks=DEFAULT_WEEKS), this_monday - dt.timedelta(days=1)


def period_from(params: dict) -> tuple[dt.date, dt.date]:
    try:
        start = dt.date.fromisoformat(params["start"])
        end = dt.date.fromisoformat(params["end"])
    except (KeyError, TypeError, ValueError):
        raise ReportDataError("The report period is missing or not a date (YYYY-MM-DD).") from None
    if end < start:
        raise ReportDataError("The period ends before it starts.")
    if (end - start).days > MAX_DAYS:
        raise ReportDataError(f"The period is longer than {MAX_DAYS} days.")
    return start, end


def _monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def build(report: GeneratedReport) -> OperationsContext:
    start, end = period_from(report.params)
    lo, hi = clock.day_bounds(start)[0], clock.day_bounds(end)[1]
    now = timezone.now()
    kinds = list(SessionKind)
    weeks: dict[dt.date, WeekRow] = {}
    monday = _monday(start)
    while monday <= end:
        weeks[monday] = WeekRow(monday, [0] * len(kinds), 0, 0, 0)
        monday += dt.timedelta(weeks=1)
    rows = Session.objects.filter(starts_at__gte=lo, starts_at__lt=hi).values_list(
        "starts_at", "ends_at", "kind", "status", "late_cancel", "room_id"
    )
    booked: dict[int, float] = defaultdict(float)
    total = no_shows = passed = late = cancelled = 0
    kind_index = {k.value: i for i, k in enumerate(kinds)}
    for starts_at, ends_at, kind, status, late_cancel, room_id in rows:
        week = weeks[_monday(clock.to_local(starts_at).date())]
        total += 1
        if status == Session.Status.CANCELLED:
            cancelled += 1
            if late_cancel:
                late += 1
                week.late_cancels += 1
            continue
        week.by_kind[kind_index[kind]] += 1
        week.total += 1
        if room_id:
            booked[room_id] += (ends_at - starts_at).total_seconds() / 3600
        if starts_at <= now:
            passed += 1
            if status == Session.Status.NO_SHOW:
                no_shows += 1
                week.no_shows += 1
    rooms = _room_rows(start, end, booked)
    reminder_weeks, sent, failed = _reminder_weeks(weeks, lo, hi)
    week_rows = list(weeks.values())
    return OperationsContext(
        header=header(report, "Operations report"),
        start=start,
        end=end,
        kinds=[k.label for k in kinds],
        weeks=week_rows,
        totals_by_kind=[sum(w.by_kind[i] for w in week_rows) for i in range(len(kinds))],
        total_sessions=total,
        no_show_rate=(no_shows / passed) if passed else None,
        no_shows=no_shows,
        attended_or_missed=passed,
        late_cancel_rate=(late / total) if total else None,
        late_cancels=late,
        cancellations=cancelled,
        rooms=rooms,
        reminders=reminder_weeks,
        reminders_sent=sent,
        reminders_failed=failed,
    )


def _room_rows(start: dt.date, end: dt.date, booked: dict[int, float]) -> list[RoomRow]:
    """Each active room's booked hours against the clinic's opening hours on the period's weekdays."""
    weekdays = sum(1 for n in range((end - start).days + 1) if (start + dt.timedelta(days=n)).weekday() < 5)
    day_hours = (OPEN_UNTIL.hour * 60 + OPEN_UNTIL.minute - OPEN_FROM.hour * 60 - OPEN_FROM.minute) / 60
    open_hours = weekdays * day_hours
    return [
        RoomRow(
            name=f"{room.location.name} · {room.name}",
            booked_hours=round(booked.get(room.pk, 0.0), 1),
            open_hours=open_hours,
            utilisation=(booked.get(room.pk, 0.0) / open_hours) if open_hours else None,
        )
        for room in Room.objects.select_related("location").filter(active=True).order_by("location__name", "name")
    ]


def _reminder_weeks(
    weeks: dict[dt.date, WeekRow], lo: dt.datetime, hi: dt.datetime
) -> tuple[list[ReminderRow], int, int]:
    """Reminders due in the period by week and outcome, and the period's sent and failed totals."""
    reminder_weeks = {w: ReminderRow(w, 0, 0, 0, 0) for w in weeks}
    sent = failed = 0
    for due_at, status, channel in Reminder.objects.filter(due_at__gte=lo, due_at__lt=hi).values_list(
        "due_at", "status", "channel"
    ):
        row = reminder_weeks[_monday(clock.to_local(due_at).date())]
        if status == Reminder.Status.SENT:
            sent += 1
            if channel == Reminder.Channel.SMS:
                row.sent_sms += 1
            else:
                row.sent_email += 1
        elif status == Reminder.Status.FAILED:
            failed += 1
            row.failed += 1
        elif status in (Reminder.Status.SKIPPED, Reminder.Status.CANCELLED):
            row.skipped += 1
    return list(reminder_weeks.values()), sent, failed
