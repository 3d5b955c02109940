"""Reads of reminder rows."""

from __future__ import annotations

from collections.abc import Iterable

from sessions_app.reminders.models import Reminder
from sessions_app.scheduling.models import Session


def reminders_for_session(session: Session) -> Iterable[Reminder]:
    return session.reminders.order_by("due_at", "channel")
