"""Reminders: planning rows, the minute sweep that sends them, retries, and an admin's resend.

Rules (issue 7; reliability.md §6):
- Rows are the truth. ``reminders_replan_for_session`` runs inside the scheduling service's
  transaction whenever a session is booked, moved, cancelled or changes status; it never talks
  to the broker, so a booking succeeds with Redis down and the sweep sends what is due later.
- One row per (session, kind, channel, offset) (a database constraint). Moving a session
  re-arms its rows for the new time; a cancelled session's pending rows are cancelled.
- A channel the patient turns on after booking (or a newly given mobile or email) is planned
  for their upcoming sessions by the minute sweep (``reminders_plan_new_channels``).
- Sending claims a row with a conditional UPDATE (pending → sending, with a fresh claim token);
  only the caller whose UPDATE changed the row sends, so two sweeps or workers racing never
  send twice. The claim holder alone may finish the row (``claim_token`` in the WHERE).
- At send time the row is checked again: a session that moved, was cancelled or has started,
  a patient who opted out of the channel, a questionnaire already done, a consent already
  signed: nothing goes out (status skipped/cancelled with the reason).
- Transient channel failures retry with exponential backoff (in the database, not as broker
  countdowns), then the row is failed and listed for admins, who can resend.
- SMS waits out the clinic's quiet hours (default 21:00–08:00 clinic time).
- A worker that died mid-send leaves a ``sending`` row; after ``STALE_CLAIM`` it goes back to
  pending and is sent again with the same idempotency key (the SMS provider drops the copy).
- Messages carry no clinical detail: a time, a place, practical instructions, a portal link.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from kap_clinic.audit.services import audit_record
from kap_clinic.common import clock
from kap_clinic.common.errors import InvalidTransition, PermissionDeniedError
from patients.models import Assessment, Patient
from sessions_app.reminders.messaging import (
    OutgoingMessage,
    PermanentSendError,
    SendError,
    TransientSendError,
)
from sessions_app.reminders.messaging.email import send_email
from sessions_app.reminders.messaging.sms import send_sms
from sessions_app.reminders.models import Reminder
from sessions_app.scheduling.models import Session, SessionKind

log = logging.getLogger(__name__)

K, C, S = Reminder.Kind, Reminder.Channel, Reminder.Status
UPCOMING = (Session.Status.SCHEDULED, Session.Status.CONFIRMED)
# A claim older than this belongs to a worker that died (the task hard limit is 5 minutes).
STALE_CLAIM = dt.timedelta(minutes=10)
BACKOFF_BASE_SECONDS = 60
BACKOFF_MAX_SECONDS = 60 * 60
PHQ9_RECENT = dt.timedelta(days=7)


# --- planning -----------------------------------------------------------------------------


def patient_channels(patient: Patient) -> list[str]:
    """The channels the patient chose and can be reached on."""
    channels = []
    if patient.reminder_email_opt_in and patient.email:
        channels.append(C.EMAIL)
    if patient.reminder_sms_opt_in and patient.mobile:
        channels.append(C.SMS)
    return channels


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
    offsets = [(K.APPOINTMENT, m) for m in settings.REMINDER_OFFSETS]
    if session.kind == SessionKind.DOSING:
        offsets.append((K.QUESTIONNAIRE, settings.REMINDER_QUESTIONNAIRE_OFFSET))
    plan = []
    for kind, minutes in offsets:
        for channel in channels:
            due = before(session.starts_at, minutes)
            if channel == C.SMS:
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
    wanted = _session_plan(session)
    touched: list[Reminder] = []
    for item in wanted:
        row = rows.pop((item.kind, item.channel, item.offset_minutes), None)
        too_late = item.due_at <= now
        if row is None:
            if too_late:
                continue
            row = Reminder.objects.create(
                patient=session.patient,
                session=session,
                kind=item.kind,
                channel=item.channel,
                offset_minutes=item.offset_minutes,
                planned_for=session.starts_at,
                due_at=item.due_at,
                next_attempt_at=item.due_at,
            )
            touched.append(row)
            continue
        moved = row.planned_for != session.starts_at
        if not moved and row.due_at == item.due_at and row.status != S.CANCELLED:
            continue
        if not moved and row.status in (S.SENT, S.SKIPPED, S.FAILED, S.SENDING):
            continue  # same appointment time: what happened to this row stands
        if too_late:
            # The new time leaves no room for this reminder; what was sent for the old time stands.
            if row.status in (S.PENDING, S.FAILED, S.SENDING):
                _set(
                    row,
                    status=S.CANCELLED,
                    status_reason="Too close to the session after it was moved",
                    claimed_at=None,
                    claim_token=None,
                    now=now,
                )
                touched.append(row)
            continue
        _set(
            row,
            status=S.PENDING,
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
        touched.append(row)
    reason = _inactive_reason(session) or "No longer planned (channel or offsets changed)"
    for row in rows.values():
        if row.status in (S.PENDING, S.FAILED, S.SENDING):
            _set(row, status=S.CANCELLED, status_reason=reason, claimed_at=None, claim_token=None, now=now)
            touched.append(row)
    return touched


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

    email = Q(patient__reminder_email_opt_in=True) & ~Q(patient__email="") & lacks(C.EMAIL)
    sms = Q(patient__reminder_sms_opt_in=True) & ~Q(patient__mobile="") & lacks(C.SMS)
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


def _inactive_reason(session: Session) -> str:
    if session.status == Session.Status.CANCELLED:
        return "Session cancelled"
    if session.status not in UPCOMING:
        return f"Session {session.get_status_display().lower()}"
    return ""


def _set(row: Reminder, *, now: dt.datetime, **values: Any) -> None:
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
    planned = Reminder.objects.filter(kind=K.CONSENT, signing_request=OuterRef("pk"))
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
                at = sms_send_time(due, deadline=None) if channel == C.SMS else due
                if at >= request.expires_at:
                    continue
                rows.append(
                    Reminder(
                        patient=request.patient,
                        signing_request=request,
                        kind=K.CONSENT,
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
    Reminder.objects.filter(closed, kind=K.CONSENT, status=S.PENDING).update(
        status=S.CANCELLED, status_reason="Signed or withdrawn", updated_at=now
    )
    return created


# --- the sweep ----------------------------------------------------------------------------


def due_reminders(*, now: dt.datetime | None = None, limit: int = 200):  # noqa: ANN201 - QuerySet
    """Pending reminders whose time has come, oldest first (index ``reminder_due``)."""
    now = now or timezone.now()
    return Reminder.objects.filter(status=S.PENDING, next_attempt_at__lte=now).order_by("next_attempt_at")[:limit]


def reminder_claim(reminder_id: int, *, now: dt.datetime | None = None) -> uuid.UUID | None:
    """Claim one due reminder for sending; None when someone else has it (or it is not due)."""
    now = now or timezone.now()
    token = uuid.uuid4()
    changed = Reminder.objects.filter(pk=reminder_id, status=S.PENDING, next_attempt_at__lte=now).update(
        status=S.SENDING, claimed_at=now, claim_token=token, attempts=F("attempts") + 1, updated_at=now
    )
    return token if changed else None


def _finish(reminder_id: int, token: uuid.UUID, **values: Any) -> bool:
    """Finish a claimed row; False when the claim was lost (re-armed by a move, or recovered)."""
    values.setdefault("claimed_at", None)
    values.setdefault("claim_token", None)
    return bool(
        Reminder.objects.filter(pk=reminder_id, status=S.SENDING, claim_token=token).update(
            **values, updated_at=timezone.now()
        )
    )


def backoff(attempts: int) -> dt.timedelta:
    """1, 2, 4, 8 … minutes (capped at an hour), ±20% jitter so retries do not arrive together."""
    seconds = min(BACKOFF_BASE_SECONDS * 2 ** max(attempts - 1, 0), BACKOFF_MAX_SECONDS)
    return dt.timedelta(seconds=seconds * random.uniform(0.8, 1.2))  # noqa: S311 - jitter, not security


def _why_not(reminder: Reminder, now: dt.datetime) -> tuple[str, str] | None:
    """(status, reason) when this reminder must not go out now, else None."""
    patient = reminder.patient
    if reminder.session_id:
        session = reminder.session
        if session.status not in UPCOMING:
            return S.CANCELLED, _inactive_reason(session)
        if session.starts_at != reminder.planned_for:
            return S.SKIPPED, "Session moved since this reminder was planned"
        if now >= session.starts_at:
            return S.SKIPPED, "Session already started"
        if reminder.kind == K.APPOINTMENT and _superseded(reminder, now):
            return S.SKIPPED, "A later reminder for the same session is due now"
        if reminder.kind == K.QUESTIONNAIRE and _phq9_recent(patient, session):
            return S.SKIPPED, "PHQ-9 completed in the past 7 days"
    else:
        request = reminder.signing_request
        if request is None or request.status_at(now) != "pending":
            return S.CANCELLED, "Signed or withdrawn"
        if _records_withdrawn(patient):
            # They sign on paper now: a nudge to sign in the portal would be wrong on any channel.
            return S.SKIPPED, "Patient withdrew consent to electronic records"
    if reminder.channel not in patient_channels(patient):
        return S.SKIPPED, f"Patient opted out of {reminder.get_channel_display()} reminders"
    return None


def _superseded(reminder: Reminder, now: dt.datetime) -> bool:
    # After an outage the 48 h and the 2 h reminder can both be due: send only the nearer one.
    return Reminder.objects.filter(
        session_id=reminder.session_id,
        kind=K.APPOINTMENT,
        channel=reminder.channel,
        offset_minutes__lt=reminder.offset_minutes,
        status__in=(S.PENDING, S.SENDING, S.SENT),
        due_at__lte=now,
        planned_for=reminder.planned_for,
    ).exists()


def _phq9_recent(patient: Patient, session: Session) -> bool:
    # The pre-dose check's window: a PHQ-9 in the 7 days before the session still counts then.
    return Assessment.objects.filter(
        patient=patient,
        instrument="phq9",
        voided_at__isnull=True,
        administered_at__gte=session.starts_at - PHQ9_RECENT,
    ).exists()


def _records_withdrawn(patient: Patient) -> bool:
    from consent.selectors import electronic_records_withdrawn

    return electronic_records_withdrawn(patient=patient)


@dataclass(frozen=True)
class Delivery:
    reminder_id: int
    outcome: str  # sent | retry | failed | skipped | cancelled | deferred | not_claimed | lost_claim


def reminder_deliver(reminder_id: int, *, now: dt.datetime | None = None) -> Delivery:
    """Claim, check, render and send one reminder, then record what happened. Safe to repeat."""
    now = now or timezone.now()
    token = reminder_claim(reminder_id, now=now)
    if token is None:
        return Delivery(reminder_id, "not_claimed")
    reminder = Reminder.objects.select_related("patient", "session", "session__room__location", "signing_request").get(
        pk=reminder_id
    )
    refusal = _why_not(reminder, now)
    if refusal is not None:
        status, reason = refusal
        _finish(reminder_id, token, status=status, status_reason=reason[:120])
        return Delivery(reminder_id, status)
    if reminder.channel == C.SMS and in_quiet_hours(now):
        # Not a failure: hand the row back, due when quiet hours end.
        _finish(
            reminder_id,
            token,
            status=S.PENDING,
            next_attempt_at=quiet_hours_end(now),
            attempts=F("attempts") - 1,
            status_reason="Waiting for quiet hours to end",
        )
        return Delivery(reminder_id, "deferred")
    message = render_reminder(reminder)
    try:
        provider_id = send_email(message) if reminder.channel == C.EMAIL else send_sms(message)
    except TransientSendError as exc:
        attempts = reminder.attempts
        if attempts >= settings.REMINDER_MAX_ATTEMPTS:
            _finish(reminder_id, token, status=S.FAILED, last_error=f"{exc.detail} (after {attempts} attempts)")
            _audit_failed(reminder)
            return Delivery(reminder_id, "failed")
        _finish(
            reminder_id,
            token,
            status=S.PENDING,
            next_attempt_at=now + backoff(attempts),
            last_error=exc.detail,
        )
        return Delivery(reminder_id, "retry")
    except PermanentSendError as exc:
        _finish(reminder_id, token, status=S.FAILED, last_error=exc.detail)
        _audit_failed(reminder)
        return Delivery(reminder_id, "failed")
    except SendError as exc:  # pragma: no cover - the two subclasses above are the contract
        _finish(reminder_id, token, status=S.FAILED, last_error=exc.detail)
        return Delivery(reminder_id, "failed")
    with transaction.atomic():
        if not _finish(
            reminder_id,
            token,
            status=S.SENT,
            sent_at=timezone.now(),
            provider_message_id=(provider_id or "")[:120],
            status_reason="",
            last_error="",
        ):
            log.warning("reminder %s: claim lost while sending (moved or recovered); not marked sent", reminder_id)
            return Delivery(reminder_id, "lost_claim")
        audit_record(
            actor=None,
            action="reminder.sent",
            target=reminder,
            patient=reminder.patient,
            changed_fields=["status", "sent_at"],
        )
    return Delivery(reminder_id, "sent")


def _audit_failed(reminder: Reminder) -> None:
    audit_record(
        actor=None, action="reminder.failed", target=reminder, patient=reminder.patient, changed_fields=["status"]
    )


def reminders_recover_stale(*, now: dt.datetime | None = None) -> int:
    """Rows left ``sending`` by a worker that died go back to pending (or fail after the last try)."""
    now = now or timezone.now()
    stale = Q(status=S.SENDING, claimed_at__lt=now - STALE_CLAIM)
    failed = Reminder.objects.filter(stale, attempts__gte=settings.REMINDER_MAX_ATTEMPTS).update(
        status=S.FAILED,
        claimed_at=None,
        claim_token=None,
        last_error="The worker stopped while sending (no confirmation recorded)",
        updated_at=now,
    )
    again = Reminder.objects.filter(stale).update(
        status=S.PENDING,
        claimed_at=None,
        claim_token=None,
        next_attempt_at=now,
        last_error="The worker stopped while sending; sending again",
        updated_at=now,
    )
    return failed + again


def reminders_send_due(
    *, now: dt.datetime | None = None, limit: int = 200, budget_seconds: float = 45.0
) -> dict[str, int]:
    """Send every due reminder (up to ``limit``) within the time budget; count the outcomes."""
    counts: dict[str, int] = {}
    started = time.monotonic()
    ids = list(due_reminders(now=now, limit=limit).values_list("pk", flat=True))
    for reminder_id in ids:
        if time.monotonic() - started > budget_seconds:
            break  # the next sweep, a minute from now, carries on
        try:
            outcome = reminder_deliver(reminder_id, now=now).outcome
        except Exception:  # one bad row must not stop the others; its claim expires into a retry
            log.exception("reminder %s could not be processed", reminder_id)
            outcome = "error"
        counts[outcome] = counts.get(outcome, 0) + 1
    return counts


# --- rendering ----------------------------------------------------------------------------

DOSING_INSTRUCTIONS = (
    "Do not eat for 2 hours before your appointment.",
    "Do not drink anything, including water, for 30 minutes before your appointment.",
    "Arrange for someone to take you home; you cannot leave on your own.",
    "Do not drive or operate machinery until the next day, after a night's sleep.",
)


def portal_link() -> str:
    return settings.SITE_URL.rstrip("/") + reverse("portal:home")


def message_context(reminder: Reminder) -> dict[str, Any]:
    """What a reminder may say: time, place, practical instructions, a portal link. Nothing clinical."""
    context: dict[str, Any] = {
        "sender": settings.REMINDER_SENDER_NAME,
        "portal_link": portal_link(),
        "kind": reminder.kind,
    }
    session = reminder.session
    if session is not None:
        start = clock.to_local(session.starts_at)
        location = session.room.location if session.room_id else None
        context.update(
            when=f"{date_format(start, 'l j F Y')} at {start:%H:%M}",
            when_short=f"{date_format(start, 'D j M')} {start:%H:%M}",
            place=location.name if location else "",
            address=location.address if location else "",
            instructions=DOSING_INSTRUCTIONS if session.kind == SessionKind.DOSING else (),
        )
    return context


def render_reminder(reminder: Reminder) -> OutgoingMessage:
    context = message_context(reminder)
    template = f"reminder_{reminder.kind}"
    with timezone.override(clock.clinic_zone()):
        key = f"{reminder.public_id}-{int(reminder.planned_for.timestamp())}"
        if reminder.channel == C.SMS:
            text = render_to_string(f"sms/{template}.txt", context).strip()
            return OutgoingMessage(to=reminder.patient.mobile, text=text, idempotency_key=key)
        subject = render_to_string(f"emails/{template}/subject.txt", context).strip().replace("\n", " ")
        return OutgoingMessage(
            to=reminder.patient.email,
            subject=subject,
            text=render_to_string(f"emails/{template}/body.txt", context),
            html=render_to_string(f"emails/{template}/body.html", context),
            idempotency_key=key,
        )


# --- admin actions --------------------------------------------------------------------------

RESENDABLE = (S.FAILED,)


@transaction.atomic
def reminder_resend(*, actor: Any, reminder: Reminder) -> Reminder:
    """A practice admin sends a failed reminder again: back to pending, due now, attempts reset.

    The send itself happens in ``reminder_send_task`` after commit (or the next sweep when the
    broker is away). Raises PermissionDeniedError (not an admin) or InvalidTransition (not failed).
    """
    if not (actor and actor.is_authenticated and actor.is_active and actor.is_practice_admin):
        raise PermissionDeniedError("Only a practice admin may resend reminders.")
    reminder = Reminder.objects.select_for_update().select_related("patient").get(pk=reminder.pk)
    if reminder.status not in RESENDABLE:
        raise InvalidTransition(
            f"Only failed reminders can be resent; this one is {reminder.get_status_display().lower()}.",
            field="status",
        )
    now = timezone.now()
    _set(
        reminder,
        status=S.PENDING,
        status_reason="Resent by an admin",
        attempts=0,
        next_attempt_at=now,
        last_error="",
        now=now,
    )
    audit_record(
        actor=actor, action="reminder.resent", target=reminder, patient=reminder.patient, changed_fields=["status"]
    )
    from sessions_app.tasks import reminder_send_task

    enqueue_after_commit(reminder_send_task, reminder.pk)
    return reminder


# Publish once, no retry loop: with the broker down this fails in milliseconds instead of
# holding the request for seconds (Celery's default retries, or kombu's reconnects with
# retry=False, measured at 0.6–6 s against a closed port). The sweep is the retry.
PUBLISH_ONCE: dict[str, Any] = {"retry": True, "retry_policy": {"max_retries": 0}}


def enqueue_after_commit(task: Any, *ids: int) -> None:
    """Hand a task to the broker after commit; a broker outage is logged, never raised.

    The rows are the truth, so a lost hand-over only delays the work to the next sweep.
    """

    def hand_over() -> None:
        try:
            task.apply_async(args=list(ids), **PUBLISH_ONCE)
        except Exception:
            log.warning("broker unavailable: %s%s left for the sweep", task.name, tuple(ids), exc_info=True)

    transaction.on_commit(hand_over)


def reminders_for_session(session: Session) -> Iterable[Reminder]:
    return session.reminders.order_by("due_at", "channel")
