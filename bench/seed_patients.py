"""Bulk seeding for the benches: thousands of patients with histories in seconds.

Rows are built in memory and written with ``bulk_create`` (no per-row services or audit events):
this is load for measuring reads, not a way to enter clinical data. Scores still come from the
instrument registry so every stored result is one the services would have produced.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone

FIRST = [
    "Ava",
    "Ben",
    "Cara",
    "Dev",
    "Eli",
    "Fay",
    "Gus",
    "Hana",
    "Ivan",
    "Jo",
    "Kai",
    "Lia",
    "Milo",
    "Nia",
    "Omar",
    "Pia",
    "Quinn",
    "Rae",
    "Sam",
    "Tara",
    "Uma",
    "Vic",
    "Wes",
    "Xia",
    "Yara",
    "Zed",
    "Alex",
    "Blair",
    "Casey",
    "Drew",
    "Emery",
    "Finn",
    "Gray",
    "Harper",
    "Indy",
    "Jules",
    "Kit",
    "Lane",
    "Max",
    "Noel",
    "Oakley",
    "Parker",
    "Reese",
    "Sage",
    "Toby",
    "Val",
]
LAST = [
    "Smith",
    "Johnson",
    "Garcia",
    "Brown",
    "Miller",
    "Davis",
    "Martinez",
    "Lopez",
    "Wilson",
    "Anderson",
    "Thomas",
    "Taylor",
    "Moore",
    "Jackson",
    "Martin",
    "Lee",
    "Thompson",
    "White",
    "Harris",
    "Sanchez",
    "Clark",
    "Ramirez",
    "Lewis",
    "Robinson",
    "Walker",
    "Young",
    "Allen",
    "King",
    "Wright",
    "Scott",
    "Torres",
    "Nguyen",
    "Hill",
    "Flores",
    "Green",
    "Adams",
    "Nelson",
    "Baker",
    "Hall",
    "Rivera",
    "Campbell",
    "Mitchell",
    "Carter",
    "Roberts",
    "Gomez",
    "Phillips",
    "Evans",
    "Turner",
    "Diaz",
    "Parker",
    "Cruz",
    "Edwards",
    "Collins",
    "Reyes",
    "Stewart",
    "Morris",
    "Morales",
    "Murphy",
    "Cook",
    "Rogers",
    "Gutierrez",
    "Ortiz",
    "Morgan",
    "Cooper",
    "Peterson",
    "Bailey",
    "Reed",
    "Kelly",
    "Howard",
    "Ramos",
    "Kim",
    "Cox",
    "Ward",
    "Richardson",
    "Watson",
    "Brooks",
    "Chavez",
    "Wood",
    "James",
    "Bennett",
    "Gray",
    "Mendoza",
    "Ruiz",
    "Hughes",
    "Price",
    "Alvarez",
    "Castillo",
    "Sanders",
    "Patel",
    "Myers",
    "Long",
    "Ross",
    "Foster",
    "Jimenez",
    "Okafor",
    "Haddad",
    "Fischer",
]
CONDITIONS = ["trd", "depression", "anxiety", "ptsd", "chronic_pain", "sud", "other"]
MEDS = [("Sertraline", ""), ("Bupropion", ""), ("Lorazepam", "benzodiazepine"), ("Lamotrigine", "lamotrigine")]


def _answers(count: int, maximum: int, total: int, last: int | None = None) -> list[int]:
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


def seed_patients_bulk(count: int, rng: random.Random) -> dict:
    from kap_clinic.accounts.demo import seed_users
    from patients import contraindications, instruments
    from patients.models import (
        Assessment,
        CareTeamMembership,
        EligibilityDecision,
        IntakeAssessment,
        Medication,
        Patient,
        PatientCondition,
        SafetyFlag,
        WeightMeasurement,
    )

    users = seed_users()
    prescriber, nurse = users["prescriber"], users["nurse"]
    now = timezone.now()
    checklist = {item.code: False for item in contraindications.current_checklist().items}
    statuses = Patient.Status.values
    with transaction.atomic():
        patients = Patient.objects.bulk_create(
            (
                Patient(
                    legal_first_name=rng.choice(FIRST),
                    legal_last_name=rng.choice(LAST),
                    date_of_birth=dt.date(1950, 1, 1) + dt.timedelta(days=rng.randrange(0, 365 * 55)),
                    email=f"bench{i}@example.com",
                    status=rng.choice(statuses),
                    mrn=f"KAP-{i:08d}",
                    country="US",
                )
                for i in range(count)
            ),
            batch_size=2000,
        )
        CareTeamMembership.objects.bulk_create(
            [CareTeamMembership(patient=p, clinician=prescriber, is_lead=True) for p in patients]
            + [CareTeamMembership(patient=p, clinician=nurse) for p in patients[::2]],
            batch_size=5000,
        )
        PatientCondition.objects.bulk_create(
            (
                PatientCondition(patient=p, condition=c)
                for p in patients
                for c in rng.sample(CONDITIONS, rng.choice((1, 1, 2)))
            ),
            batch_size=5000,
        )
        intakes = IntakeAssessment.objects.bulk_create(
            (
                IntakeAssessment(
                    patient=p,
                    assessed_at=now - dt.timedelta(days=200 + rng.randrange(100)),
                    recorded_by=nurse,
                    bp_systolic=120,
                    bp_diastolic=80,
                    checklist_version=contraindications.CURRENT_VERSION,
                    contraindications=checklist,
                )
                for p in patients
            ),
            batch_size=2000,
        )
        EligibilityDecision.objects.bulk_create(
            (
                EligibilityDecision(
                    patient=i.patient,
                    intake=i,
                    decision="eligible",
                    rationale="Bench",
                    decided_by=prescriber,
                    decided_at=i.assessed_at + dt.timedelta(days=3),
                )
                for i in intakes
                if i.patient.status in ("eligible", "in_treatment", "maintenance")
            ),
            batch_size=5000,
        )
        Medication.objects.bulk_create(
            (
                Medication(patient=p, name=name, interaction_class=klass, recorded_by=prescriber)
                for p in patients[::2]
                for name, klass in [rng.choice(MEDS)]
            ),
            batch_size=5000,
        )
        WeightMeasurement.objects.bulk_create(
            (
                WeightMeasurement(
                    patient=p,
                    measured_on=(now - dt.timedelta(days=30)).date(),
                    weight_kg=Decimal(rng.randrange(500, 1100)) / 10,
                    recorded_by=nurse,
                )
                for p in patients
            ),
            batch_size=5000,
        )

        rows: list = []
        flagged: list = []

        def add(patient, code: str, answers: list, at: dt.datetime) -> None:
            result = instruments.score(code, answers)
            row = Assessment(
                patient=patient,
                instrument=code,
                instrument_version=instruments.REGISTRY[code].version,
                answers=result.answers,
                total=result.total,
                severity=result.severity,
                flags=list(result.flags),
                administered_at=at,
                recorded_by=nurse,
            )
            rows.append(row)
            if "suicidal_ideation" in result.flags:
                flagged.append(row)

        for p in patients:
            start = now - dt.timedelta(days=100 + rng.randrange(300))
            baseline = rng.randrange(12, 25)
            for week, factor in ((0, 1.0), (2, 0.85), (4, 0.7), (6, 0.55), (8, 0.45), (12, 0.35)):
                item9 = 1 if week == 12 and rng.random() < 0.02 else 0
                total = max(item9, min(24, round(baseline * factor)))
                add(p, "phq9", _answers(9, 3, total, last=item9), start + dt.timedelta(weeks=week))
            for week, factor in ((0, 1.0), (4, 0.7), (8, 0.5)):
                add(p, "gad7", _answers(7, 3, round(baseline * 0.7 * factor)), start + dt.timedelta(weeks=week))
            for week, factor in ((0, 1.0), (8, 0.6)):
                add(p, "pcl5", _answers(20, 4, round(baseline * 1.6 * factor)), start + dt.timedelta(weeks=week))
            add(p, "cssrs_screen", [False] * 7, start)
        heavy = patients[0]
        for i in range(500 - 12):
            add(heavy, "phq9", _answers(9, 3, 10 + i % 10, last=0), now - dt.timedelta(days=600 - i))
        Assessment.objects.bulk_create(rows, batch_size=5000)
        SafetyFlag.objects.bulk_create(
            (
                SafetyFlag(
                    patient=a.patient,
                    assessment=a,
                    kind="suicidal_ideation",
                    detail="PHQ-9 item 9 answered 1",
                    raised_at=a.administered_at,
                )
                for a in flagged
            ),
            batch_size=5000,
        )
    sample = rng.sample(patients, min(200, len(patients)))
    searches = [p.legal_last_name[:3].lower() for p in sample[:40]]
    searches += [f"{p.legal_first_name} {p.legal_last_name[:2]}" for p in sample[40:60]]
    searches += [p.mrn for p in sample[60:70]] + [p.date_of_birth.isoformat() for p in sample[70:80]]
    return {
        "vendor": connection.vendor,
        "prescriber": prescriber,
        "admin": users["admin"],
        "patients": len(patients),
        "assessments": len(rows),
        "intakes": len(intakes),
        "flags": len(flagged),
        "patient_ids": [str(p.public_id) for p in sample],
        "heavy_id": str(heavy.public_id),
        "searches": searches,
    }
