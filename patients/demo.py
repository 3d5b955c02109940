"""Demo patients and the demo care team. Called by seed_demo; idempotent."""

from __future__ import annotations

import datetime as dt

from kap_clinic.accounts.models import User

from .models import CareTeamMembership, Patient

DEMO_PATIENT_EMAIL = "patient@demo.clinic"

OTHER_PATIENTS = [
    ("Morgan", "Reyes", dt.date(1979, 3, 14), Patient.Status.SCREENING),
    ("Samira", "Haddad", dt.date(1991, 11, 2), Patient.Status.ELIGIBLE),
    ("Chris", "Okafor", dt.date(1968, 6, 21), Patient.Status.REFERRED),
    ("Lena", "Fischer", dt.date(1985, 1, 30), Patient.Status.MAINTENANCE),
]


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
    for first, last, dob, status in OTHER_PATIENTS:
        patient, _ = Patient.objects.update_or_create(
            legal_first_name=first,
            legal_last_name=last,
            date_of_birth=dob,
            defaults={"status": status, "email": f"{first.lower()}.{last.lower()}@example.com"},
        )
        patients[f"{first.lower()}"] = patient
    team = [users["prescriber"], users["nurse"], users["therapist"]]
    for patient in patients.values():
        for clinician in team:
            CareTeamMembership.objects.get_or_create(
                patient=patient,
                clinician=clinician,
                active=True,
                defaults={"is_lead": clinician == users["prescriber"]},
            )
    return patients
