from __future__ import annotations

from django.apps import AppConfig


class PatientsConfig(AppConfig):
    name = "patients"
    label = "patients"

    def ready(self) -> None:
        from kap_clinic.common.panels import Panel, register

        from . import panels

        register(
            "chart_header",
            Panel("patients.safety_flags", "patients/partials/_chart_safety_flags.html", panels.chart_safety_flags, 10),
        )
        register(
            "dashboard",
            Panel(
                "patients.safety_alerts",
                "patients/partials/_dashboard_safety_alerts.html",
                panels.dashboard_safety_alerts,
                10,
            ),
        )
