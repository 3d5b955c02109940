"""What a reminder says: a time, a place, practical instructions, a portal link. Nothing clinical."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from kap_clinic.common import clock
from sessions_app.reminders.messaging import OutgoingMessage
from sessions_app.reminders.models import Reminder
from sessions_app.scheduling.models import SessionKind

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
        if reminder.channel == Reminder.Channel.SMS:
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
