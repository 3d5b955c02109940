from __future__ import annotations

from django.apps import AppConfig


class SessionsAppConfig(AppConfig):
    name = "sessions_app"
    label = "sessions_app"
    verbose_name = "Sessions and scheduling"

    def ready(self) -> None:
        """Each sub-package puts its panels on other apps' pages (chart, dashboard, portal home)."""
        from sessions_app.clinical import panels as clinical_panels
        from sessions_app.reports import panels as report_panels
        from sessions_app.scheduling import panels as scheduling_panels

        scheduling_panels.register()
        clinical_panels.register()
        report_panels.register()
