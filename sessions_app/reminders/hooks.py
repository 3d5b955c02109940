"""What reminders hang on scheduling (called once from ``SessionsAppConfig.ready``)."""

from __future__ import annotations


def register() -> None:
    """Reminder rows follow their session: re-planned whenever it is booked, moved, cancelled or
    changes status, inside the scheduling service's transaction."""
    from sessions_app.reminders.services.planning import reminders_replan_for_session
    from sessions_app.scheduling.hooks import on_session_changed

    on_session_changed(reminders_replan_for_session)
