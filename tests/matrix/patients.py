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


def redirect(expected: dict[str, int]) -> dict[str, int]:
    """The same rules for a form POST: success is a redirect (302) instead of a 200."""
    return {persona: 302 if status == 200 else status for persona, status in expected.items()}


ALL_STAFF_405 = {"admin": 405, "prescriber": 405, "nurse": 405, "therapist": 405, "outsider": 405}


def with_instrument(p):
    return {**demo(p), "instrument": "phq9"}


def with_membership(p):
    return {**demo(p), "membership_id": p.demo_patient.care_team.get(clinician=p.nurse, active=True).public_id}


def phq9_form(p):
    return {**{f"item_{i}": "1" for i in range(9)}, "administered_at": "2026-01-10T10:00"}


def intake_form(p):
    return {
        "assessed_at": "2026-01-10T10:00",
        "failed_antidepressant_trials": "2",
        "bp_systolic": "124",
        "bp_diastolic": "78",
        **{f"cssrs-item_{i}": "False" for i in range(7)},
    }


EDIT_DEMO = {
    "legal_first_name": "Jordan",
    "legal_last_name": "Ellis",
    "preferred_name": "Jordie",
    "date_of_birth": "1987-05-09",
    "email": "patient@demo.clinic",
    "country": "US",
    "reminder_email_opt_in": "on",
}
TO_MAINTENANCE = {"status": "maintenance", "reason": ""}

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
    Case("patients:create", STAFF_OK),
    Case("patients:create", redirect(STAFF_OK), method="post", data=lambda p: NEW_PATIENT),
    Case("patients:detail", CHART, kwargs=demo),
    Case("patients:edit", CHART, kwargs=demo),
    Case("patients:edit", redirect(CHART), method="post", kwargs=demo, data=lambda p: EDIT_DEMO),
    Case("patients:status_change", redirect(CLINICAL), method="post", kwargs=demo, data=lambda p: TO_MAINTENANCE),
    Case("patients:status_change", {**CHART, **ALL_STAFF_405}, kwargs=demo),
    Case("patients:care_team", ADMIN_WRITE, kwargs=demo),
    Case(
        "patients:care_team",
        redirect(ADMIN_WRITE),
        method="post",
        kwargs=demo,
        data=lambda p: {"clinician": str(p.outsider.public_id)},
    ),
    Case("patients:care_team_remove", redirect(ADMIN_WRITE), method="post", kwargs=with_membership),
    Case("patients:assessment_list", CLINICAL, kwargs=demo),
    Case("patients:assessment_create", CLINICAL, kwargs=with_instrument),
    Case("patients:assessment_create", redirect(CLINICAL), method="post", kwargs=with_instrument, data=phq9_form),
    Case("patients:assessment_detail", CLINICAL, kwargs=with_assessment),
    Case(
        "patients:assessment_void",
        redirect(CLINICAL),
        method="post",
        kwargs=with_assessment,
        data=lambda p: {"reason": "Wrong patient"},
    ),
    Case("patients:intake_create", CLINICAL, kwargs=demo),
    Case("patients:intake_create", redirect(CLINICAL), method="post", kwargs=demo, data=intake_form),
    Case("patients:intake_detail", CLINICAL, kwargs=with_intake),
    Case("patients:eligibility_decide", PRESCRIBER_ONLY, kwargs=with_intake_only),
    Case(
        "patients:eligibility_decide",
        redirect(PRESCRIBER_ONLY),
        method="post",
        kwargs=with_intake_only,
        data=lambda p: {"decision": "deferred", "rationale": "Awaiting cardiology letter"},
    ),
    Case("patients:safety_flag_acknowledge", CLINICAL, kwargs=with_flag),
    Case(
        "patients:safety_flag_acknowledge",
        redirect(CLINICAL),
        method="post",
        kwargs=with_flag,
        data=lambda p: {"note": "Called; safety plan reviewed."},
    ),
    Case("patients:medications", CLINICAL, kwargs=demo),
    Case(
        "patients:medications",
        redirect(CLINICAL),
        method="post",
        kwargs=demo,
        data=lambda p: {"name": "Lamotrigine 100 mg", "interaction_class": "auto"},
    ),
    Case(
        "patients:medication_stop",
        redirect(CLINICAL),
        method="post",
        kwargs=with_medication,
        data=lambda p: {"reason": "Tapered off"},
    ),
    Case(
        "patients:weight_add",
        redirect(CLINICAL),
        method="post",
        kwargs=demo,
        data=lambda p: {"weight_kg": "71.5", "measured_on": "2026-01-10"},
    ),
    Case("patients:outcome_svg", CLINICAL, kwargs=with_instrument),
]
