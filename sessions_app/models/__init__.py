"""Models of sessions_app, by topic. Later issues add dosing records and reminders here."""

from __future__ import annotations

from . import dosing, followup, inventory, notes  # noqa: F401 - clinical records (issue 6)
from .clinic import Location, Room, SessionKind, SessionType, TimeOff, WorkingHours
from .reminders import Reminder  # noqa: F401 - background jobs (issue 7)
from .reports import GeneratedReport  # noqa: F401 - background jobs (issue 7)
from .scheduling import (
    BOOKING_OVERLAP_CONSTRAINT,
    CalendarFeed,
    Session,
    SessionResourceBooking,
    TreatmentCourse,
)

__all__ = [
    "BOOKING_OVERLAP_CONSTRAINT",
    "CalendarFeed",
    "Location",
    "Room",
    "Session",
    "SessionKind",
    "SessionResourceBooking",
    "SessionType",
    "TimeOff",
    "TreatmentCourse",
    "WorkingHours",
]
