"""python manage.py seed_demo: an idempotent demo clinic (development only)."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from consent.demo import seed_consent
from kap_clinic.accounts.demo import DEMO_PASSWORD, PERSONAS, seed_users
from patients.demo import seed_patient_histories, seed_patients
from sessions_app.clinical.demo import seed_clinical
from sessions_app.clinical.demo_today import SECOND_THERAPIST, seed_live_rooms
from sessions_app.reminders.demo import seed_jobs
from sessions_app.scheduling.demo import seed_schedule


class Command(BaseCommand):
    help = "Create or refresh the demo clinic: personas, patients and care team. Refuses production settings."

    def handle(self, *args: object, **options: object) -> None:
        module = getattr(settings, "SETTINGS_MODULE", "")
        if module.endswith("production") or not (settings.DEBUG or module.endswith((".test", ".local"))):
            raise CommandError("seed_demo refuses to run with production settings (demo passwords are public).")
        with transaction.atomic():
            users = seed_users()
            patients = seed_patients(users)
            seed_patient_histories(users, patients)
            seed_consent(users, patients)
            seed_schedule(users, patients)
            seed_clinical(users, patients)
            seed_live_rooms(users, patients)
            seed_jobs(users, patients)
        self.stdout.write(self.style.SUCCESS(f"Demo clinic ready. Logins (password {DEMO_PASSWORD}):"))
        for spec in PERSONAS.values():
            self.stdout.write(f"  {spec['email']}")
        self.stdout.write(f"  {SECOND_THERAPIST} (the second treatment room's therapist)")
