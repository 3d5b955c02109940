from __future__ import annotations

from django.apps import AppConfig


class SessionsAppConfig(AppConfig):
    name = "sessions_app"
    label = "sessions_app"
    verbose_name = "Sessions and scheduling"

    def ready(self) -> None:
        """Each sub-package puts its panels on other apps' pages (chart, dashboard, portal home),
        and the higher sub-packages fill the hooks scheduling offers (it imports none of them)."""
        from kap_clinic.ops.queues import Queue, register_queue
        from sessions_app.clinical import panels as clinical_panels
        from sessions_app.clinical import thresholds
        from sessions_app.clinical.selectors import session_clinical_records
        from sessions_app.clinical.services.live import session_changed_bump
        from sessions_app.reminders import hooks as reminder_hooks
        from sessions_app.reminders.selectors import reminders_backlog
        from sessions_app.reports import panels as report_panels
        from sessions_app.reports.selectors import reports_backlog
        from sessions_app.scheduling import panels as scheduling_panels
        from sessions_app.scheduling.hooks import (
            on_session_changed,
            register_check_in_window,
            register_session_record_links,
        )

        scheduling_panels.register()
        clinical_panels.register()
        report_panels.register()
        reminder_hooks.register()
        register_session_record_links(session_clinical_records)
        # Open dosing pages and the treatment-room board notice bookings, moves and status changes.
        on_session_changed(session_changed_bump)
        register_check_in_window(thresholds.check_in_window_minutes)
        # What waits for the background jobs, for /healthz/jobs, the admins' banner and /metrics.
        register_queue(Queue("reminders", "waiting", "reminder", reminders_backlog, order=1))
        register_queue(Queue("reports", "queued", "report", reports_backlog, order=2))
