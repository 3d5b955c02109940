from __future__ import annotations

from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "kap_clinic.audit"
    label = "audit"
    verbose_name = "Audit trail"

    def ready(self) -> None:
        from . import panels

        panels.register()
