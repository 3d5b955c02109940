"""seed_demo: the demo clinic of PRODUCT.md, safe to run twice, never with production settings."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.apps import apps
from django.contrib.auth import SESSION_KEY
from django.core.management import call_command

from kap_clinic.accounts.demo import DEMO_PASSWORD
from kap_clinic.accounts.models import User
from patients.models import CareTeamMembership, Patient

ROOT = Path(__file__).resolve().parent.parent
PERSONA_EMAILS = [
    "admin@demo.clinic",
    "prescriber@demo.clinic",
    "nurse@demo.clinic",
    "therapist@demo.clinic",
    "patient@demo.clinic",
    "outsider@demo.clinic",
]
SEEDED_APPS = ("accounts", "patients", "consent", "sessions_app")


def row_counts() -> dict[str, int]:
    """Rows per model of the project's apps (the audit trail may grow; the clinic may not)."""
    return {
        model._meta.label: model._base_manager.count()
        for app_label in SEEDED_APPS
        for model in apps.get_app_config(app_label).get_models()
        if not model._meta.proxy
    }


@pytest.fixture
def seeded(db):
    call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115


def test_seed_demo_creates_the_personas_with_their_roles(seeded) -> None:
    users = {u.email: u for u in User.objects.filter(email__in=PERSONA_EMAILS)}
    assert set(users) == set(PERSONA_EMAILS)
    assert users["admin@demo.clinic"].is_practice_admin
    assert users["prescriber@demo.clinic"].is_prescriber
    assert users["nurse@demo.clinic"].is_nurse
    assert users["therapist@demo.clinic"].is_therapist
    assert users["outsider@demo.clinic"].is_prescriber
    assert users["patient@demo.clinic"].is_patient


def test_seed_demo_puts_the_care_team_on_the_demo_patient_and_leaves_the_outsider_off(seeded) -> None:
    demo = Patient.objects.get(user__email="patient@demo.clinic")
    team = set(CareTeamMembership.objects.filter(patient=demo, active=True).values_list("clinician__email", flat=True))
    assert team == {"prescriber@demo.clinic", "nurse@demo.clinic", "therapist@demo.clinic"}
    assert not CareTeamMembership.objects.filter(clinician__email="outsider@demo.clinic", patient=demo).exists()
    assert Patient.objects.count() >= 4


def test_seed_demo_is_idempotent(seeded) -> None:
    first = row_counts()
    call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    assert row_counts() == first


def test_seed_demo_restores_a_changed_demo_password(seeded) -> None:
    nurse = User.objects.get(email="nurse@demo.clinic")
    nurse.set_password("Something-Else-2026")
    nurse.save()
    call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    assert User.objects.get(email="nurse@demo.clinic").check_password(DEMO_PASSWORD)


@pytest.mark.parametrize("email", PERSONA_EMAILS)
def test_every_persona_can_log_in_with_the_demo_password(client, seeded, email) -> None:
    response = client.post("/accounts/login/", {"email": email, "password": DEMO_PASSWORD}, follow=True)
    assert response.status_code == 200
    assert client.session.get(SESSION_KEY) == str(User.objects.get(email=email).pk)


def test_seed_demo_prints_the_logins(db, capsys) -> None:
    call_command("seed_demo")
    out = capsys.readouterr().out
    assert DEMO_PASSWORD in out
    assert all(email in out for email in PERSONA_EMAILS)


def test_seed_demo_refuses_production_settings() -> None:
    env = {
        k: v for k, v in os.environ.items() if not k.startswith("DJANGO_") and k not in ("DATABASE_URL", "REDIS_URL")
    }
    env.update(
        DJANGO_SETTINGS_MODULE="kap_clinic.settings.production",
        DJANGO_SECRET_KEY="prod-test-" + "q7Lm2xVb9KcR4tWz8NpJ3sHf6YdG1uEa5oTiBnCvXk",
        DJANGO_ALLOWED_HOSTS="clinic.example.org",
        EMAIL_URL="smtp://mail.example.org:587",
        AUDIT_HMAC_KEY="prod-test-audit-key-0123456789abcdefghij",
        DATABASE_URL="sqlite:////nonexistent-dir/never-created.sqlite3",
    )
    result = subprocess.run(  # noqa: S603 - fixed interpreter and arguments
        [sys.executable, "manage.py", "seed_demo"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode != 0
    assert "refuses to run with production settings" in result.stderr
    assert not Path("/nonexistent-dir/never-created.sqlite3").exists()
