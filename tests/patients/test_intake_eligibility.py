"""Intake with the versioned contraindication checklist; the prescriber's eligibility decision and when it counts."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from kap_clinic.audit.models import AuditEvent
from kap_clinic.common.errors import Conflict, PermissionDeniedError, ValidationFailed
from patients import contraindications, selectors, services
from patients.models import Patient, SafetyFlag, WeightMeasurement
from patients.services import AbsoluteContraindication

from .factories import checklist_answers, make_intake

pytestmark = pytest.mark.django_db


def test_the_checklist_is_versioned_with_the_absolute_contraindications_of_the_issue() -> None:
    checklist = contraindications.current_checklist()
    assert checklist.version == contraindications.CURRENT_VERSION
    assert [i.code for i in checklist.absolute] == [
        "aneurysmal_vascular_disease",
        "arteriovenous_malformation",
        "intracerebral_hemorrhage",
        "ketamine_hypersensitivity",
        "current_psychosis_or_mania",
        "pregnancy",
        "uncontrolled_hypertension",
    ]
    assert {"psychosis_history", "substance_use_history", "cystitis", "hepatic_impairment"} <= {
        i.code for i in checklist.relative
    }


def test_an_intake_records_vitals_history_screen_and_checklist_and_moves_a_referred_patient(personas) -> None:
    patient = Patient.objects.create(legal_first_name="Kim", legal_last_name="Ng", date_of_birth=dt.date(1990, 1, 1))
    services.care_team_assign(actor=personas.admin, patient=patient, clinician=personas.prescriber)
    intake = make_intake(
        patient,
        personas.prescriber,
        "substance_use_history",
        bp_systolic=128,
        bp_diastolic=82,
        heart_rate=72,
        spo2=98,
        weight_kg="81.4",
        height_cm="178",
        medical_history="Hypothyroidism, treated.",
        diagnoses="MDD, recurrent, severe",
        prior_treatments="Sertraline, bupropion, venlafaxine",
        failed_antidepressant_trials=3,
        psychosis_history=False,
        mania_history=False,
        substance_use="Alcohol, social",
        prior_ketamine_use=True,
        prior_ketamine_details="Two IV infusions in 2023",
        cssrs_answers=[True, True, True, False, False, False, False],
    )
    patient.refresh_from_db()
    assert patient.status == Patient.Status.SCREENING
    assert str(patient.height_cm) == "178.0"
    assert intake.checklist_version == contraindications.CURRENT_VERSION
    assert intake.contraindications["substance_use_history"] is True
    assert intake.suicide_screen.severity == "moderate"
    assert SafetyFlag.objects.filter(patient=patient, kind="suicide_risk").exists()
    assert WeightMeasurement.objects.get(patient=patient).weight_kg == intake.weight_kg
    assert AuditEvent.objects.filter(action="intake.recorded", patient_public_id=patient.public_id).exists()


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"bp_systolic": 300, "bp_diastolic": 80}, "bp_systolic"),
        ({"bp_systolic": 120}, "bp_diastolic"),
        ({"bp_systolic": 80, "bp_diastolic": 90}, "bp_systolic"),
        ({"spo2": 101}, "spo2"),
        ({"heart_rate": "fast"}, "heart_rate"),
        ({"psychosis_history": "no"}, "psychosis_history"),
        ({"mood": "fine"}, "mood"),
        ({"cssrs_answers": [False, False, True, False, False, False, False]}, "answers[2]"),
    ],
)
def test_bad_intake_input_is_refused_naming_the_field_and_nothing_is_saved(personas, kwargs, field) -> None:
    with pytest.raises(ValidationFailed) as exc:
        make_intake(personas.demo_patient, personas.nurse, **kwargs)
    assert exc.value.field == field
    assert not personas.demo_patient.intakes.exists()


def test_every_checklist_item_needs_an_explicit_answer(personas) -> None:
    answers = checklist_answers()
    del answers["pregnancy"]
    with pytest.raises(ValidationFailed) as exc:
        services.intake_record(actor=personas.nurse, patient=personas.demo_patient, contraindications=answers)
    assert exc.value.field == "contraindications.pregnancy"
    with pytest.raises(ValidationFailed) as exc:
        services.intake_record(
            actor=personas.nurse,
            patient=personas.demo_patient,
            contraindications={**checklist_answers(), "vertigo": True},
        )
    assert exc.value.field == "contraindications.vertigo"
    with pytest.raises(ValidationFailed) as exc:
        services.intake_record(
            actor=personas.nurse,
            patient=personas.demo_patient,
            contraindications={**checklist_answers(), "cystitis": 1},
        )
    assert exc.value.field == "contraindications.cystitis"


def test_only_the_care_team_records_an_intake(personas) -> None:
    for actor in (personas.admin, personas.outsider):
        with pytest.raises(PermissionDeniedError):
            make_intake(personas.demo_patient, actor)


def test_eligible_is_refused_while_absolute_contraindications_are_present_and_the_error_lists_them(personas) -> None:
    patient = personas.demo_patient
    make_intake(patient, personas.nurse, "pregnancy", "uncontrolled_hypertension", "cystitis")
    with pytest.raises(AbsoluteContraindication) as exc:
        services.eligibility_decide(actor=personas.prescriber, patient=patient, decision="eligible", rationale="ok")
    assert exc.value.status == 409
    assert "Pregnancy" in exc.value.message and "Uncontrolled hypertension" in exc.value.message
    assert "cystitis" not in exc.value.message.lower()  # relative ones do not block
    assert exc.value.extra["contraindications"] == ["pregnancy", "uncontrolled_hypertension"]
    assert not patient.eligibility_decisions.exists()
    # "Not eligible" and "deferred" are still possible.
    services.eligibility_decide(
        actor=personas.prescriber, patient=patient, decision="deferred", rationale="Revisit after delivery"
    )


def test_relative_contraindications_do_not_block_eligible(personas) -> None:
    patient = personas.other_patient
    make_intake(patient, personas.outsider, "psychosis_history", "cns_depressants")
    decision = services.eligibility_decide(
        actor=personas.outsider, patient=patient, decision="eligible", rationale="Benefit outweighs risk."
    )
    patient.refresh_from_db()
    assert decision.decision == "eligible"
    assert patient.status == Patient.Status.ELIGIBLE
    assert selectors.eligibility_is_current(patient)


@pytest.mark.parametrize("who", ["nurse", "therapist", "admin", "outsider"])
def test_only_a_prescriber_on_the_care_team_decides_eligibility(personas, who) -> None:
    make_intake(personas.demo_patient, personas.nurse)
    with pytest.raises(PermissionDeniedError):
        services.eligibility_decide(
            actor=getattr(personas, who), patient=personas.demo_patient, decision="eligible", rationale="ok"
        )


def test_a_decision_needs_an_intake_a_rationale_and_a_known_value(personas) -> None:
    patient = personas.demo_patient
    with pytest.raises(Conflict) as exc:
        services.eligibility_decide(actor=personas.prescriber, patient=patient, decision="eligible", rationale="ok")
    assert exc.value.field == "intake"
    make_intake(patient, personas.nurse)
    with pytest.raises(ValidationFailed) as exc:
        services.eligibility_decide(actor=personas.prescriber, patient=patient, decision="eligible", rationale=" ")
    assert exc.value.field == "rationale"
    with pytest.raises(ValidationFailed) as exc:
        services.eligibility_decide(actor=personas.prescriber, patient=patient, decision="maybe", rationale="x")
    assert exc.value.field == "decision"


def test_a_decision_on_a_superseded_intake_is_refused(personas) -> None:
    patient = personas.demo_patient
    with time_machine.travel(dt.datetime(2026, 2, 1, 15, tzinfo=dt.UTC), tick=False):
        old = make_intake(patient, personas.nurse)
    with time_machine.travel(dt.datetime(2026, 2, 10, 15, tzinfo=dt.UTC), tick=False):
        make_intake(patient, personas.nurse)
        with pytest.raises(Conflict) as exc:
            services.eligibility_decide(
                actor=personas.prescriber, patient=patient, decision="eligible", rationale="ok", intake=old
            )
    assert "newer intake" in exc.value.message


def test_eligibility_stops_counting_after_the_configured_age(personas, settings) -> None:
    patient = personas.demo_patient
    decided = dt.datetime(2026, 1, 10, 15, tzinfo=dt.UTC)
    with time_machine.travel(decided, tick=False):
        make_intake(patient, personas.nurse)
        services.eligibility_decide(actor=personas.prescriber, patient=patient, decision="eligible", rationale="ok")
    assert selectors.eligibility_is_current(patient, decided + dt.timedelta(days=365))
    assert not selectors.eligibility_is_current(patient, decided + dt.timedelta(days=365, seconds=1))
    assert not selectors.eligibility_is_current(patient, decided - dt.timedelta(seconds=1))  # not yet decided
    settings.ELIGIBILITY_MAX_AGE_DAYS = 90
    assert not selectors.eligibility_is_current(patient, decided + dt.timedelta(days=91))
    state = selectors.eligibility_state(patient, decided + dt.timedelta(days=91))
    assert "older than 90 days" in state.reason


def test_eligibility_age_is_exact_across_a_daylight_saving_change(personas) -> None:
    # Decided the evening before US clocks spring forward; "7 days" is 7 × 24 hours of real time.
    patient = personas.demo_patient
    decided = dt.datetime(2026, 3, 7, 23, 0, tzinfo=dt.UTC)
    with time_machine.travel(decided, tick=False):
        make_intake(patient, personas.nurse)
        services.eligibility_decide(actor=personas.prescriber, patient=patient, decision="eligible", rationale="ok")
    from django.test import override_settings

    with override_settings(ELIGIBILITY_MAX_AGE_DAYS=7):
        assert selectors.eligibility_is_current(patient, decided + dt.timedelta(days=7))
        assert not selectors.eligibility_is_current(patient, decided + dt.timedelta(days=7, minutes=1))


def test_a_newer_intake_supersedes_the_decision_until_a_new_one_is_made(personas) -> None:
    patient = personas.demo_patient
    with time_machine.travel(dt.datetime(2026, 4, 1, 15, tzinfo=dt.UTC), tick=False):
        make_intake(patient, personas.nurse)
        services.eligibility_decide(actor=personas.prescriber, patient=patient, decision="eligible", rationale="ok")
    with time_machine.travel(dt.datetime(2026, 4, 20, 15, tzinfo=dt.UTC), tick=False):
        assert selectors.eligibility_is_current(patient)
        make_intake(patient, personas.nurse, "pregnancy")
        assert not selectors.eligibility_is_current(patient)
        assert "newer intake" in selectors.eligibility_state(patient).reason
        # Looking back, the decision counted before the new intake existed.
        assert selectors.eligibility_is_current(patient, dt.datetime(2026, 4, 19, tzinfo=dt.UTC))
        with pytest.raises(AbsoluteContraindication):
            services.eligibility_decide(actor=personas.prescriber, patient=patient, decision="eligible", rationale="ok")


def test_a_later_not_eligible_decision_replaces_eligible_and_stops_treatment(personas) -> None:
    patient = personas.demo_patient  # in treatment in the demo seed
    make_intake(patient, personas.nurse)
    services.eligibility_decide(actor=personas.prescriber, patient=patient, decision="eligible", rationale="ok")
    patient.refresh_from_db()
    assert patient.status == Patient.Status.IN_TREATMENT  # eligible does not demote someone in treatment
    services.eligibility_decide(
        actor=personas.prescriber, patient=patient, decision="not_eligible", rationale="New cardiac finding"
    )
    patient.refresh_from_db()
    assert patient.status == Patient.Status.NOT_ELIGIBLE
    assert not selectors.eligibility_is_current(patient)
    assert AuditEvent.objects.filter(action="eligibility.decided").count() == 2
