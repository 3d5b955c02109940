"""factory_boy factories for sessions_app rows, for tests that need a row as it is stored rather
than the workflow that writes it (a constraint, a query budget, an access-matrix world).

People come from the ``personas`` fixture (tests/conftest.py): every user field (author,
``recorded_by``, ``created_by`` ...) is passed in, never invented, so a factory cannot add a
user who is on nobody's care team. Workflows (booking, dosing, signing) go through the services.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from sessions_app.clinical.models.dosing import Administration, DosingRecord, VitalsReading
from sessions_app.clinical.models.notes import IntegrationRecord, PreparationRecord, PsychotherapyNote
from sessions_app.reminders.models import Reminder
from sessions_app.reports.models import GeneratedReport
from sessions_app.scheduling.models import (
    Location,
    Room,
    Session,
    SessionResourceBooking,
    TimeOff,
    TreatmentCourse,
)

# --- scheduling --------------------------------------------------------------------------------


class LocationFactory(DjangoModelFactory):
    class Meta:
        model = Location

    name = factory.Sequence(lambda n: f"Location {n}")


class RoomFactory(DjangoModelFactory):
    class Meta:
        model = Room

    location = factory.SubFactory(LocationFactory)
    name = factory.Sequence(lambda n: f"Room {n}")
    dosing_equipped = False


class TimeOffFactory(DjangoModelFactory):
    """Pass ``clinician``, ``starts_at`` and ``ends_at``."""

    class Meta:
        model = TimeOff


class TreatmentCourseFactory(DjangoModelFactory):
    """Six dosing sessions, Mondays and Thursdays. Pass ``patient``, ``medical_clinician``, ``created_by``."""

    class Meta:
        model = TreatmentCourse

    recurrence = "DTSTART;TZID=America/New_York:20300107T090000\nRRULE:FREQ=WEEKLY;BYDAY=MO,TH;COUNT=6"
    time_zone = "America/New_York"
    dosing_count = 6


class SessionFactory(DjangoModelFactory):
    """A session row as stored, one hour long; the booking rules live in ``session_schedule``.

    Pass ``patient``, ``lead_clinician``, ``room``, ``starts_at`` and ``created_by``.
    """

    class Meta:
        model = Session

    kind = "consultation"
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + dt.timedelta(minutes=60))


class ResourceBookingFactory(DjangoModelFactory):
    """A room's hold on a time span. Pass ``session``, ``resource_id``, ``starts_at`` and ``ends_at``."""

    class Meta:
        model = SessionResourceBooking

    resource_kind = "room"


# --- clinical ----------------------------------------------------------------------------------


class DosingRecordFactory(DjangoModelFactory):
    """Pass ``session``, ``responsible_clinician`` and ``opened_by``."""

    class Meta:
        model = DosingRecord

    patient = factory.SelfAttribute("session.patient")
    medication = "racemic_ketamine"
    route = "iv"


class VitalsReadingFactory(DjangoModelFactory):
    """Pass ``dosing``, ``recorded_by`` and the readings."""

    class Meta:
        model = VitalsReading

    taken_at = factory.LazyFunction(timezone.now)
    phase = "monitoring"


class AdministrationFactory(DjangoModelFactory):
    """A dose drawn from ``lot``. Pass ``dosing``, ``lot``, ``ordering_prescriber``, ``administered_by``."""

    class Meta:
        model = Administration

    medication = factory.SelfAttribute("dosing.medication")
    route = factory.SelfAttribute("dosing.route")
    dose_mg = Decimal("35")
    started_at = factory.LazyFunction(timezone.now)


class PreparationRecordFactory(DjangoModelFactory):
    """Pass ``session`` and ``author``."""

    class Meta:
        model = PreparationRecord

    patient = factory.SelfAttribute("session.patient")


class IntegrationRecordFactory(DjangoModelFactory):
    """Pass ``session``, ``dosing_record`` and ``author``."""

    class Meta:
        model = IntegrationRecord

    patient = factory.SelfAttribute("session.patient")


class PsychotherapyNoteFactory(DjangoModelFactory):
    """Pass ``patient`` and ``author``."""

    class Meta:
        model = PsychotherapyNote

    body = "Private process note"


# --- reminders and reports ---------------------------------------------------------------------


class ReminderFactory(DjangoModelFactory):
    """An appointment reminder row for ``session``. Pass ``offset_minutes``, ``planned_for``, ``due_at``."""

    class Meta:
        model = Reminder

    patient = factory.SelfAttribute("session.patient")
    kind = "appointment"
    channel = "email"
    next_attempt_at = factory.SelfAttribute("due_at")


class GeneratedReportFactory(DjangoModelFactory):
    """A queued treatment summary. Pass ``patient`` and ``requested_by``."""

    class Meta:
        model = GeneratedReport

    kind = "treatment_summary"
