"""A practice admin's resend of a failed reminder."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from kap_clinic.accounts.permissions import ADMIN, user_has_role
from kap_clinic.audit.services import audit_record
from kap_clinic.common.errors import InvalidTransition, PermissionDeniedError
from kap_clinic.common.jobs import enqueue_after_commit
from sessions_app.reminders.models import Reminder
from sessions_app.reminders.services.planning import reminder_set
from sessions_app.reminders.tasks import reminder_send_task

RESENDABLE = (Reminder.Status.FAILED,)


@transaction.atomic
def reminder_resend(*, actor: Any, reminder: Reminder) -> Reminder:
    """A practice admin sends a failed reminder again: back to pending, due now, attempts reset.

    The send itself happens in ``reminder_send_task`` after commit (or the next sweep when the
    broker is away). Raises PermissionDeniedError (not an admin) or InvalidTransition (not failed).
    """
    if not user_has_role(actor, ADMIN):
        raise PermissionDeniedError("Only a practice admin may resend reminders.")
    reminder = Reminder.objects.select_for_update().select_related("patient").get(pk=reminder.pk)
    if reminder.status not in RESENDABLE:
        raise InvalidTransition(
            f"Only failed reminders can be resent; this one is {reminder.get_status_display().lower()}.",
            field="status",
        )
    now = timezone.now()
    reminder_set(
        reminder,
        status=Reminder.Status.PENDING,
        status_reason="Resent by an admin",
        attempts=0,
        next_attempt_at=now,
        last_error="",
        now=now,
    )
    audit_record(
        actor=actor, action="reminder.resent", target=reminder, patient=reminder.patient, changed_fields=["status"]
    )
    enqueue_after_commit(reminder_send_task, reminder.pk)
    return reminder
