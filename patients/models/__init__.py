"""Models of the patients app, by topic: the record (patient), intake and eligibility (clinical),
rating-scale results and safety flags (assessments)."""

from __future__ import annotations

from .assessments import Assessment, SafetyFlag
from .clinical import EligibilityDecision, IntakeAssessment
from .patient import (
    E164_REGEX,
    CareTeamMembership,
    Condition,
    InteractionClass,
    Medication,
    Patient,
    PatientCondition,
    PatientStatusChange,
    WeightMeasurement,
    generate_mrn,
)

__all__ = [
    "E164_REGEX",
    "Assessment",
    "CareTeamMembership",
    "Condition",
    "EligibilityDecision",
    "IntakeAssessment",
    "InteractionClass",
    "Medication",
    "Patient",
    "PatientCondition",
    "PatientStatusChange",
    "SafetyFlag",
    "WeightMeasurement",
    "generate_mrn",
]
