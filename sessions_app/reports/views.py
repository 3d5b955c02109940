"""Report pages (ask for a PDF, watch it render with htmx polling, download it) and the admins'
operations view of background jobs (queued and failed reports and reminders, with retry).

Views authenticate, fetch through selectors and write through ``sessions_app.reports.services``
and ``sessions_app.reminders.services.resend``; the APIs (``reports/api.py``, ``reminders/api.py``)
call the same functions.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from kap_clinic.accounts.permissions import ADMIN, CLINICIAN, STAFF, role_required, user_has_role
from kap_clinic.audit.services import audit_record
from kap_clinic.common.errors import ApplicationError, PermissionDeniedError, ValidationFailed
from patients.selectors import patient_get_for, patient_list_visible_to, user_is_on_care_team
from sessions_app.clinical.models.dosing import DosingRecord, Medication
from sessions_app.clinical.models.notes import IntegrationRecord, PreparationRecord
from sessions_app.reminders.models import Reminder
from sessions_app.reminders.services import resend
from sessions_app.reports import services
from sessions_app.reports.models import GeneratedReport
from sessions_app.scheduling import selectors
from sessions_app.scheduling.models import Session, SessionKind, TreatmentCourse

POLL_SECONDS = 2
RECORD_KINDS = (SessionKind.DOSING, SessionKind.PREPARATION, SessionKind.INTEGRATION)


def _back(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return default


def _date(value: str | None, field: str) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ValidationFailed(f"{value!r} is not a date (YYYY-MM-DD).", field=field) from None


def request_subject(user: Any, data: Any) -> dict[str, Any]:
    """Resolve the public ids a request names into rows the user may see (404 otherwise, audited)."""
    subject: dict[str, Any] = {}
    if data.get("session"):
        subject["session"] = selectors.session_get_for(user=user, public_id=data["session"])
    if data.get("patient"):
        subject["patient"] = patient_get_for(user=user, public_id=data["patient"])
    if data.get("course"):
        course = (
            TreatmentCourse.objects.filter(patient__in=patient_list_visible_to(user), public_id=data["course"])
            .select_related("patient")
            .first()
            if _is_uuid(data["course"])
            else None
        )
        if course is None:
            raise Http404("No course matches the given query.")
        subject["course"] = course
    if data.get("consent_record"):
        from consent.selectors import consent_record_get_for

        subject["consent_record"] = consent_record_get_for(user=user, public_id=data["consent_record"])
    subject["start"] = _date(data.get("start"), "start")
    subject["end"] = _date(data.get("end"), "end")
    return subject


def _is_uuid(value: Any) -> bool:
    import uuid

    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True


# --- reports --------------------------------------------------------------------------------


@role_required(STAFF)
@require_GET
def report_index(request: HttpRequest) -> HttpResponse:
    """My reports (live status) and where to ask for new ones."""
    user = request.user
    patients = None
    if user_has_role(user, CLINICIAN):
        patients = patient_list_visible_to(user).order_by("legal_last_name", "legal_first_name")[:200]
    context = {
        "reports": services.report_list_for(user)[:50],
        "patients": patients,
        "poll_seconds": POLL_SECONDS,
    }
    if user_has_role(user, ADMIN):
        from sessions_app.reports.builders.operations import default_period

        context["period"] = default_period()
    return render(request, "sessions_app/reports/index.html", context)


@role_required(STAFF)
@require_GET
def report_patient(request: HttpRequest, patient_id: str) -> HttpResponse:
    """The reports one can ask for about one patient: care-team clinicians see the clinical
    ones; anyone who may see the patient sees the signed consents."""
    from consent.models import ConsentRecord

    user = request.user
    patient = patient_get_for(user=user, public_id=patient_id)
    audit_record(actor=user, action="patient.reports_viewed", target=patient, patient=patient)
    clinical = user_is_on_care_team(user=user, patient=patient)
    sessions: list[dict[str, Any]] = []
    courses: list[TreatmentCourse] = []
    if clinical:
        courses = list(TreatmentCourse.objects.filter(patient=patient).order_by("-created_at"))
        with_record = (
            Session.objects.filter(
                patient=patient, kind__in=[SessionKind.DOSING, SessionKind.PREPARATION, SessionKind.INTEGRATION]
            )
            .filter(
                Q(pk__in=DosingRecord.objects.filter(patient=patient).values("session_id"))
                | Q(pk__in=PreparationRecord.objects.filter(patient=patient).values("session_id"))
                | Q(pk__in=IntegrationRecord.objects.filter(patient=patient).values("session_id"))
            )
            .order_by("-starts_at")
        )
        esketamine = set(
            DosingRecord.objects.filter(patient=patient, medication=Medication.ESKETAMINE).values_list(
                "session_id", flat=True
            )
        )
        sessions = [{"session": s, "esketamine": s.pk in esketamine} for s in with_record[:100]]
    consents = list(
        ConsentRecord.objects.filter(patient=patient).select_related("document", "kind").order_by("-signed_at")
    )
    context = {
        "patient": patient,
        "clinical": clinical,
        "courses": courses,
        "sessions": sessions,
        "consents": consents,
        "reports": GeneratedReport.objects.filter(patient=patient, requested_by=user).order_by("-created_at")[:20],
        "poll_seconds": POLL_SECONDS,
    }
    return render(request, "sessions_app/reports/patient.html", context)


@role_required(STAFF)
@require_POST
def report_request(request: HttpRequest) -> HttpResponse:
    """Queue a report (POST kind + the subject's public ids) and go to its status page."""
    fallback = reverse("sessions_app:reports")
    try:
        subject = request_subject(request.user, request.POST)
        report = services.report_request(actor=request.user, kind=request.POST.get("kind", ""), **subject)
    except PermissionDeniedError as exc:
        raise PermissionDenied(exc.message) from exc
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect(_back(request, fallback))
    if request.htmx:
        return _status_partial(request, report)
    return redirect("sessions_app:report_detail", public_id=report.public_id)


@role_required(STAFF)
@require_GET
def report_detail(request: HttpRequest, public_id: str) -> HttpResponse:
    report = services.report_get_for(user=request.user, public_id=public_id)
    return render(request, "sessions_app/reports/detail.html", {"report": report, "poll_seconds": POLL_SECONDS})


def _status_partial(request: HttpRequest, report: GeneratedReport) -> HttpResponse:
    response = render(
        request, "sessions_app/reports/partials/_report_status.html", {"report": report, "poll_seconds": POLL_SECONDS}
    )
    if report.is_finished:
        response["HX-Trigger"] = "report-finished"
    return response


@role_required(STAFF)
@require_GET
def report_status(request: HttpRequest, public_id: str) -> HttpResponse:
    """The status partial that the page polls while the job is queued or running."""
    report = services.report_get_for(user=request.user, public_id=public_id)
    return _status_partial(request, report)


@role_required(STAFF)
@require_GET
def report_download(request: HttpRequest, public_id: str) -> HttpResponse:
    report = services.report_get_for(user=request.user, public_id=public_id)
    try:
        data = services.report_download(actor=request.user, report=report)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("sessions_app:report_detail", public_id=report.public_id)
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{report.download_name}"'
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@role_required(STAFF)
@require_POST
def report_retry(request: HttpRequest, public_id: str) -> HttpResponse:
    report = services.report_get_for(user=request.user, public_id=public_id)
    try:
        report = services.report_retry(actor=request.user, report=report)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    if request.htmx:
        return _status_partial(request, report)
    return redirect("sessions_app:report_detail", public_id=report.public_id)


# --- operations (admins) -----------------------------------------------------------------------


@role_required(ADMIN)
@require_GET
def operations(request: HttpRequest) -> HttpResponse:
    """Background jobs for practice admins: reports waiting or failed, reminders due or failed."""
    now = timezone.now()
    reports = GeneratedReport.objects.select_related("requested_by", "patient")
    reminders = Reminder.objects.select_related("patient", "session")
    counts = dict(
        Reminder.objects.filter(updated_at__gte=now - dt.timedelta(days=7))
        .values_list("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )
    context = {
        "open_reports": reports.filter(
            status__in=(GeneratedReport.Status.QUEUED, GeneratedReport.Status.RUNNING)
        ).order_by("created_at")[:50],
        "failed_reports": reports.filter(status=GeneratedReport.Status.FAILED).order_by("-updated_at")[:50],
        "failed_reminders": reminders.filter(status=Reminder.Status.FAILED).order_by("-updated_at")[:100],
        "overdue_reminders": reminders.filter(
            status__in=(Reminder.Status.PENDING, Reminder.Status.SENDING),
            next_attempt_at__lt=now - dt.timedelta(minutes=5),
        ).order_by("next_attempt_at")[:50],
        "upcoming_reminders": reminders.filter(status=Reminder.Status.PENDING, next_attempt_at__gte=now).order_by(
            "next_attempt_at"
        )[:20],
        "week_counts": [(s.label, counts.get(s.value, 0)) for s in Reminder.Status],
        "now": now,
    }
    return render(request, "sessions_app/reports/operations.html", context)


@role_required(ADMIN)
@require_POST
def operations_report_retry(request: HttpRequest, public_id: str) -> HttpResponse:
    report = GeneratedReport.objects.filter(public_id=public_id).first() if _is_uuid(public_id) else None
    if report is None:
        raise Http404("No report matches the given query.")
    try:
        services.report_retry(actor=request.user, report=report)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "The report is queued again.")
    return redirect("sessions_app:operations")


@role_required(ADMIN)
@require_POST
def reminder_resend(request: HttpRequest, public_id: str) -> HttpResponse:
    reminder = Reminder.objects.filter(public_id=public_id).first() if _is_uuid(public_id) else None
    if reminder is None:
        raise Http404("No reminder matches the given query.")
    try:
        resend.reminder_resend(actor=request.user, reminder=reminder)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "The reminder will be sent again now.")
    return redirect("sessions_app:operations")
