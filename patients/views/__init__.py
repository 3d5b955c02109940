"""Pages of the patients app: ``records`` (list, registration, chart, status, care team) and
``clinical`` (questionnaires, intake, eligibility, safety alerts, medications, outcome charts)."""

from __future__ import annotations

from .clinical import (
    assessment_create,
    assessment_detail,
    assessment_list,
    assessment_void,
    eligibility_decide,
    intake_create,
    intake_detail,
    medication_stop,
    medications,
    outcome_svg,
    safety_flag_acknowledge,
    weight_add,
)
from .records import (
    care_team,
    care_team_remove,
    patient_create,
    patient_detail,
    patient_edit,
    patient_list,
    patient_status_change,
)

__all__ = [
    "assessment_create",
    "assessment_detail",
    "assessment_list",
    "assessment_void",
    "care_team",
    "care_team_remove",
    "eligibility_decide",
    "intake_create",
    "intake_detail",
    "medication_stop",
    "medications",
    "outcome_svg",
    "patient_create",
    "patient_detail",
    "patient_edit",
    "patient_list",
    "patient_status_change",
    "safety_flag_acknowledge",
    "weight_add",
]
