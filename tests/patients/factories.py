"""Small builders for patients tests: ``make_*`` go through the services so rules and audit apply;
the factory_boy factories below write a stored row directly, for tests that need the fact, not
the workflow (people come from the ``personas`` fixture and are passed in)."""

from __future__ import annotations

from decimal import Decimal

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from patients import contraindications
from patients.models import Assessment, EligibilityDecision, IntakeAssessment, Patient, WeightMeasurement
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


class IntakeAssessmentFactory(DjangoModelFactory):
    """An intake with no contraindication. Pass ``patient`` and ``recorded_by``."""

    class Meta:
        model = IntakeAssessment

    assessed_at = factory.LazyFunction(timezone.now)
    checklist_version = "2026.1"
    contraindications = factory.LazyFunction(dict)


class EligibilityDecisionFactory(DjangoModelFactory):
    """An "eligible" decision on its own intake, made by ``decided_by`` at ``decided_at``."""

    class Meta:
        model = EligibilityDecision

    intake = factory.SubFactory(
        IntakeAssessmentFactory,
        patient=factory.SelfAttribute("..patient"),
        recorded_by=factory.SelfAttribute("..decided_by"),
        assessed_at=factory.SelfAttribute("..decided_at"),
    )
    decision = "eligible"
    rationale = "Meets criteria"
    decided_at = factory.LazyFunction(timezone.now)


class WeightMeasurementFactory(DjangoModelFactory):
    """70 kg measured today. Pass ``patient`` and ``recorded_by``."""

    class Meta:
        model = WeightMeasurement

    measured_on = factory.LazyFunction(timezone.localdate)
    weight_kg = Decimal("70.0")


class Phq9Factory(DjangoModelFactory):
    """A PHQ-9 result (all answers 0 unless given). Pass ``patient`` and ``recorded_by``."""

    class Meta:
        model = Assessment

    instrument = "phq9"
    instrument_version = "1.0"
    answers = factory.LazyFunction(lambda: [0] * 9)
    total = factory.LazyAttribute(lambda o: sum(o.answers))
    severity = "minimal"
    administered_at = factory.LazyFunction(timezone.now)
