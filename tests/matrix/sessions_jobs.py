"""Access rules for reports and the background-jobs view (issue 7).

Clinical reports (here a treatment summary of the demo patient) are for clinicians on the care
team: the outsider and practice admins get 404, patients 403 (staff pages). The operations view,
its retry and the reminder resend are for practice admins only. A patient sets their own reminder
channels in the portal.
"""

from __future__ import annotations

import datetime as dt
import hashlib

from . import Case

STAFF_OK = {
    "admin": 200,
    "prescriber": 200,
    "nurse": 200,
    "therapist": 200,
    "outsider": 200,
    "patient_user": 403,
    "other_patient_user": 403,
}
TEAM_ONLY = {**STAFF_OK, "admin": 404, "outsider": 404}
ADMIN_ONLY = {**{k: 403 for k in STAFF_OK}, "admin": 200}
ADMIN_POST = {**{k: 403 for k in STAFF_OK}, "admin": 302}
PDF = b"%PDF-1.7\n% a tiny stand-in\n%%EOF\n"


def _report(p):
    from django.core.files.base import ContentFile
    from django.utils import timezone

    from sessions_app.reports.models import GeneratedReport

    report = GeneratedReport.objects.create(kind="treatment_summary", requested_by=p.prescriber, patient=p.demo_patient)
    report.file.save("x.pdf", ContentFile(PDF), save=False)
    GeneratedReport.objects.filter(pk=report.pk).update(
        status="done",
        file=report.file.name,
        size=len(PDF),
        sha256=hashlib.sha256(PDF).hexdigest(),
        finished_at=timezone.now(),
    )
    return report


def report_kwargs(p):
    return {"public_id": _report(p).public_id}


def failed_report_kwargs(p):
    from sessions_app.reports.models import GeneratedReport

    report = GeneratedReport.objects.create(
        kind="treatment_summary", requested_by=p.prescriber, patient=p.demo_patient, status="failed", error="boom"
    )
    return {"public_id": report.public_id}


def reminder_kwargs(p):
    from django.utils import timezone

    from sessions_app.reminders.models import Reminder
    from tests.matrix.sessions_app import _session

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


def patient_kwargs(p):
    return {"patient_id": p.demo_patient.public_id}


def summary_request(p):
    return {"kind": "treatment_summary", "patient": str(p.demo_patient.public_id)}


CASES = [
    Case("sessions_app:reports", STAFF_OK),
    Case(
        "sessions_app:report_request",
        {**TEAM_ONLY, "prescriber": 302, "nurse": 302, "therapist": 302, "admin": 403},
        method="post",
        data=summary_request,
    ),
    Case(
        "sessions_app:report_request",
        {**STAFF_OK, "admin": 405, "prescriber": 405, "nurse": 405, "therapist": 405, "outsider": 405},
    ),
    Case("sessions_app:report_patient", {**STAFF_OK, "outsider": 404}, kwargs=patient_kwargs),
    Case("sessions_app:report_detail", TEAM_ONLY, kwargs=report_kwargs),
    Case("sessions_app:report_status", TEAM_ONLY, kwargs=report_kwargs),
    Case("sessions_app:report_download", TEAM_ONLY, kwargs=report_kwargs),
    Case(
        "sessions_app:report_retry",
        {**TEAM_ONLY, "prescriber": 302, "nurse": 302, "therapist": 302},
        method="post",
        kwargs=failed_report_kwargs,
        data=lambda p: {},
    ),
    Case("sessions_app:operations", ADMIN_ONLY),
    Case(
        "sessions_app:operations_report_retry",
        ADMIN_POST,
        method="post",
        kwargs=failed_report_kwargs,
        data=lambda p: {},
    ),
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
    # API
    Case("api:reports", {**STAFF_OK}, api=True),
    Case(
        "api:reports",
        {**TEAM_ONLY, "prescriber": 202, "nurse": 202, "therapist": 202, "admin": 403},
        method="post",
        data=summary_request,
        api=True,
    ),
    Case("api:report_detail", TEAM_ONLY, kwargs=report_kwargs, api=True),
    Case("api:report_download", TEAM_ONLY, kwargs=report_kwargs, api=True),
    Case(
        "api:report_retry",
        {**TEAM_ONLY, "prescriber": 202, "nurse": 403, "therapist": 403},
        method="post",
        kwargs=failed_report_kwargs,
        data=lambda p: {},
        api=True,
    ),
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
