"""Demo patients, the demo care team, and their clinical histories. Called by seed_demo; idempotent.

``seed_patients`` (also used by the test personas) creates the people and the team only;
``seed_patient_histories`` (seed_demo only) adds what makes the demo clinic worth clicking through,
written through the services so rules and audit apply:

- a patient at every status (two more here: not eligible, discharged);
- the demo patient's work-up, with PHQ-9, GAD-7 and PCL-5 baselines (severe) at intake; their
  scores over the dosing course, response and then remission, are recorded at the course's
  sessions by sessions_app.clinical.demo (``DEMO_*_SCORES`` below tell the whole story);
- Lena Fischer (maintenance) carries the long history: a course months ago, response, remission
  and since then monthly checks;
- one open safety alert (PHQ-9 item 9) on Morgan Reyes;
- Dana Whitfield, not eligible because of an absolute contraindication (pregnancy).

Every dated step runs on a simulated clock at its own moment (``kap_clinic.common.demo_clock``), so
rows, audit events and safety alerts carry the time the story gives them, not the seed's. The demo
patient's intake and "eligible" decision come about three weeks before their course starts (the
schedule seed starts it 11-14 days ago, the first dose 8-11 days ago), so every dose's pre-dose
gate finds them in force; their MOAA/S results are recorded during the dosing sessions.
"""

from __future__ import annotations

import datetime as dt

from kap_clinic.accounts.models import User
from kap_clinic.common.clock import clinic_localtime
from kap_clinic.common.demo_clock import simulated_clock

from . import contraindications, services
from .models import CareTeamMembership, Patient

DEMO_PATIENT_EMAIL = "patient@demo.clinic"
# The demo patient's work-up, in days before the seed: the course's first session is 11-14 days ago.
DEMO_INTAKE_DAYS_AGO = 36
DEMO_ELIGIBLE_DAYS_AGO = 33
DEMO_WEIGHT_DAYS_AGO = 15

# The demo patient's questionnaire totals, in the order they were taken. Baseline (the intake) is
# severe and the preparation session finds them still moderately severe; over the dosing course
# (sessions_app.clinical.demo records these, before each dose and at the integration session after
# it) PHQ-9 reaches a response (≤ 50% of 21) before the second dose and remission (< 5) before the
# third; GAD-7 follows (response ≤ 8, remission < 5) and PCL-5 responds (≤ 19). Item 9 stays 0.
DEMO_INTAKE_SCORES = {"phq9": 21, "gad7": 16, "pcl5": 38}
DEMO_PREPARATION_SCORES = {"phq9": 19, "gad7": 15}
DEMO_PREDOSE_SCORES = [{"phq9": 18, "gad7": 14}, {"phq9": 9, "gad7": 8}, {"phq9": 4, "gad7": 4}]
DEMO_INTEGRATION_SCORES = [
    {"phq9": 13, "gad7": 11, "pcl5": 31},
    {"phq9": 7, "gad7": 6, "pcl5": 18},
    {"phq9": 3, "gad7": 3, "pcl5": 15},
]

OTHER_PATIENTS = [
    ("Morgan", "Reyes", dt.date(1979, 3, 14), Patient.Status.SCREENING),
    ("Samira", "Haddad", dt.date(1991, 11, 2), Patient.Status.ELIGIBLE),
    ("Chris", "Okafor", dt.date(1968, 6, 21), Patient.Status.REFERRED),
    ("Lena", "Fischer", dt.date(1985, 1, 30), Patient.Status.MAINTENANCE),
]
# Only in the demo clinic (seed_demo), so every status has a patient.
HISTORY_PATIENTS = [
    ("Dana", "Whitfield", dt.date(1993, 8, 17), Patient.Status.NOT_ELIGIBLE),
    ("Eli", "Navarro", dt.date(1975, 10, 4), Patient.Status.DISCHARGED),
]


def _upsert_patients(users: dict[str, User], specs: list, patients: dict[str, Patient]) -> None:
    for first, last, dob, status in specs:
        patient, _ = Patient.objects.update_or_create(
            legal_first_name=first,
            legal_last_name=last,
            date_of_birth=dob,
            defaults={"status": status, "email": f"{first.lower()}.{last.lower()}@example.com"},
        )
        patients[first.lower()] = patient
    _ensure_team(users, patients.values())


def _ensure_team(users: dict[str, User], patients) -> None:
    team = [users["prescriber"], users["nurse"], users["therapist"]]
    for patient in patients:
        for clinician in team:
            CareTeamMembership.objects.get_or_create(
                patient=patient,
                clinician=clinician,
                active=True,
                defaults={"is_lead": clinician == users["prescriber"]},
            )


