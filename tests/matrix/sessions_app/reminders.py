"""Access rules for reminders: the resend on the operations view and in the API (practice admins
only), and the portal page where a patient chooses their own reminder channels.
"""

from __future__ import annotations

import datetime as dt

from tests.matrix import Case

STAFF_OK = {
    "admin": 200,
    "prescriber": 200,
    "nurse": 200,
    "therapist": 200,
    "outsider": 200,
    "patient_user": 403,
    "other_patient_user": 403,
}
ADMIN_ONLY = {**{k: 403 for k in STAFF_OK}, "admin": 200}
ADMIN_POST = {**{k: 403 for k in STAFF_OK}, "admin": 302}


def reminder_kwargs(p):
    from django.utils import timezone

    from sessions_app.reminders.models import Reminder

    from .scheduling import _session

    session = _session(p)
    due = timezone.now() - dt.timedelta(hours=1)
    # The booking planned the session's reminders; one of them failed.
    reminder, _ = Reminder.objects.update_or_create(
        session=session,
        kind="appointment",
        channel="email",
        offset_minutes=120,
        defaults={
            "patient": p.demo_patient,
            "planned_for": session.starts_at,
            "due_at": due,
            "next_attempt_at": due,
            "status": "failed",
            "attempts": 5,
            "last_error": "email not sent: ConnectionRefusedError",
        },
    )
    return {"public_id": reminder.public_id}


CASES = [
    Case("sessions_app:reminder_resend", ADMIN_POST, method="post", kwargs=reminder_kwargs, data=lambda p: {}),
    # Portal: a patient chooses their own reminder channels (no URL names anyone else's record).
    Case(
        "portal:reminder_channels",
        {"patient_user": 302, "other_patient_user": 302},
        method="post",
        data=lambda p: {"email": "on"},
        default=403,
    ),
    Case("portal:reminder_channels", {"patient_user": 405, "other_patient_user": 405}, default=403),
    Case("api:reminders", ADMIN_ONLY, api=True),
    Case(
        "api:reminder_resend",
        {**{k: 403 for k in STAFF_OK}, "admin": 202},
        method="post",
        kwargs=reminder_kwargs,
        data=lambda p: {},
        api=True,
    ),
]
