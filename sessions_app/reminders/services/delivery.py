"""The minute sweep's sending of due reminders, retries and recovery; see reliability.md §6.

- Sending claims a row with a conditional UPDATE (pending → sending, with a fresh claim token);
  only the caller whose UPDATE changed the row sends, so two sweeps or workers racing never
  send twice. The claim holder alone may finish the row (``claim_token`` in the WHERE).
- At send time the row is checked again: a session that moved, was cancelled or has started,
  a patient who opted out of the channel, a questionnaire already done, a consent already
  signed: nothing goes out (status skipped/cancelled with the reason).
- Transient channel failures retry with exponential backoff (in the database, not as broker
  countdowns), then the row is failed and listed for admins, who can resend.
- SMS waits out the clinic's quiet hours.
- A worker that died mid-send leaves a ``sending`` row; after ``STALE_CLAIM`` it goes back to
  pending and is sent again with the same idempotency key (the SMS provider drops the copy).
"""

from __future__ import annotations

import datetime as dt
import logging
import random
import time
import uuid
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from kap_clinic.audit.services import audit_record
from patients.models import Assessment, Patient
from sessions_app.reminders.messaging import PermanentSendError, SendError, TransientSendError
from sessions_app.reminders.messaging.email import send_email
from sessions_app.reminders.messaging.sms import send_sms
from sessions_app.reminders.models import Reminder
from sessions_app.reminders.services.messages import render_reminder
from sessions_app.reminders.services.planning import UPCOMING, patient_channels, session_inactive_reason
from sessions_app.reminders.services.timing import in_quiet_hours, quiet_hours_end
from sessions_app.scheduling.models import Session

log = logging.getLogger(__name__)

# A claim older than this belongs to a worker that died (the task hard limit is 5 minutes).
STALE_CLAIM = dt.timedelta(minutes=10)
BACKOFF_BASE_SECONDS = 60
BACKOFF_MAX_SECONDS = 60 * 60
PHQ9_RECENT = dt.timedelta(days=7)


def due_reminders(*, now: dt.datetime | None = None, limit: int = 200):  # noqa: ANN201 - QuerySet
    """Pending reminders whose time has come, oldest first (index ``reminder_due``)."""
    now = now or timezone.now()
    return Reminder.objects.filter(status=Reminder.Status.PENDING, next_attempt_at__lte=now).order_by(
        "next_attempt_at"
    )[:limit]


def reminder_claim(reminder_id: int, *, now: dt.datetime | None = None) -> uuid.UUID | None:
    """Claim one due reminder for sending; None when someone else has it (or it is not due)."""
    now = now or timezone.now()
    token = uuid.uuid4()
    changed = Reminder.objects.filter(pk=reminder_id, status=Reminder.Status.PENDING, next_attempt_at__lte=now).update(
        status=Reminder.Status.SENDING, claimed_at=now, claim_token=token, attempts=F("attempts") + 1, updated_at=now
    )
    return token if changed else None


def _finish(reminder_id: int, token: uuid.UUID, **values: Any) -> bool:
    """Finish a claimed row; False when the claim was lost (re-armed by a move, or recovered)."""
    values.setdefault("claimed_at", None)
    values.setdefault("claim_token", None)
    return bool(
        Reminder.objects.filter(pk=reminder_id, status=Reminder.Status.SENDING, claim_token=token).update(
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
            return Reminder.Status.CANCELLED, session_inactive_reason(session)
        if session.starts_at != reminder.planned_for:
            return Reminder.Status.SKIPPED, "Session moved since this reminder was planned"
        if now >= session.starts_at:
            return Reminder.Status.SKIPPED, "Session already started"
        if reminder.kind == Reminder.Kind.APPOINTMENT and _superseded(reminder, now):
            return Reminder.Status.SKIPPED, "A later reminder for the same session is due now"
        if reminder.kind == Reminder.Kind.QUESTIONNAIRE and _phq9_recent(patient, session):
            return Reminder.Status.SKIPPED, "PHQ-9 completed in the past 7 days"
    else:
        request = reminder.signing_request
        if request is None or request.status_at(now) != "pending":
            return Reminder.Status.CANCELLED, "Signed or withdrawn"
        if _records_withdrawn(patient):
            # They sign on paper now: a nudge to sign in the portal would be wrong on any channel.
            return Reminder.Status.SKIPPED, "Patient withdrew consent to electronic records"
    if reminder.channel not in patient_channels(patient):
        return Reminder.Status.SKIPPED, f"Patient opted out of {reminder.get_channel_display()} reminders"
    return None


def _superseded(reminder: Reminder, now: dt.datetime) -> bool:
    # After an outage the 48 h and the 2 h reminder can both be due: send only the nearer one.
    return Reminder.objects.filter(
        session_id=reminder.session_id,
        kind=Reminder.Kind.APPOINTMENT,
        channel=reminder.channel,
        offset_minutes__lt=reminder.offset_minutes,
        status__in=(Reminder.Status.PENDING, Reminder.Status.SENDING, Reminder.Status.SENT),
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
    if reminder.channel == Reminder.Channel.SMS and in_quiet_hours(now):
        # Not a failure: hand the row back, due when quiet hours end.
        _finish(
            reminder_id,
            token,
            status=Reminder.Status.PENDING,
            next_attempt_at=quiet_hours_end(now),
            attempts=F("attempts") - 1,
            status_reason="Waiting for quiet hours to end",
        )
        return Delivery(reminder_id, "deferred")
    message = render_reminder(reminder)
    try:
        provider_id = send_email(message) if reminder.channel == Reminder.Channel.EMAIL else send_sms(message)
    except TransientSendError as exc:
        attempts = reminder.attempts
        if attempts >= settings.REMINDER_MAX_ATTEMPTS:
            _finish(
                reminder_id,
                token,
                status=Reminder.Status.FAILED,
                last_error=f"{exc.detail} (after {attempts} attempts)",
            )
            _audit_failed(reminder)
            return Delivery(reminder_id, "failed")
        _finish(
            reminder_id,
            token,
            status=Reminder.Status.PENDING,
            next_attempt_at=now + backoff(attempts),
            last_error=exc.detail,
        )
        return Delivery(reminder_id, "retry")
    except PermanentSendError as exc:
        _finish(reminder_id, token, status=Reminder.Status.FAILED, last_error=exc.detail)
        _audit_failed(reminder)
        return Delivery(reminder_id, "failed")
    except SendError as exc:  # pragma: no cover - the two subclasses above are the contract
        _finish(reminder_id, token, status=Reminder.Status.FAILED, last_error=exc.detail)
        return Delivery(reminder_id, "failed")
    with transaction.atomic():
        if not _finish(
            reminder_id,
            token,
            status=Reminder.Status.SENT,
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
    stale = Q(status=Reminder.Status.SENDING, claimed_at__lt=now - STALE_CLAIM)
    failed = Reminder.objects.filter(stale, attempts__gte=settings.REMINDER_MAX_ATTEMPTS).update(
        status=Reminder.Status.FAILED,
        claimed_at=None,
        claim_token=None,
        last_error="The worker stopped while sending (no confirmation recorded)",
        updated_at=now,
    )
    again = Reminder.objects.filter(stale).update(
        status=Reminder.Status.PENDING,
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