def seed_patients(users: dict[str, User]) -> dict[str, Patient]:
    demo, _ = Patient.objects.update_or_create(
        email=DEMO_PATIENT_EMAIL,
        defaults={
            "legal_first_name": "Jordan",
            "legal_last_name": "Ellis",
            "preferred_name": "Jordie",
            "date_of_birth": dt.date(1987, 5, 9),
            "status": Patient.Status.IN_TREATMENT,
            "user": users["patient"],
        },
    )
    patients = {"demo": demo}
    _upsert_patients(users, OTHER_PATIENTS, patients)
    return patients


# --- clinical histories -----------------------------------------------------------------------


def _at(days_ago: int, hour: int = 10) -> dt.datetime:
    local = clinic_localtime() - dt.timedelta(days=days_ago)
    return local.replace(hour=hour, minute=0, second=0, microsecond=0)


def _answers(count: int, maximum: int, total: int, *, last: int | None = None) -> list[int]:
    """Answers summing to ``total``, spread over the items; ``last`` pins the final item (PHQ-9 item 9)."""
    answers = [0] * count
    slots = list(range(count - 1)) if last is not None else list(range(count))
    remaining = total - (last or 0)
    for round_ in range(maximum):
        for i in slots:
            if remaining and answers[i] == round_:
                answers[i] += 1
                remaining -= 1
    if last is not None:
        answers[-1] = last
    return answers


def demo_answers(code: str, total: int, *, item9: int = 0) -> list[int]:
    """Plausible answers for an instrument that sum to ``total`` (PHQ-9 item 9 is ``item9``)."""
    if code == "phq9":
        return _answers(9, 3, total, last=item9)
    if code == "gad7":
        return _answers(7, 3, total)
    if code == "pcl5":
        return _answers(20, 4, total)
    return [total]


def record_scores(actor: User, patient: Patient, scores: dict[str, int], at: dt.datetime) -> None:
    """Record each ``{instrument: total}`` as taken at ``at`` (on the simulated clock)."""
    for code, total in scores.items():
        with simulated_clock(at):  # entered when given: a safety alert it raises carries that time
            services.assessment_record(
                actor=actor, patient=patient, instrument=code, answers=demo_answers(code, total), administered_at=at
            )


def _record(actor: User, patient: Patient, code: str, days_ago: int, total: int, *, item9: int = 0) -> None:
    at = _at(days_ago)
    with simulated_clock(at):  # entered when given: a safety alert it raises carries that time
        services.assessment_record(
            actor=actor,
            patient=patient,
            instrument=code,
            answers=demo_answers(code, total, item9=item9),
            administered_at=at,
        )


def _checklist(*present: str) -> dict[str, bool]:
    return {item.code: item.code in present for item in contraindications.current_checklist().items}


def _intake(nurse: User, patient: Patient, days_ago: int, *present: str, **fields: object) -> None:
    at = _at(days_ago, 9)
    with simulated_clock(at):
        services.intake_record(
            actor=nurse,
            patient=patient,
            contraindications=_checklist(*present),
            assessed_at=at,
            cssrs_answers=[False] * 7,
            **fields,
        )


def record_eligible(
    patient: Patient,
    prescriber: User,
    rationale: str = "Meets criteria; no contraindications.",
    *,
    days_ago: int | None = None,
) -> None:
    """An "eligible" decision on the patient's latest intake (for demo data and higher apps' fixtures).

    ``days_ago`` dates the decision (4 pm that day, clinic time); by default it is made now.
    """
    if days_ago is None:
        services.eligibility_decide(actor=prescriber, patient=patient, decision="eligible", rationale=rationale)
        return
    with simulated_clock(_at(days_ago, 16)):
        services.eligibility_decide(actor=prescriber, patient=patient, decision="eligible", rationale=rationale)


