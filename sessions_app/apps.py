from __future__ import annotations

from django.apps import AppConfig


class SessionsAppConfig(AppConfig):
    name = "sessions_app"
    label = "sessions_app"
    verbose_name = "Sessions and scheduling"

    def ready(self) -> None:
        from kap_clinic.common.panels import Panel, register

        from . import panels

        register(
            "chart_main",
            Panel("upcoming_sessions", "sessions_app/partials/_chart_panel.html", panels.chart_upcoming, 20),
        )
        register(
            "dashboard",
            Panel("today_sessions", "sessions_app/partials/_dashboard_panel.html", panels.dashboard_today, 10),
        )
        register(
            "portal_home", Panel("appointments", "sessions_app/partials/_portal_panel.html", panels.portal_upcoming, 10)
        )
        # Past sessions (kind, status, time; no clinical content) on the chart timeline.
        from patients.timeline import register_source

        from .timeline import session_entries

        register_source("sessions", session_entries)
        # Clinical records (issue 6): dosing today and unsigned records; the treatment record on the chart.
        from . import admin_clinical, panels_clinical  # noqa: F401

        register(
            "dashboard",
            Panel("clinical", "sessions_app/clinical/partials/_dashboard_panel.html", panels_clinical.dashboard, 15),
        )
        register(
            "chart_main",
            Panel("clinical", "sessions_app/clinical/partials/_chart_panel.html", panels_clinical.chart, 25),
        )
        # Background jobs (issue 7): "Reports" on the chart, failed reminders on the admins' dashboard.
        from . import panels_jobs

        panels_jobs.register()
