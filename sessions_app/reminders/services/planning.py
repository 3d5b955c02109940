"""Planning reminder rows; see reliability.md §6.

- Rows are the truth. ``reminders_replan_for_session`` runs inside the scheduling service's
  transaction whenever a session is booked, moved, cancelled or changes status (registered on
  ``scheduling.hooks.on_session_changed``); it never talks to the broker, so a booking succeeds
  with Redis down and the sweep sends what is due later.
- One row per (session, kind, channel, offset) (a database constraint). Moving a session
  re-arms its rows for the new time; a cancelled session's pending rows are cancelled.
- A channel the patient turns on after booking (or a newly given mobile or email) is planned
  for their upcoming sessions by the minute sweep (``reminders_plan_new_channels``).
- Signing requests waiting for a signature get consent reminders (``reminders_plan_consent``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from patients.models import Patient
from sessions_app.reminders.models import Reminder
from sessions_app.reminders.services.timing import after, before, sms_send_time
from sessions_app.scheduling.models import Session, SessionKind

UPCOMING = (Session.Status.SCHEDULED, Session.Status.CONFIRMED)
# A row in these states may still go out: cancelling it stops that.
UNFINISHED = (Reminder.Status.PENDING, Reminder.Status.FAILED, Reminder.Status.SENDING)
# While the appointment time is unchanged, what happened to a row in these states stands.
SETTLED = (Reminder.Status.SENT, Reminder.Status.SKIPPED, Reminder.Status.FAILED, Reminder.Status.SENDING)


def patient_channels(patient: Patient) -> list[str]:
    """The channels the patient chose and can be reached on."""
    channels = []
    if patient.reminder_email_opt_in and patient.email:
        channels.append(Reminder.Channel.EMAIL)
    if patient.reminder_sms_opt_in and patient.mobile:
        channels.append(Reminder.Channel.SMS)
    return channels


@dataclass(frozen=True)
class Planned:
    kind: str
    channel: str
    offset_minutes: int
    due_at: dt.datetime


def _session_plan(session: Session) -> list[Planned]:
    if session.status not in UPCOMING:
        return []
    channels = patient_channels(session.patient)
    offsets = [(Reminder.Kind.APPOINTMENT, m) for m in settings.REMINDER_OFFSETS]
    if session.kind == SessionKind.DOSING:
        offsets.append((Reminder.Kind.QUESTIONNAIRE, settings.REMINDER_QUESTIONNAIRE_OFFSET))
    plan = []
    for kind, minutes in offsets:
        for channel in channels:
            due = before(session.starts_at, minutes)
            if channel == Reminder.Channel.SMS:
                due = sms_send_time(due, deadline=session.starts_at - dt.timedelta(minutes=30))
            plan.append(Planned(kind, channel, minutes, due))
    return plan


@transaction.atomic
def reminders_replan_for_session(*, session: Session, now: dt.datetime | None = None) -> list[Reminder]:
    """Make the session's reminder rows match the session as it is now. Safe to call any time.

    Call it from every scheduling service that books, moves, cancels or changes a session's
    status, inside that service's transaction. It only writes rows (never the broker).
    - booked: one pending row per (kind, channel, offset) still in the future;
    - moved: each row is re-armed for the new time (pending, attempts reset), even one already
      sent for the old time; rows whose time has passed are cancelled;
    - cancelled, no-show, started or completed: pending rows are cancelled.
    A row already in flight (sending) that is re-armed is sent again for the new time: the old
    sender's claim no longer matches, so it cannot mark the row sent.
    """
    now = now or timezone.now()
    session = Session.objects.select_related("patient").get(pk=session.pk)
    rows = {
        (r.kind, r.channel, r.offset_minutes): r
        for r in Reminder.objects.select_for_update().filter(session=session).order_by("id")
    }
    touched: list[Reminder] = []
    for item in _session_plan(session):
        row = rows.pop((item.kind, item.channel, item.offset_minutes), None)
        changed = _new_row(session, item, now) if row is None else _follow_session(row, item, session, now)
        if changed is not None:
            touched.append(changed)
    reason = session_inactive_reason(session) or "No longer planned (channel or offsets changed)"
    for row in rows.values():
        if row.status in UNFINISHED:
            reminder_set(
                row, status=Reminder.Status.CANCELLED, status_reason=reason, claimed_at=None, claim_token=None, now=now
            )
            touched.append(row)
    return touched


def _new_row(session: Session, item: Planned, now: dt.datetime) -> Reminder | None:
    """A pending row for a planned reminder whose time is still to come."""
    if item.due_at <= now:
        return None
    return Reminder.objects.create(
        patient=session.patient,
        session=session,
        kind=item.kind,
        channel=item.channel,
        offset_minutes=item.offset_minutes,
        planned_for=session.starts_at,
        due_at=item.due_at,
        next_attempt_at=item.due_at,
    )


def _follow_session(row: Reminder, item: Planned, session: Session, now: dt.datetime) -> Reminder | None:
    """Re-arm ``row`` for the session's time, or cancel it when that leaves no room; None when the
    row stands as it is."""
    moved = row.planned_for != session.starts_at
    if not moved and row.due_at == item.due_at and row.status != Reminder.Status.CANCELLED:
        return None
    if not moved and row.status in SETTLED:
        return None  # same appointment time: what happened to this row stands
    if item.due_at <= now:
        # The new time leaves no room for this reminder; what was sent for the old time stands.
        if row.status not in UNFINISHED:
            return None
        reminder_set(
            row,
            status=Reminder.Status.CANCELLED,
            status_reason="Too close to the session after it was moved",
            claimed_at=None,
            claim_token=None,
            now=now,
        )
        return row
    reminder_set(
        row,
        status=Reminder.Status.PENDING,
        status_reason="",
        planned_for=session.starts_at,
        due_at=item.due_at,
        next_attempt_at=item.due_at,
        attempts=0,
        claimed_at=None,
        claim_token=None,
        last_error="",
        now=now,
    )
    return row


def sessions_missing_a_channel(*, now: dt.datetime, limit: int = 200):  # noqa: ANN201 - QuerySet
    """Upcoming sessions whose patient can be reached on a channel that has no reminder row.

    Only sessions whose first reminder falls within a day from now: later ones are planned when
    they come that close (the scan then stays a few days of sessions, not the whole future book).
    """
    shortest = min(settings.REMINDER_OFFSETS, default=0)
    longest = max([*settings.REMINDER_OFFSETS, settings.REMINDER_QUESTIONNAIRE_OFFSET])
    horizon = now + dt.timedelta(minutes=longest) + dt.timedelta(days=1)

    def lacks(channel: str) -> Exists:
        return ~Exists(Reminder.objects.filter(session=OuterRef("pk"), channel=channel))

    email = Q(patient__reminder_email_opt_in=True) & ~Q(patient__email="") & lacks(Reminder.Channel.EMAIL)
    sms = Q(patient__reminder_sms_opt_in=True) & ~Q(patient__mobile="") & lacks(Reminder.Channel.SMS)
    return (
        Session.objects.filter(
            status__in=UPCOMING, starts_at__gt=now + dt.timedelta(minutes=shortest), starts_at__lte=horizon
        )
        .filter(email | sms)
        .order_by("starts_at")[:limit]
    )


def reminders_plan_new_channels(*, now: dt.datetime | None = None, limit: int = 200) -> int:
    """Plan reminders for a channel a patient chose after their sessions were booked (run by the
    minute sweep). The patients app cannot call this app, so a patient who turns SMS or email
    reminders on, or gives a mobile number or an email address, is picked up here: upcoming
    sessions whose patient can be reached on a channel that has no reminder row for them are
    re-planned (``reminders_replan_for_session``, idempotent). Sessions starting sooner than the
    shortest offset are left out (nothing is left to plan for them), and so are sessions whose
    first reminder is more than a day away (a later sweep plans them). Returns the sessions
    re-planned.
    """
    now = now or timezone.now()
    count = 0
    for session in sessions_missing_a_channel(now=now, limit=limit):
        reminders_replan_for_session(session=session, now=now)
        count += 1
    return count


def session_inactive_reason(session: Session) -> str:
    if session.status == Session.Status.CANCELLED:
        return "Session cancelled"
    if session.status not in UPCOMING:
        return f"Session {session.get_status_display().lower()}"
    return ""


def reminder_set(row: Reminder, *, now: dt.datetime, **values: Any) -> None:
    for name, value in values.items():
        setattr(row, name, value)
    row.updated_at = now
    Reminder.objects.filter(pk=row.pk).update(**values, updated_at=now)


def reminders_plan_consent(*, now: dt.datetime | None = None) -> int:
    """Plan reminders for signing requests waiting for a signature (run by the minute sweep).

    First ``REMINDER_CONSENT_FIRST`` (2 days) after the request, then every
    ``REMINDER_CONSENT_EVERY`` (3 days), at most ``REMINDER_CONSENT_MAX`` (3), never after the
    request expires. Requests signed or cancelled since get their pending rows cancelled. The
    consent app is only read; its rows are never changed here. Returns the rows created.
    """
    from consent.models import SigningRequest

    now = now or timezone.now()
    first, every, count = (
        settings.REMINDER_CONSENT_FIRST,
        settings.REMINDER_CONSENT_EVERY,
        settings.REMINDER_CONSENT_MAX,
    )
    planned = Reminder.objects.filter(kind=Reminder.Kind.CONSENT, signing_request=OuterRef("pk"))
    open_requests = (
        SigningRequest.objects.filter(used_at__isnull=True, cancelled_at__isnull=True, expires_at__gt=now)
        .filter(~Exists(planned))
        .select_related("patient")
        .order_by("id")[:500]
    )
    created = 0
    for request in open_requests:
        rows = []
        for n in range(count):
            minutes = first + n * every
            due = after(request.created_at, minutes)
            for channel in patient_channels(request.patient):
                at = sms_send_time(due, deadline=None) if channel == Reminder.Channel.SMS else due
                if at >= request.expires_at:
                    continue
                rows.append(
                    Reminder(
                        patient=request.patient,
                        signing_request=request,
                        kind=Reminder.Kind.CONSENT,
                        channel=channel,
                        offset_minutes=minutes,
                        planned_for=request.created_at,
                        due_at=at,
                        next_attempt_at=at,
                    )
                )
        if not rows:
            continue
        # ignore_conflicts: a concurrent sweep may have planned the same request a moment ago.
        created += len(Reminder.objects.bulk_create(rows, ignore_conflicts=True))
    closed = Q(signing_request__used_at__isnull=False) | Q(signing_request__cancelled_at__isnull=False)
    Reminder.objects.filter(closed, kind=Reminder.Kind.CONSENT, status=Reminder.Status.PENDING).update(
        status=Reminder.Status.CANCELLED, status_reason="Signed or withdrawn", updated_at=now
    )
    return created
