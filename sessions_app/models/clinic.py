"""Clinic set-up, maintained by practice admins: locations, rooms, staff hours, session types.

Working hours are wall-clock times in the clinic's time zone (a clinician works 09:00–17:00 in
winter and in summer), so they are stored as ``TimeField`` + weekday and converted per date.
Time off is a real interval (aware datetimes).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from kap_clinic.common.models import BaseModel


class SessionKind(models.TextChoices):
    CONSULTATION = "consultation", "Consultation"
    PREPARATION = "preparation", "Preparation"
    DOSING = "dosing", "Dosing"
    INTEGRATION = "integration", "Integration"
    FOLLOW_UP = "follow_up", "Follow-up"


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
