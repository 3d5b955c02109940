"""Background jobs of sessions_app. IDs only in messages; each task calls services; all are safe
to run twice (claims are conditional UPDATEs on the rows, which are the source of truth).

- ``jobs_sweep_task`` (beat, every minute): plans consent reminders and reminders on channels a
  patient chose after booking, recovers claims of dead workers, sends due reminders, hands report
  jobs the broker lost back to it, and renders signed consent snapshots whose own task never ran.
- ``reminder_send_task``: send one reminder now (an admin's resend).
- ``report_render_task``: render one report.
"""

from __future__ import annotations

from celery import shared_task


@shared_task(name="sessions_app.tasks.jobs_sweep_task", acks_late=True)
def jobs_sweep_task() -> dict:
    from sessions_app.reminders import services as reminders
    from sessions_app.reports import services as reports

    result: dict = {
        "consent_planned": reminders.reminders_plan_consent(),
        "channels_planned": reminders.reminders_plan_new_channels(),
        "recovered": reminders.reminders_recover_stale(),
    }
    result["reminders"] = reminders.reminders_send_due()
    result["reports"] = reports.reports_relay()
    result["consent_snapshots"] = reports.consent_snapshots_catch_up()
    return result


# Handed over from request paths: no result is stored, so publishing never waits on the result
# backend (with Redis down, subscribing for a result retries for tens of seconds). The rows
# carry the outcome.
@shared_task(name="sessions_app.tasks.reminder_send_task", acks_late=True, ignore_result=True)
def reminder_send_task(reminder_id: int) -> str:
    from sessions_app.reminders.services import reminder_deliver

    return reminder_deliver(reminder_id).outcome


@shared_task(name="sessions_app.tasks.report_render_task", acks_late=True, ignore_result=True)
def report_render_task(report_id: int) -> str:
    from sessions_app.reports.services import report_render

    return report_render(report_id=report_id)
