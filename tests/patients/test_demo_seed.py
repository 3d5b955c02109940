"""The demo clinic's patients: every status, baselines before the demo patient's course, response and
remission over it (and a long history for the maintenance patient), one open alert, one contraindication."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from kap_clinic.accounts.demo import seed_users
from kap_clinic.common.clock import clinic_date
from patients import selectors
from patients.demo import seed_patient_histories, seed_patients
from patients.models import Assessment, EligibilityDecision, IntakeAssessment, Patient, SafetyFlag
from patients.outcomes import outcome_series

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_clinic():
    users = seed_users()
    patients = seed_patients(users)
    seed_patient_histories(users, patients)
    return users, patients


def test_the_demo_clinic_has_a_patient_at_every_status(demo_clinic) -> None:
    assert set(Patient.objects.values_list("status", flat=True)) == set(Patient.Status.values)


def test_the_demo_patient_starts_with_severe_baselines_at_intake_and_no_improvement_yet(demo_clinic) -> None:
    """Before the course (the schedule and dosing seeds add it), only the intake's baselines exist."""
    _, patients = demo_clinic
    demo = patients["demo"]
    intake = selectors.latest_intake(demo)
    phq9 = outcome_series(demo, "phq9")
    assert [p.total for p in phq9.points] == [21] and phq9.baseline.severity == "severe"
    assert clinic_date(phq9.baseline.at) == clinic_date(intake.assessed_at)
    assert outcome_series(demo, "gad7").baseline.severity == "severe"
    assert outcome_series(demo, "pcl5").baseline.total == 38
    assert selectors.eligibility_is_current(demo)


def test_the_maintenance_patient_carries_the_long_history_response_then_remission(demo_clinic) -> None:
    _, patients = demo_clinic
    phq9 = outcome_series(patients["lena"], "phq9")
    assert (clinic_date() - clinic_date(phq9.baseline.at)).days > 150
    assert phq9.first_response.at < phq9.first_remission.at
    assert phq9.status == "remission"
    assert outcome_series(patients["lena"], "gad7").status == "remission"


def test_there_is_exactly_one_open_safety_alert(demo_clinic) -> None:
    flag = SafetyFlag.objects.get(acknowledged_at__isnull=True)
    assert flag.patient.legal_last_name == "Reyes"
    users, _ = demo_clinic
    assert list(selectors.safety_flags_open_for_user(users["prescriber"])) == [flag]
    # Raised when the PHQ-9 that raised it was taken (two days ago), not when the demo was seeded.
    assert flag.raised_at == flag.assessment.administered_at
    assert flag.created_at == flag.assessment.created_at == flag.raised_at


def test_the_demo_patient_is_assessed_and_found_eligible_before_the_course(demo_clinic) -> None:
    """Intake, decision and weight are weeks old (the course starts 11-14 days ago); no MOAA/S before dosing."""
    _, patients = demo_clinic
    demo = patients["demo"]
    now = timezone.now()
    intake = selectors.latest_intake(demo)
    decision = EligibilityDecision.objects.get(patient=demo)
    assert intake.created_at == intake.assessed_at < decision.decided_at
    assert now - decision.decided_at >= dt.timedelta(days=30)
    assert selectors.eligibility_is_current(demo, at=decision.decided_at)
    weight = demo.weights.order_by("-measured_on").first()
    assert (clinic_date() - weight.measured_on).days >= 15
    assert not Assessment.objects.filter(patient=demo, instrument="moas").exists()


def test_one_patient_is_not_eligible_because_of_an_absolute_contraindication(demo_clinic) -> None:
    _, patients = demo_clinic
    dana = patients["dana"]
    intake = selectors.latest_intake(dana)
    assert intake.contraindications["pregnancy"] is True
    assert dana.status == Patient.Status.NOT_ELIGIBLE
    assert not selectors.eligibility_is_current(dana)


def test_seeding_twice_adds_nothing(demo_clinic) -> None:
    users, _ = demo_clinic
    before = (Patient.objects.count(), Assessment.objects.count(), IntakeAssessment.objects.count())
    patients = seed_patients(users)
    seed_patient_histories(users, patients)
    assert (Patient.objects.count(), Assessment.objects.count(), IntakeAssessment.objects.count()) == before


def test_seed_demo_runs_end_to_end(db) -> None:
    from django.core.management import call_command

    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115, PTH123
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115, PTH123
    assert Patient.objects.filter(status=Patient.Status.DISCHARGED).exists()
