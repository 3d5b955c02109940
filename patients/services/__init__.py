"""Every write to patient data goes through these services (see CONVENTIONS.md, "Where logic goes").

By topic: ``records`` (registration, demographics, status, care team, medications, weights),
``assessments`` (rating-scale results, safety flags), ``intake`` (intake and eligibility).
"""

from __future__ import annotations

from .assessments import assessment_record, assessment_void, safety_flag_acknowledge
from .intake import AbsoluteContraindication, eligibility_decide, intake_record
from .records import (
    ALLOWED_TRANSITIONS,
    CLINICAL_FIELDS,
    DEMOGRAPHIC_FIELDS,
    allowed_next_statuses,
    care_team_assign,
    care_team_remove,
    medication_add,
    medication_stop,
    patient_change_status,
    patient_create,
    patient_reminder_channels_set,
    patient_update,
    weight_record,
)

__all__ = [
    "ALLOWED_TRANSITIONS",
    "CLINICAL_FIELDS",
    "DEMOGRAPHIC_FIELDS",
    "AbsoluteContraindication",
    "allowed_next_statuses",
    "assessment_record",
    "assessment_void",
    "care_team_assign",
    "care_team_remove",
    "eligibility_decide",
    "intake_record",
    "medication_add",
    "medication_stop",
    "patient_change_status",
    "patient_create",
    "patient_reminder_channels_set",
    "patient_update",
    "safety_flag_acknowledge",
    "weight_record",
]
