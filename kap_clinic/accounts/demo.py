"""Demo personas (PRODUCT.md). Development only; seed_demo refuses production settings."""

from __future__ import annotations

from .models import User

DEMO_PASSWORD = "kap-demo-2026"  # noqa: S105 - documented demo credential, development only

PERSONAS: dict[str, dict[str, str]] = {
    "admin": {"email": "admin@demo.clinic", "full_name": "Alex Morgan", "role": User.Role.ADMIN},
    "prescriber": {
        "email": "prescriber@demo.clinic",
        "full_name": "Dr. Priya Raman",
        "role": User.Role.CLINICIAN,
        "discipline": User.Discipline.PRESCRIBER,
        "credentials": "MD",
    },
    "nurse": {
        "email": "nurse@demo.clinic",
        "full_name": "Noah Bennett",
        "role": User.Role.CLINICIAN,
        "discipline": User.Discipline.NURSE,
        "credentials": "RN",
    },
    "therapist": {
        "email": "therapist@demo.clinic",
        "full_name": "Tessa Kline",
        "role": User.Role.CLINICIAN,
        "discipline": User.Discipline.THERAPIST,
        "credentials": "LCSW",
    },
    "outsider": {
        "email": "outsider@demo.clinic",
        "full_name": "Dr. Owen Price",
        "role": User.Role.CLINICIAN,
        "discipline": User.Discipline.PRESCRIBER,
        "credentials": "MD",
    },
    "patient": {"email": "patient@demo.clinic", "full_name": "Jordan Ellis", "role": User.Role.PATIENT},
}


def seed_users() -> dict[str, User]:
    """Create or refresh the demo personas; returns them by persona key."""
    users = {}
    for key, spec in PERSONAS.items():
        defaults = {
            "full_name": spec["full_name"],
            "role": spec["role"],
            "discipline": spec.get("discipline", ""),
            "credentials": spec.get("credentials", ""),
            "is_active": True,
        }
        user, created = User.objects.update_or_create(email=spec["email"], defaults=defaults)
        if created or not user.check_password(DEMO_PASSWORD):
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
        users[key] = user
    return users