def _seed_demo_patient(users: dict[str, User], patient: Patient) -> None:
    prescriber, nurse = users["prescriber"], users["nurse"]
    services.patient_update(
        actor=prescriber,
        patient=patient,
        conditions=["trd", "anxiety"],
        allergies="Penicillin (hives)",
        height_cm="175.0",
        mobile="+15555550142",
        city="Portland",
        region="OR",
        emergency_contact_name="Sam Ellis",
        emergency_contact_relationship="sibling",
        emergency_contact_phone="+15555550143",
        referring_provider="Dr. Ana Ruiz, Riverside Psychiatry",
    )
    services.medication_add(actor=prescriber, patient=patient, name="Sertraline", dose="150 mg daily")
    services.medication_add(actor=prescriber, patient=patient, name="Clonazepam", dose="0.5 mg at night as needed")
    _intake(
        nurse,
        patient,
        DEMO_INTAKE_DAYS_AGO,
        bp_systolic=128,
        bp_diastolic=82,
        heart_rate=74,
        spo2=98,
        weight_kg="78.2",
        height_cm="175.0",
        medical_history="Mild asthma, well controlled.",
        diagnoses="Major depressive disorder, recurrent, severe; generalised anxiety disorder",
        prior_treatments="Sertraline, escitalopram, bupropion augmentation, venlafaxine; 12 sessions of CBT",
        failed_antidepressant_trials=4,
        substance_use="Alcohol, 2–3 drinks a week",
    )
    record_eligible(
        patient,
        prescriber,
        "Treatment-resistant depression after four adequate trials; no contraindications.",
        days_ago=DEMO_ELIGIBLE_DAYS_AGO,
    )
    # The baselines, taken at the intake visit: severe depression and anxiety, probable PTSD.
    record_scores(nurse, patient, DEMO_INTAKE_SCORES, _at(DEMO_INTAKE_DAYS_AGO))
    # Weighed before the course starts (every dose needs a weight from the 30 days before it).
    weighed = _at(DEMO_WEIGHT_DAYS_AGO)
    with simulated_clock(weighed):
        services.weight_record(actor=nurse, patient=patient, weight_kg="77.0", measured_on=weighed.date())


def seed_patient_histories(users: dict[str, User], patients: dict[str, Patient]) -> dict[str, Patient]:
    """Add the two extra patients and every patient's clinical history (skipped once present)."""
    _upsert_patients(users, HISTORY_PATIENTS, patients)
    prescriber, nurse = users["prescriber"], users["nurse"]

    def fresh(key: str) -> Patient | None:
        patient = patients[key]
        return None if (patient.intakes.exists() or patient.assessments.exists()) else patient

    if patient := fresh("demo"):
        _seed_demo_patient(users, patient)
    if patient := fresh("morgan"):
        services.patient_update(actor=prescriber, patient=patient, conditions=["depression"], no_known_allergies=True)
        _intake(nurse, patient, 10, bp_systolic=122, bp_diastolic=78, weight_kg="70.5")
        _record(nurse, patient, "phq9", 10, 17)
        # The open safety alert of the demo clinic: item 9 answered "several days".
        _record(nurse, patient, "phq9", 2, 15, item9=1)
    if patient := fresh("samira"):
        services.patient_update(actor=prescriber, patient=patient, conditions=["depression", "anxiety"])
        _intake(nurse, patient, 20, bp_systolic=118, bp_diastolic=76, weight_kg="62.0")
        record_eligible(patient, prescriber, days_ago=20)
        _record(nurse, patient, "phq9", 20, 17)
        _record(nurse, patient, "gad7", 20, 12)
    if patient := fresh("chris"):
        services.patient_update(actor=prescriber, patient=patient, conditions=["ptsd", "chronic_pain"])
    if patient := fresh("lena"):
        services.patient_update(actor=prescriber, patient=patient, conditions=["trd"])
        _intake(nurse, patient, 200, bp_systolic=124, bp_diastolic=80, weight_kg="66.4")
        record_eligible(patient, prescriber, days_ago=200)
        # A course about six months ago: response by its third week, remission by its fifth, and
        # remission kept at the monthly checks of maintenance.
        for days_ago, total in [(196, 20), (189, 15), (182, 9), (175, 6), (161, 4), (112, 3), (56, 4), (21, 3)]:
            _record(nurse, patient, "phq9", days_ago, total)
        for days_ago, total in [(196, 14), (182, 8), (161, 4), (56, 3)]:
            _record(nurse, patient, "gad7", days_ago, total)
    if patient := fresh("dana"):
        services.patient_update(actor=prescriber, patient=patient, conditions=["depression"])
        _intake(nurse, patient, 5, "pregnancy", bp_systolic=116, bp_diastolic=72, weight_kg="68.0")
        _record(nurse, patient, "phq9", 5, 16)
        with simulated_clock(_at(5, 16)):
            services.eligibility_decide(
                actor=prescriber,
                patient=patient,
                decision="not_eligible",
                rationale="Pregnant (absolute contraindication). Reassess after delivery and breastfeeding.",
            )
    if patient := fresh("eli"):
        services.patient_update(actor=prescriber, patient=patient, conditions=["trd", "sud"])
        _intake(nurse, patient, 300, "substance_use_history", bp_systolic=130, bp_diastolic=84, weight_kg="85.0")
        for days_ago, total in [(295, 20), (260, 13), (230, 9), (200, 8)]:
            _record(nurse, patient, "phq9", days_ago, total)
    return patients
