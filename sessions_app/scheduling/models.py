"""Scheduling models: clinic set-up (locations, rooms, staff hours, time off, session types),
sessions (the appointment), the bookings that stop double booking, treatment courses and
calendar feeds.

Working hours are wall-clock times in the clinic's time zone (a clinician works 09:00–17:00 in
winter and in summer), so they are stored as ``TimeField`` + weekday and converted per date.
Time off is a real interval (aware datetimes).

Only services change these rows (``sessions_app.scheduling.services``): status changes go
through the transition table there, and every write keeps ``SessionResourceBooking`` in step.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from kap_clinic.common.models import BaseModel
from patients.models import Patient
from sessions_app.common.vocabulary import SessionKind


class Location(BaseModel):
    name = models.CharField(max_length=120, unique=True)
    address = models.CharField(max_length=300, blank=True)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Room(BaseModel):
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="rooms")
    name = models.CharField(max_length=120)
    # Dosing rooms have monitoring equipment, a recliner and emergency kit (domain.md, dosing).
    dosing_equipped = models.BooleanField(default=False)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["location__name", "name"]
        constraints = [models.UniqueConstraint(fields=["location", "name"], name="room_unique_name_per_location")]

    def __str__(self) -> str:
        return self.name


class WorkingHours(BaseModel):
    """One block of a clinician's regular week, in clinic-local wall-clock time."""

    class Weekday(models.IntegerChoices):
        MONDAY = 0, "Monday"
        TUESDAY = 1, "Tuesday"
        WEDNESDAY = 2, "Wednesday"
        THURSDAY = 3, "Thursday"
        FRIDAY = 4, "Friday"
        SATURDAY = 5, "Saturday"
        SUNDAY = 6, "Sunday"

    clinician = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="working_hours")
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    start_time = models.TimeField()
    end_time = models.TimeField()

    class Meta:
        ordering = ["clinician", "weekday", "start_time"]
        constraints = [
            models.CheckConstraint(
                name="working_hours_start_before_end", condition=models.Q(start_time__lt=models.F("end_time"))
            ),
            models.CheckConstraint(name="working_hours_weekday_range", condition=models.Q(weekday__lte=6)),
        ]
        indexes = [models.Index(fields=["clinician", "weekday"], name="working_hours_clinician_day")]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.start_time:%H:%M}–{self.end_time:%H:%M}"


class TimeOff(BaseModel):
    clinician = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="time_off")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    # Free text shown to schedulers: keep it non-clinical ("conference", "leave").
    reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["starts_at"]
        constraints = [
            models.CheckConstraint(
                name="time_off_start_before_end", condition=models.Q(starts_at__lt=models.F("ends_at"))
            )
        ]
        indexes = [models.Index(fields=["clinician", "starts_at"], name="time_off_clinician_start")]

    def __str__(self) -> str:
        return f"{self.clinician} off {self.starts_at:%Y-%m-%d %H:%M}–{self.ends_at:%Y-%m-%d %H:%M}"


class SessionType(BaseModel):
    """What a kind of session needs: how long it lasts and which staff and room it must have.

    The kinds are fixed in code (records hang off them); their durations and staffing are set by
    admins. Defaults ship in a data migration: consultation 60, preparation 60, dosing 120 (the
    observation period is inside the 120 minutes), integration 60, follow-up 30.
    """

    kind = models.CharField(max_length=20, choices=SessionKind.choices, unique=True)
    name = models.CharField(max_length=80)
    default_duration_minutes = models.PositiveIntegerField()
    requires_dosing_room = models.BooleanField(default=False)
    # A prescriber or a nurse must be among the staff (medical supervision of the dose).
    requires_medical_staff = models.BooleanField(default=False)
    # Ketamine-assisted *psychotherapy*: a therapist is present during dosing.
    requires_therapist = models.BooleanField(default=False)
    colour = models.CharField(max_length=7, default="#2d5f73", help_text="Calendar colour, e.g. #2d5f73")
    sort_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["sort_order", "name"]
        constraints = [
            models.CheckConstraint(
                name="session_type_duration_range",
                condition=models.Q(default_duration_minutes__gte=5, default_duration_minutes__lte=12 * 60),
            ),
            models.CheckConstraint(
                name="session_type_colour_hex", condition=models.Q(colour__regex=r"^#[0-9a-fA-F]{6}$")
            ),
        ]

    def __str__(self) -> str:
        return self.name


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


# The longest a session may last. The services refuse longer ones and the database guards it too
# (migration session_span_guard), so a search for sessions overlapping a range can look for starts
# no earlier than this before the range: an index range scan instead of every session that ended later.
MAX_SESSION_MINUTES = 12 * 60


def overlapping(start: dt.datetime, end: dt.datetime) -> Q:
    """Sessions or bookings overlapping [start, end), bounded below so a start-time index serves it."""
    return Q(starts_at__lt=end, ends_at__gt=start, starts_at__gt=start - dt.timedelta(minutes=MAX_SESSION_MINUTES))


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
    # When the patient was checked in: clinical entries on the session can be dated back to it, not before.
    checked_in_at = models.DateTimeField(null=True, blank=True)
    # A prescriber's decision to check in or dose outside the booked window (services.window), with the reason.
    window_override_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    window_override_at = models.DateTimeField(null=True, blank=True)
    window_override_reason = models.CharField(max_length=300, blank=True)

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
            models.CheckConstraint(
                name="session_window_override_has_reason",
                condition=Q(window_override_by__isnull=True) | ~Q(window_override_reason=""),
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
