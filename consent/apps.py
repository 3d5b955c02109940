from __future__ import annotations

from django.apps import AppConfig


class ConsentConfig(AppConfig):
    name = "consent"
    label = "consent"
    verbose_name = "Consent"

    def ready(self) -> None:
        from kap_clinic.common.panels import Panel, register

        from . import panels

        register(
            "chart_header", Panel("consent_status", "consent/partials/_chart_status.html", panels.chart_status, 20)
        )
        register(
            "chart_main", Panel("consent_list", "consent/partials/_chart_consents.html", panels.chart_consents, 30)
        )
        register(
            "portal_home", Panel("consent_documents", "consent/partials/_portal_panel.html", panels.portal_home, 10)
        )
        # Requested, signed and revoked consents on the chart timeline.
        from patients.timeline import register_source

        from .timeline import consent_entries

        register_source("consent", consent_entries)
