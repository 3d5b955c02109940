"""Demo reminders: the demo sessions' reminder rows, one reminder already sent and one failed (so
the admins' background-jobs page has something to show). Called by seed_demo after the schedule;
idempotent.

Booking through the scheduling services already planned the rows of every upcoming session; this
re-plans them (a no-op when nothing changed) and records two past deliveries for the demo
patient's most recent past sessions.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from kap_clinic.accounts.models import User
from patients.models import Patient
from sessions_app.reminders.models import Reminder
from sessions_app.reminders.services.planning import reminders_replan_for_session
from sessions_app.scheduling.models import Session


def seed_jobs(users: dict[str, User], patients: dict[str, Patient]) -> None:
    now = timezone.now()
    upcoming = Session.objects.filter(
        starts_at__gt=now, status__in=(Session.Status.SCHEDULED, Session.Status.CONFIRMED)
    ).order_by("starts_at")
    for session in upcoming:
        reminders_replan_for_session(session=session, now=now)
    demo = patients["demo"]
    past = list(
        Session.objects.filter(patient=demo, starts_at__lt=now - dt.timedelta(hours=2))
        .exclude(status=Session.Status.CANCELLED)
        .order_by("-starts_at")[:2]
    )
    if len(past) < 2:
        return
    sent_for, failed_for = past
    _past_reminder(
        sent_for,
        channel=Reminder.Channel.EMAIL,
        status=Reminder.Status.SENT,
        attempts=1,
        last_error="",
        provider_message_id="demo",
    )
    _past_reminder(
        failed_for,
        channel=Reminder.Channel.SMS,
        status=Reminder.Status.FAILED,
        attempts=5,
        last_error="SMS provider answered 503 (after 5 attempts)",
        provider_message_id="",
    )


def _past_reminder(session: Session, *, channel: str, status: str, **values: object) -> Reminder:
    due = session.starts_at - dt.timedelta(hours=2)
    reminder, _ = Reminder.objects.update_or_create(
        session=session,
        kind=Reminder.Kind.APPOINTMENT,
        channel=channel,
        offset_minutes=120,
        defaults={
            "patient": session.patient,
            "planned_for": session.starts_at,
            "due_at": due,
            "next_attempt_at": due,
            "status": status,
            "sent_at": due if status == Reminder.Status.SENT else None,
            **values,
        },
    )
    return reminder
