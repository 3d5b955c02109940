"""Report jobs: IDs only in messages, safe to run twice (the claim is a conditional UPDATE on the row).

The services are imported when a task runs: the services module imports this one to enqueue.
"""

from __future__ import annotations

from celery import shared_task


@shared_task(name="sessions_app.tasks.report_render_task", acks_late=True, ignore_result=True)
def report_render_task(report_id: int) -> str:
    """Render one report."""
    from sessions_app.reports.services import report_render

    return report_render(report_id=report_id)
