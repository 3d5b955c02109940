from __future__ import annotations

from django.apps import AppConfig


class IdempotencyConfig(AppConfig):
    name = "kap_clinic.idempotency"
    label = "idempotency"
    verbose_name = "Idempotency keys"

    def ready(self) -> None:
        # The worker imports the tasks modules of the packages kap_clinic/celery.py names; this one
        # registers its purge task by being imported with the app.
        from . import tasks  # noqa: F401
