"""Sessions (the appointment and, later, the clinical record of the visit), the bookings that
stop double booking, treatment courses and calendar feeds.

Only services change these rows (sessions_app/services/scheduling.py): status changes go
through the transition table there, and every write keeps ``SessionResourceBooking`` in step.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from kap_clinic.common.models import BaseModel
from patients.models import Patient

from .clinic import Room, SessionKind


class TreatmentCourse(BaseModel):
    """A planned course: preparation, a series of dosing sessions, each followed by integration.

    ``recurrence`` is the dosing series as RFC 5545 text: a ``DTSTART;TZID=...`` line and an
    ``RRULE`` line (e.g. ``FREQ=WEEKLY;BYDAY=MO,TH;COUNT=6``). The rule describes the intent;
    the sessions hold the actual times, which may have been moved off the rule to dodge clashes.
    """

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        COMPLETED = "completed", "Completed"
        CANCELLED = "cancelled", "Cancelled"

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="treatment_courses")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.ACTIVE)
    recurrence = models.TextField(help_text="RFC 5545 DTSTART + RRULE of the dosing series")
    time_zone = models.CharField(max_length=64)
    dosing_count = models.PositiveSmallIntegerField()
    medical_clinician = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="courses_as_medical"
    )
    therapist = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="courses_as_therapist", null=True, blank=True
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Course for {self.patient} ({self.dosing_count} dosing sessions)"


class Session(BaseModel):
    """An appointment: who, where, when, and where it is in its life.

    Status: scheduled → confirmed → checked_in → in_progress → completed, or cancelled (with
    who/when/why and whether it was a late cancellation) or no_show.
    """

    Kind = SessionKind

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", "Scheduled"
        CONFIRMED = "confirmed", "Confirmed"
        CHECKED_IN = "checked_in", "Checked in"
        IN_PROGRESS = "in_progress", "In progress"
        COMPLETED = "completed", "Completed"
        CANCELLED = "cancelled", "Cancelled"
        NO_SHOW = "no_show", "No-show"

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="sessions")
    kind = models.CharField(max_length=20, choices=SessionKind.choices)
    lead_clinician = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="led_sessions")
    additional_staff = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="assisted_sessions")
    room = models.ForeignKey(Room, on_delete=models.PROTECT, null=True, blank=True, related_name="sessions")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.SCHEDULED)
    status_changed_at = models.DateTimeField(null=True, blank=True)

    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    cancellation_reason = models.CharField(max_length=300, blank=True)
    late_cancel = models.BooleanField(default=False)

    # Set when an admin booked outside working hours or into time off, on purpose.
    hours_override_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    hours_override_reason = models.CharField(max_length=300, blank=True)

    course = models.ForeignKey(
        TreatmentCourse, on_delete=models.PROTECT, null=True, blank=True, related_name="sessions"
    )
    # Position in the course among sessions of the same kind (dosing 1..N).
    course_sequence = models.PositiveSmallIntegerField(null=True, blank=True)
    # An integration session belongs to the dosing session it processes.
    follows = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="follow_up_sessions"
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["starts_at", "id"]
        constraints = [
            models.CheckConstraint(name="session_starts_before_ends", condition=Q(starts_at__lt=F("ends_at"))),
            models.CheckConstraint(
                name="session_cancellation_complete",
                condition=(Q(status="cancelled", cancelled_at__isnull=False) & ~Q(cancellation_reason=""))
                | (~Q(status="cancelled") & Q(cancelled_at__isnull=True)),
            ),
            models.CheckConstraint(
                name="session_override_has_reason",
                condition=Q(hours_override_by__isnull=True) | ~Q(hours_override_reason=""),
            ),
        ]
        indexes = [
            models.Index(fields=["starts_at"], name="session_start"),
            models.Index(fields=["patient", "starts_at"], name="session_patient_start"),
            models.Index(fields=["lead_clinician", "starts_at"], name="session_lead_start"),
            models.Index(fields=["room", "starts_at"], name="session_room_start"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.starts_at:%Y-%m-%d %H:%M}"

    @property
    def is_active_booking(self) -> bool:
        return self.status != self.Status.CANCELLED

    @property
    def duration_minutes(self) -> int:
        return int((self.ends_at - self.starts_at).total_seconds() // 60)


class SessionResourceBooking(models.Model):
    """One resource (clinician, room or patient) held by one session for its time span.

    Derived from the session by the scheduling service. It exists so one database rule covers
    every resource: on PostgreSQL an exclusion constraint (``booking_no_overlap``: same kind and
    key, overlapping ``[starts_at, ends_at)``, both active) and on SQLite a trigger with the same
    name; both are created by migration 0003. Two concurrent bookings of one slot therefore
    cannot both commit, whatever the service saw when it checked.
    """

    class ResourceKind(models.TextChoices):
        CLINICIAN = "clinician", "Clinician"
        ROOM = "room", "Room"
        PATIENT = "patient", "Patient"

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="bookings")
    resource_kind = models.CharField(max_length=10, choices=ResourceKind.choices)
    resource_id = models.BigIntegerField()
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    active = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.CheckConstraint(name="booking_starts_before_ends", condition=Q(starts_at__lt=F("ends_at"))),
            models.UniqueConstraint(
                fields=["session", "resource_kind", "resource_id"], name="booking_unique_resource_per_session"
            ),
        ]
        indexes = [
            models.Index(fields=["resource_kind", "resource_id", "starts_at"], name="booking_resource_start"),
        ]

    def __str__(self) -> str:
        return f"{self.resource_kind}:{self.resource_id} {self.starts_at:%Y-%m-%d %H:%M}–{self.ends_at:%H:%M}"


BOOKING_OVERLAP_CONSTRAINT = "booking_no_overlap"


class CalendarFeed(BaseModel):
    """A clinician's private iCalendar subscription URL.

    Only a SHA-256 of the secret is stored; the URL is shown once, when it is created. Revoking
    sets ``revoked_at``; a new feed revokes the previous one.
    """

    clinician = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="calendar_feeds")
    token_hash = models.CharField(max_length=64, unique=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["clinician"], condition=Q(revoked_at__isnull=True), name="calendar_feed_one_active"
            )
        ]

    def __str__(self) -> str:
        return f"Calendar feed of {self.clinician}"
