"""Reminders are rows: the database, not the broker, is the source of truth for what goes out when.

The scheduling services plan them (``reminders_replan_for_session``) when a session is booked,
moved or cancelled; the consent planner plans them for signing requests left unsigned. A beat
task every minute claims due rows with a conditional UPDATE (pending → sending) and sends them
(``sessions_app/reminders/services/``), so:

- a reminder is sent at most once: one row per (session, kind, channel, offset) by constraint,
  and only the sweep whose UPDATE changed the row may send it;
- nothing is lost when Redis is down: booking only writes rows, and the next sweep sends what
  is due;
- moving a session is a plain UPDATE of ``due_at`` (no task to revoke).
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from kap_clinic.common.models import BaseModel
from patients.models import Patient
from sessions_app.scheduling.models import Session


class Reminder(BaseModel):
    class Kind(models.TextChoices):
        APPOINTMENT = "appointment", "Appointment"
        QUESTIONNAIRE = "questionnaire", "Questionnaire due"
        CONSENT = "consent", "Consent waiting for signature"

    class Channel(models.TextChoices):
        EMAIL = "email", "Email"
        SMS = "sms", "SMS"

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Cancelled"
        SKIPPED = "skipped", "Not needed"

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="reminders")
    session = models.ForeignKey(Session, on_delete=models.PROTECT, null=True, blank=True, related_name="reminders")
    signing_request = models.ForeignKey(
        "consent.SigningRequest", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    # Appointment and questionnaire reminders: minutes before the session starts. Consent
    # reminders: minutes after the signing request was made (2 days, 5 days, 8 days).
    offset_minutes = models.PositiveIntegerField()
    # The session start (or request time) the row was planned against; a move changes it.
    planned_for = models.DateTimeField()
    # When it should go out: ``planned_for`` ∓ offset, moved out of quiet hours for SMS.
    due_at = models.DateTimeField()
    # When the sweep may pick it up next: ``due_at``, later after a transient failure (backoff).
    next_attempt_at = models.DateTimeField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    status_reason = models.CharField(max_length=120, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    # Set by the claim; the sender finishes only the claim it holds (see ``services.delivery``).
    claimed_at = models.DateTimeField(null=True, blank=True)
    claim_token = models.UUIDField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    provider_message_id = models.CharField(max_length=120, blank=True)
    # The last failure, as the channel reported it (an error class and status, never message text).
    last_error = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["due_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "kind", "channel", "offset_minutes"],
                condition=Q(session__isnull=False),
                name="reminder_once_per_session_slot",
            ),
            models.UniqueConstraint(
                fields=["signing_request", "kind", "channel", "offset_minutes"],
                condition=Q(signing_request__isnull=False),
                name="reminder_once_per_request_slot",
            ),
            models.CheckConstraint(
                name="reminder_about_one_thing",
                condition=(Q(kind="consent") & Q(session__isnull=True, signing_request__isnull=False))
                | (~Q(kind="consent") & Q(session__isnull=False, signing_request__isnull=True)),
            ),
            models.CheckConstraint(
                name="reminder_sent_has_time", condition=~Q(status="sent") | Q(sent_at__isnull=False)
            ),
            models.CheckConstraint(
                name="reminder_sending_is_claimed",
                condition=~Q(status="sending") | Q(claimed_at__isnull=False, claim_token__isnull=False),
            ),
        ]
        indexes = [
            # The minute sweep: pending rows in due order. Partial, so it stays small however many
            # sent rows accumulate (bench/bench_reminders.py: 1,000,000 rows).
            models.Index(fields=["next_attempt_at"], condition=Q(status="pending"), name="reminder_due"),
            models.Index(fields=["claimed_at"], condition=Q(status="sending"), name="reminder_in_flight"),
            models.Index(fields=["status", "-updated_at"], name="reminder_status_recent"),
            models.Index(fields=["patient", "-due_at"], name="reminder_patient_due"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} reminder by {self.get_channel_display()} at {self.due_at:%Y-%m-%d %H:%M}"

    @property
    def offset_label(self) -> str:
        minutes = self.offset_minutes
        if minutes % 1440 == 0:
            text = f"{minutes // 1440} d"
        elif minutes % 60 == 0:
            text = f"{minutes // 60} h"
        else:
            text = f"{minutes} min"
        return f"{text} after request" if self.kind == self.Kind.CONSENT else f"{text} before"
