"""Every model of sessions_app, gathered from its sub-packages (Django loads this module).

Each sub-package owns its tables; the app label stays ``sessions_app``.
"""

from __future__ import annotations

from sessions_app.clinical.models.dosing import (
    Administration,
    AdverseEvent,
    ClinicalSetting,
    ClinicalSettingChange,
    Discharge,
    DosingRecord,
    EsketamineDevice,
    GateOverride,
    Observation,
    VitalsReading,
)
from sessions_app.clinical.models.followup import FollowUpCheck
from sessions_app.clinical.models.live import LiveChange, LiveRevision
from sessions_app.clinical.models.notes import (
    Addendum,
    IntegrationRecord,
    PreparationRecord,
    PsychotherapyNote,
    PsychotherapyNoteAddendum,
)
from sessions_app.common.vocabulary import Medication, Route, SessionKind
from sessions_app.inventory.models import InventoryCount, InventoryEntry, InventoryLot
from sessions_app.reminders.models import Reminder
from sessions_app.reports.models import GeneratedReport
from sessions_app.scheduling.models import (
    BOOKING_OVERLAP_CONSTRAINT,
    CalendarFeed,
    Location,
    Room,
    Session,
    SessionResourceBooking,
    SessionType,
    TimeOff,
    TreatmentCourse,
    WorkingHours,
)

__all__ = [
    "BOOKING_OVERLAP_CONSTRAINT",
    "Addendum",
    "Administration",
    "AdverseEvent",
    "CalendarFeed",
    "ClinicalSetting",
    "ClinicalSettingChange",
    "Discharge",
    "DosingRecord",
    "EsketamineDevice",
    "FollowUpCheck",
    "GateOverride",
    "GeneratedReport",
    "IntegrationRecord",
    "InventoryCount",
    "InventoryEntry",
    "InventoryLot",
    "LiveChange",
    "LiveRevision",
    "Location",
    "Medication",
    "Observation",
    "PreparationRecord",
    "PsychotherapyNote",
    "PsychotherapyNoteAddendum",
    "Reminder",
    "Room",
    "Route",
    "Session",
    "SessionKind",
    "SessionResourceBooking",
    "SessionType",
    "TimeOff",
    "TreatmentCourse",
    "VitalsReading",
    "WorkingHours",
]
