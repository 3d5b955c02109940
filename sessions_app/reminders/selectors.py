"""Reads of reminder rows."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db.models import Count, Min, Q

from kap_clinic.ops.queues import Backlog
from sessions_app.reminders.models import Reminder
from sessions_app.scheduling.models import Session


def reminders_for_session(session: Session) -> Iterable[Reminder]:
    return session.reminders.order_by("due_at", "channel")


def reminders_backlog(now: dt.datetime) -> Backlog:
    """Reminders due and not sent (pending and due, or claimed by a sender), and since when the oldest
    has been due for its current attempt (a retry waiting out its backoff is not due yet). One query,
    served by the partial indexes on pending and sending rows."""
    waiting = Q(status=Reminder.Status.PENDING, next_attempt_at__lte=now) | Q(status=Reminder.Status.SENDING)
    row = Reminder.objects.filter(waiting).aggregate(count=Count("id"), oldest=Min("next_attempt_at"))
    return Backlog(count=row["count"], oldest_at=row["oldest"])
