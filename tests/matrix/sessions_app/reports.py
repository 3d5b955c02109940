"""Access rules for reports and the operations (background-jobs) view.

Clinical reports (here a treatment summary of the demo patient) are for clinicians on the care
team: the outsider and practice admins get 404, patients 403 (staff pages). The operations view
and its retry are for practice admins only (the reminder resend on that view is in
``reminders.py``).
"""

from __future__ import annotations

import hashlib

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
TEAM_ONLY = {**STAFF_OK, "admin": 404, "outsider": 404}
ADMIN_ONLY = {**{k: 403 for k in STAFF_OK}, "admin": 200}
ADMIN_POST = {**{k: 403 for k in STAFF_OK}, "admin": 302}
PDF = b"%PDF-1.7\n% a tiny stand-in\n%%EOF\n"


def _report(p):
    from django.core.files.base import ContentFile
    from django.utils import timezone

    from sessions_app.reports.models import GeneratedReport
    from tests.sessions_app.factories import GeneratedReportFactory

    report = GeneratedReportFactory(requested_by=p.prescriber, patient=p.demo_patient)
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
    from tests.sessions_app.factories import GeneratedReportFactory

    report = GeneratedReportFactory(requested_by=p.prescriber, patient=p.demo_patient, status="failed", error="boom")
    return {"public_id": report.public_id}


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
]
