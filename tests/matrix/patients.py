"""Access rules for patients: the list, the chart and its pages, and /api/v1/patients/...

The demo patient is on the prescriber/nurse/therapist team; the outsider (a prescriber on no demo
team) gets 404 for everything about them; the admin sees demographics but gets 403 for clinical
content (assessment answers, intake, eligibility, flags, medications, weights, outcomes).
"""

from __future__ import annotations

from patients import services

from . import Case

PATIENTS = {"patient_user": 403, "other_patient_user": 403}
STAFF_OK = {"admin": 200, "prescriber": 200, "nurse": 200, "therapist": 200, "outsider": 200, **PATIENTS}
CHART = {**STAFF_OK, "outsider": 404}
CLINICAL = {"admin": 403, "prescriber": 200, "nurse": 200, "therapist": 200, "outsider": 404, **PATIENTS}
CLINICAL_CREATE = {**CLINICAL, "prescriber": 201, "nurse": 201, "therapist": 201}
PRESCRIBER_ONLY = {"admin": 403, "prescriber": 200, "nurse": 403, "therapist": 403, "outsider": 404, **PATIENTS}
ADMIN_WRITE = {"admin": 200, "prescriber": 403, "nurse": 403, "therapist": 403, "outsider": 404, **PATIENTS}


def demo(p):
    return {"public_id": p.demo_patient.public_id}


def _checklist() -> dict[str, bool]:
    from patients.contraindications import current_checklist

    return {item.code: False for item in current_checklist().items}


def _intake(p):
    return services.intake_record(actor=p.prescriber, patient=p.demo_patient, contraindications=_checklist())


def with_assessment(p):
    assessment = services.assessment_record(
        actor=p.nurse, patient=p.demo_patient, instrument="phq9", answers=[1] * 8 + [0]
    )
    return {**demo(p), "assessment_id": assessment.public_id}


def with_intake(p):
    return {**demo(p), "intake_id": _intake(p).public_id}


def with_intake_only(p):
    _intake(p)
    return demo(p)


def with_flag(p):
    assessment = services.assessment_record(
        actor=p.nurse, patient=p.demo_patient, instrument="phq9", answers=[0] * 8 + [1]
    )
    return {**demo(p), "flag_id": assessment.safety_flags.get().public_id}


def with_medication(p):
    medication = services.medication_add(actor=p.prescriber, patient=p.demo_patient, name="Lorazepam")
    return {**demo(p), "medication_id": medication.public_id}


NEW_PATIENT = {"legal_first_name": "Nia", "legal_last_name": "Park", "date_of_birth": "1991-07-04"}
PHQ9 = {"instrument": "phq9", "answers": [1, 1, 1, 1, 1, 1, 1, 1, 0]}

CASES = [
    # --- API ---------------------------------------------------------------------------------
    Case("api:patients", STAFF_OK, api=True),
    Case(
        "api:patients",
        {**STAFF_OK, "admin": 201, "prescriber": 201, "nurse": 201, "therapist": 201, "outsider": 201},
        method="post",
        api=True,
        data=lambda p: NEW_PATIENT,
    ),
    Case("api:patient_detail", CHART, api=True, kwargs=demo),
    Case("api:patient_detail", CHART, method="patch", api=True, kwargs=demo, data=lambda p: {"city": "Boston"}),
    Case(
        "api:patient_status",
        {**CLINICAL, "admin": 403},
        method="post",
        api=True,
        kwargs=demo,
        data=lambda p: {"status": "maintenance"},
    ),
    Case("api:patient_care_team", CHART, api=True, kwargs=demo),
    Case(
        "api:patient_care_team",
        {**ADMIN_WRITE, "admin": 201},
        method="post",
        api=True,
        kwargs=demo,
        data=lambda p: {"clinician": str(p.outsider.public_id)},
    ),
    Case("api:patient_assessments", CLINICAL, api=True, kwargs=demo),
    Case("api:patient_assessments", CLINICAL_CREATE, method="post", api=True, kwargs=demo, data=lambda p: PHQ9),
    Case("api:patient_assessment_detail", CLINICAL, api=True, kwargs=with_assessment),
    Case("api:patient_intakes", CLINICAL, api=True, kwargs=demo),
    Case(
        "api:patient_intakes",
        CLINICAL_CREATE,
        method="post",
        api=True,
        kwargs=demo,
        data=lambda p: {"contraindications": _checklist()},
    ),
    Case("api:patient_intake_detail", CLINICAL, api=True, kwargs=with_intake),
    Case("api:patient_eligibility", CLINICAL, api=True, kwargs=demo),
    Case(
        "api:patient_eligibility",
        {**PRESCRIBER_ONLY, "prescriber": 201},
        method="post",
        api=True,
        kwargs=with_intake_only,
        data=lambda p: {"decision": "deferred", "rationale": "Awaiting cardiology letter"},
    ),
    Case("api:patient_safety_flags", CLINICAL, api=True, kwargs=demo),
    Case(
        "api:patient_safety_flag_acknowledge",
        CLINICAL,
        method="post",
        api=True,
        kwargs=with_flag,
        data=lambda p: {"note": "Called; safe."},
    ),
    Case("api:patient_medications", CLINICAL, api=True, kwargs=demo),
    Case(
        "api:patient_medications",
        CLINICAL_CREATE,
        method="post",
        api=True,
        kwargs=demo,
        data=lambda p: {"name": "Sertraline 100 mg"},
    ),
    Case(
        "api:patient_medication_stop",
        CLINICAL,
        method="post",
        api=True,
        kwargs=with_medication,
        data=lambda p: {"reason": "Tapered off"},
    ),
    Case("api:patient_weights", CLINICAL, api=True, kwargs=demo),
    Case(
        "api:patient_weights", CLINICAL_CREATE, method="post", api=True, kwargs=demo, data=lambda p: {"weight_kg": 72}
    ),
    Case("api:patient_outcomes", CLINICAL, api=True, kwargs=demo),
    Case("api:instruments", {}, api=True, default=200),
    Case("api:contraindications", STAFF_OK, api=True),
    # --- pages -------------------------------------------------------------------------------
    Case("patients:list", STAFF_OK),
    Case("patients:detail", CHART, kwargs=demo),
]
