"""Background jobs of sessions_app. IDs only in messages; each task calls services; all are safe
to run twice (claims are conditional UPDATEs on the rows, which are the source of truth).

- ``jobs_sweep_task`` (beat, every minute): plans consent reminders and reminders on channels a
  patient chose after booking, recovers claims of dead workers, sends due reminders, hands report
  jobs the broker lost back to it, renders signed consent snapshots whose own task never ran, and
  hands over again the signing-request and portal-invitation emails that never went.
- ``reminder_send_task`` (``sessions_app.reminders.tasks``): send one reminder now (an admin's resend).
- ``report_render_task`` (``sessions_app.reports.tasks``): render one report.

Celery's autodiscovery imports this module only, so it imports the sub-packages' tasks too.
"""

from __future__ import annotations

from celery import shared_task

from sessions_app.reminders.tasks import reminder_send_task
from sessions_app.reports.tasks import report_render_task

__all__ = ["jobs_sweep_task", "reminder_send_task", "report_render_task"]


@shared_task(name="sessions_app.tasks.jobs_sweep_task", acks_late=True)
def jobs_sweep_task() -> dict:
    from consent.services import consent_emails_relay
    from sessions_app.reminders.services import delivery, planning
    from sessions_app.reports.services import consent_snapshots_catch_up, reports_relay

    result: dict = {
        "consent_planned": planning.reminders_plan_consent(),
        "channels_planned": planning.reminders_plan_new_channels(),
        "recovered": delivery.reminders_recover_stale(),
    }
    result["reminders"] = delivery.reminders_send_due()
    result["reports"] = reports_relay()
    result["consent_snapshots"] = consent_snapshots_catch_up()
    result["consent_emails"] = consent_emails_relay()
    return result
