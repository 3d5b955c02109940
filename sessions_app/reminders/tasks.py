"""Reminder jobs: IDs only in messages, safe to run twice (the claim is a conditional UPDATE on the row).

The services are imported when a task runs: the services module imports this one to enqueue.
"""

from __future__ import annotations

from celery import shared_task


# Handed over from request paths: no result is stored, so publishing never waits on the result
# backend (with Redis down, subscribing for a result retries for tens of seconds). The rows
# carry the outcome.
@shared_task(name="sessions_app.tasks.reminder_send_task", acks_late=True, ignore_result=True)
def reminder_send_task(reminder_id: int) -> str:
    """Send one reminder now (an admin's resend)."""
    from sessions_app.reminders.services.delivery import reminder_deliver

    return reminder_deliver(reminder_id).outcome
