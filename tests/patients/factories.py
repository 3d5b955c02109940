"""Small builders for patients tests, going through the services so rules and audit apply."""

from __future__ import annotations

from patients import contraindications
from patients.models import EligibilityDecision, IntakeAssessment, Patient
from patients.services import eligibility_decide, intake_record


def checklist_answers(*present: str) -> dict[str, bool]:
    """Every current checklist item answered; the codes given are marked present."""
    checklist = contraindications.current_checklist()
    unknown = set(present) - {i.code for i in checklist.items}
    assert not unknown, unknown
    return {item.code: item.code in present for item in checklist.items}


def make_intake(patient: Patient, actor, *present: str, **fields) -> IntakeAssessment:
    return intake_record(actor=actor, patient=patient, contraindications=checklist_answers(*present), **fields)


def make_eligible(patient: Patient, prescriber) -> EligibilityDecision:
    make_intake(patient, prescriber)
    return eligibility_decide(
        actor=prescriber, patient=patient, decision="eligible", rationale="Meets criteria; no contraindications."
    )
