"""Report jobs: request, render in the background, relay after a broker outage, retry, download.

Rules (aesthetics.md 3.6; reliability.md §6 items 47 and 49):
- Asking for a report writes a ``GeneratedReport`` row (queued) and hands its id to
  ``report_render_task`` after commit. If the broker is down the request still succeeds: the
  row stays queued and the minute sweep hands it over again (``reports_relay``).
- Rendering claims the row (queued → running) with a conditional UPDATE, so a task delivered
  twice renders once. The file is written before the row points at it, and the row becomes
  "done" only with a non-empty file and its SHA-256 (a database constraint as well). Every
  error ends as "failed" with the error text; a worker that died leaves "running", which the
  sweep resets (at most ``MAX_ATTEMPTS`` tries, then failed).
- Who may ask for and download a report is decided by the kind and re-checked at download:
  clinical kinds (session note, treatment summary, esketamine sheet) need a clinician on the
  patient's care team; the signed consent anyone who may see the patient's consents; the
  operations report a practice admin. Anyone else gets a 404 (audited). Every download is
  audited; a stored file whose hash no longer matches is refused.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import uuid
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from kap_clinic.accounts.permissions import ADMIN, CLINICIAN, STAFF, user_has_role, user_is_active
from kap_clinic.audit.models import AuditEvent
from kap_clinic.audit.services import audit_record
from kap_clinic.common.errors import Conflict, InvalidTransition, PermissionDeniedError, ValidationFailed
from kap_clinic.common.jobs import publish
from kap_clinic.common.pdf import PdfRenderError
from patients.models import Patient
from patients.selectors import clinical_content_refused, patient_list_visible_to, user_is_on_care_team
from sessions_app.clinical.models.dosing import DosingRecord, Medication
from sessions_app.clinical.models.notes import IntegrationRecord, PreparationRecord
from sessions_app.reports.models import GeneratedReport
from sessions_app.reports.tasks import report_render_task
from sessions_app.scheduling.models import Session, SessionKind, TreatmentCourse

log = logging.getLogger(__name__)

CLINICAL_KINDS = (
    GeneratedReport.Kind.SESSION_NOTE,
    GeneratedReport.Kind.TREATMENT_SUMMARY,
    GeneratedReport.Kind.ESKETAMINE_MONITORING,
)
MAX_ATTEMPTS = 3
# Longer than the task's hard time limit (5 min): a "running" row older than this lost its worker.
STALE_RUNNING = dt.timedelta(minutes=10)
# A queued job the broker should have started by now is handed over again.
RELAY_AFTER = dt.timedelta(minutes=2)


# --- who may see what -----------------------------------------------------------------------


def may_see(user: Any, report: GeneratedReport) -> bool:
    """Whether ``user`` may see this report's status and download it (the kind's rule)."""
    if not user_is_active(user):
        return False
    if report.kind == GeneratedReport.Kind.OPERATIONS:
        return user_has_role(user, ADMIN)
    if report.kind == GeneratedReport.Kind.CONSENT:
        return user_has_role(user, STAFF) and patient_list_visible_to(user).filter(pk=report.patient_id).exists()
    return user_has_role(user, CLINICIAN) and user_is_on_care_team(user=user, patient=report.patient)


def report_list_for(user: Any) -> QuerySet[GeneratedReport]:
    """The reports a user asked for, newest first (what "My reports" lists)."""
    if not user_is_active(user):
        return GeneratedReport.objects.none()
    return (
        GeneratedReport.objects.filter(requested_by=user).select_related("patient", "session").order_by("-created_at")
    )


def report_get_for(*, user: Any, public_id: uuid.UUID | str) -> GeneratedReport:
    """The report if ``user`` may see it, else 404 (audited, like other records)."""
    try:
        report = GeneratedReport.objects.select_related("patient", "session", "requested_by").get(public_id=public_id)
    except (GeneratedReport.DoesNotExist, ValueError, TypeError):
        report = None
    if report is None or not may_see(user, report):
        if user_is_active(user):
            audit_record(
                actor=user,
                action="report.access_denied",
                target_type="sessions_app.generatedreport",
                target_public_id=str(public_id),
                patient=report.patient if report is not None else None,
                outcome=AuditEvent.Outcome.DENIED,
            )
        raise Http404("No report matches the given query.")
    return report


def _require_clinician_on_team(actor: Any, patient: Patient) -> None:
    if clinical_content_refused(actor):
        raise PermissionDeniedError("Practice admins do not see clinical reports.")
    if not user_is_on_care_team(user=actor, patient=patient):
        raise PermissionDeniedError("You are not on this patient's care team.")


# --- requesting -----------------------------------------------------------------------------


@transaction.atomic
def report_request(
    *,
    actor: Any,
    kind: str,
    patient: Patient | None = None,
    session: Session | None = None,
    course: TreatmentCourse | None = None,
    consent_record: Any = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> GeneratedReport:
    """Queue a report and hand it to a worker after commit.

    The subject depends on the kind: a session (session note, esketamine sheet), a patient and
    optionally one of their courses (treatment summary), a signed consent record (consent), or
    a period (operations; default the last 8 full weeks). The same report already queued or
    running for the same person is returned instead of a second one (a double click).
    Raises ValidationFailed naming the field, or PermissionDeniedError.
    """
    if not user_has_role(actor, STAFF):
        raise PermissionDeniedError("Only clinic staff may ask for reports.")
    if kind not in GeneratedReport.Kind.values:
        raise ValidationFailed(f"Unknown report kind {kind!r}.", field="kind")
    values: dict[str, Any] = {"kind": kind}
    if kind in (GeneratedReport.Kind.SESSION_NOTE, GeneratedReport.Kind.ESKETAMINE_MONITORING):
        if session is None:
            raise ValidationFailed("Choose the session to print.", field="session")
        _require_clinician_on_team(actor, session.patient)
        _check_session_record(kind, session)
        values.update(patient=session.patient, session=session)
    elif kind == GeneratedReport.Kind.TREATMENT_SUMMARY:
        if patient is None and course is not None:
            patient = course.patient
        if patient is None:
            raise ValidationFailed("Choose the patient.", field="patient")
        _require_clinician_on_team(actor, patient)
        if course is not None and course.patient_id != patient.pk:
            raise ValidationFailed("That course belongs to another patient.", field="course")
        values.update(patient=patient, course=course)
    elif kind == GeneratedReport.Kind.CONSENT:
        if consent_record is None:
            raise ValidationFailed("Choose the signed consent.", field="consent_record")
        if not patient_list_visible_to(actor).filter(pk=consent_record.patient_id).exists():
            raise PermissionDeniedError("You may not see this patient's consents.")
        values.update(patient=consent_record.patient, consent_record=consent_record)
    else:
        if not user_has_role(actor, ADMIN):
            raise PermissionDeniedError("Only practice admins may run the operations report.")
        values["params"] = _period_params(start, end)
    existing = (
        GeneratedReport.objects.select_for_update()
        .filter(
            requested_by=actor, status__in=(GeneratedReport.Status.QUEUED, GeneratedReport.Status.RUNNING), **values
        )
        .order_by("-created_at")
        .first()
    )
    if existing is not None:
        return existing
    report = GeneratedReport.objects.create(requested_by=actor, **values)
    audit_record(
        actor=actor,
        action="report.requested",
        target=report,
        patient=report.patient,
        changed_fields=["kind", "status"],
    )
    _hand_over_after_commit(report)
    return report


def _period_params(start: dt.date | None, end: dt.date | None) -> dict[str, str]:
    from sessions_app.reports.builders.operations import MAX_DAYS, default_period

    if start is None and end is None:
        start, end = default_period()
    if start is None or end is None:
        raise ValidationFailed(
            "Give both the first and the last day of the period.", field="start" if not start else "end"
        )
    if end < start:
        raise ValidationFailed("The period must end on or after its first day.", field="end")
    if (end - start).days > MAX_DAYS:
        raise ValidationFailed(f"The period can be at most {MAX_DAYS} days long.", field="end")
    return {"start": start.isoformat(), "end": end.isoformat()}


def _check_session_record(kind: str, session: Session) -> None:
    if kind == GeneratedReport.Kind.ESKETAMINE_MONITORING:
        if not DosingRecord.objects.filter(session=session, medication=Medication.ESKETAMINE).exists():
            raise ValidationFailed("This session has no esketamine dosing record.", field="session")
        return
    models = {
        SessionKind.DOSING: DosingRecord,
        SessionKind.PREPARATION: PreparationRecord,
        SessionKind.INTEGRATION: IntegrationRecord,
    }
    model = models.get(session.kind)
    if model is None or not model.objects.filter(session=session).exists():
        raise ValidationFailed("This session has no dosing, preparation or integration record yet.", field="session")


def _hand_over_after_commit(report: GeneratedReport) -> None:
    report_id = report.pk

    def hand_over() -> None:
        # Mark the hand-over first: an eager (in-process) run finishes inside apply_async.
        GeneratedReport.objects.filter(pk=report_id, status=GeneratedReport.Status.QUEUED).update(
            enqueued_at=timezone.now()
        )
        if not publish(report_render_task, report_id):
            # The row stays queued for the sweep, which hands unmarked rows over sooner.
            GeneratedReport.objects.filter(pk=report_id, status=GeneratedReport.Status.QUEUED).update(enqueued_at=None)

    transaction.on_commit(hand_over)


# --- rendering ------------------------------------------------------------------------------


def report_render(*, report_id: int) -> str:
    """Render one queued report (safe to run twice). Returns the row's status afterwards."""
    from sessions_app.reports.builders import ReportDataError, render_pdf

    now = timezone.now()
    claimed = GeneratedReport.objects.filter(pk=report_id, status=GeneratedReport.Status.QUEUED).update(
        status=GeneratedReport.Status.RUNNING, started_at=now, attempts=F("attempts") + 1, error="", updated_at=now
    )
    if not claimed:
        return GeneratedReport.objects.filter(pk=report_id).values_list("status", flat=True).first() or "missing"
    report = GeneratedReport.objects.select_related("patient", "session", "requested_by").get(pk=report_id)
    attempt = report.attempts
    mine = Q(pk=report_id, status=GeneratedReport.Status.RUNNING, attempts=attempt)
    try:
        data = render_pdf(report)
        if not data or not data.startswith(b"%PDF"):
            raise PdfRenderError("The renderer returned no PDF.")
        report.file.save(report.download_name, ContentFile(data), save=False)
    except OSError as exc:
        # Storage trouble may pass; try again later unless this was the last attempt.
        if attempt < MAX_ATTEMPTS:
            GeneratedReport.objects.filter(mine).update(
                status=GeneratedReport.Status.QUEUED, enqueued_at=None, error="", updated_at=timezone.now()
            )
            log.warning("report %s: storage error, queued again: %s", report_id, exc)
            return GeneratedReport.Status.QUEUED
        return _fail(mine, f"Could not store the PDF: {exc.__class__.__name__}")
    except (ReportDataError, PdfRenderError) as exc:
        return _fail(mine, str(exc))
    except Exception as exc:
        log.exception("report %s failed", report_id)
        return _fail(mine, f"Unexpected error while rendering: {exc.__class__.__name__}")
    with transaction.atomic():
        done = GeneratedReport.objects.filter(mine).update(
            status=GeneratedReport.Status.DONE,
            file=report.file.name,
            sha256=hashlib.sha256(data).hexdigest(),
            size=len(data),
            finished_at=timezone.now(),
            updated_at=timezone.now(),
        )
        if done:
            audit_record(
                actor=None, action="report.rendered", target=report, patient=report.patient, changed_fields=["file"]
            )
    if not done:
        # The sweep gave this job to another worker meanwhile; theirs stands, ours is dropped.
        report.file.delete(save=False)
        return GeneratedReport.objects.filter(pk=report_id).values_list("status", flat=True).first() or "missing"
    return GeneratedReport.Status.DONE


def _fail(mine: Q, error: str) -> str:
    GeneratedReport.objects.filter(mine).update(
        status=GeneratedReport.Status.FAILED,
        error=(error or "Unknown error")[:500],
        finished_at=timezone.now(),
        updated_at=timezone.now(),
    )
    return GeneratedReport.Status.FAILED


def reports_relay(*, now: dt.datetime | None = None) -> dict[str, int]:
    """The sweep's part for reports: recover jobs of dead workers, hand lost jobs over again."""
    now = now or timezone.now()
    stale = Q(status=GeneratedReport.Status.RUNNING, started_at__lt=now - STALE_RUNNING)
    failed = GeneratedReport.objects.filter(stale, attempts__gte=MAX_ATTEMPTS).update(
        status=GeneratedReport.Status.FAILED,
        error=f"The worker stopped while rendering ({MAX_ATTEMPTS} attempts).",
        finished_at=now,
        updated_at=now,
    )
    requeued = GeneratedReport.objects.filter(stale).update(
        status=GeneratedReport.Status.QUEUED, enqueued_at=None, updated_at=now
    )
    lost = Q(status=GeneratedReport.Status.QUEUED) & (
        Q(enqueued_at__isnull=True, created_at__lt=now - dt.timedelta(seconds=30))
        | Q(enqueued_at__lt=now - RELAY_AFTER)
    )
    handed = 0
    for report_id in GeneratedReport.objects.filter(lost).order_by("created_at").values_list("pk", flat=True)[:100]:
        GeneratedReport.objects.filter(pk=report_id, status=GeneratedReport.Status.QUEUED).update(enqueued_at=now)
        if not publish(report_render_task, report_id):
            GeneratedReport.objects.filter(pk=report_id, status=GeneratedReport.Status.QUEUED).update(enqueued_at=None)
            break  # the broker is still away; the next sweep tries again
        handed += 1
    return {"failed": failed, "requeued": requeued, "handed_over": handed}


def consent_snapshots_catch_up(*, now: dt.datetime | None = None, limit: int = 10) -> int:
    """Render signed-consent PDF snapshots whose after-commit task never ran (broker down then).

    The consent app hands each snapshot to its own task after commit; if the broker was down the
    snapshot is missing. The sweep renders those older than five minutes through the consent
    app's own idempotent service (``consent_pdf_render``), so none stays missing. Returns how many.
    """
    from consent.models import ConsentPdf, ConsentRecord
    from consent.services.pdfs import consent_pdf_render

    now = now or timezone.now()
    cutoff = now - dt.timedelta(minutes=5)
    stages = ConsentPdf.Stage
    missing_signed = (
        ConsentRecord.objects.filter(signed_at__lt=cutoff)
        .exclude(pdfs__stage=stages.SIGNED)
        .values_list("pk", flat=True)[:limit]
    )
    missing_countersigned = (
        ConsentRecord.objects.filter(countersignature__countersigned_at__lt=cutoff)
        .exclude(pdfs__stage=stages.COUNTERSIGNED)
        .values_list("pk", flat=True)[:limit]
    )
    done = 0
    for stage, ids in ((stages.SIGNED, list(missing_signed)), (stages.COUNTERSIGNED, list(missing_countersigned))):
        for record_id in ids:
            try:
                consent_pdf_render(record_id=record_id, stage=stage)
            except Exception:
                log.exception("consent snapshot %s/%s could not be rendered; next sweep tries again", record_id, stage)
                continue
            done += 1
    return done


# --- retry and download -------------------------------------------------------------------


@transaction.atomic
def report_retry(*, actor: Any, report: GeneratedReport) -> GeneratedReport:
    """Queue a failed report again (its requester, or a practice admin from the operations view)."""
    # Lock only the report row: PostgreSQL refuses FOR UPDATE across the nullable patient join.
    report = GeneratedReport.objects.select_for_update(of=("self",)).select_related("patient").get(pk=report.pk)
    if not (user_is_active(actor) and (actor.pk == report.requested_by_id or user_has_role(actor, ADMIN))):
        raise PermissionDeniedError("Only the person who asked for this report, or an admin, may retry it.")
    if report.status != GeneratedReport.Status.FAILED:
        raise InvalidTransition(
            f"Only a failed report can be retried; this one is {report.get_status_display().lower()}.", field="status"
        )
    GeneratedReport.objects.filter(pk=report.pk).update(
        status=GeneratedReport.Status.QUEUED, error="", attempts=0, enqueued_at=None, started_at=None, finished_at=None
    )
    report.refresh_from_db()
    audit_record(actor=actor, action="report.retried", target=report, patient=report.patient, changed_fields=["status"])
    _hand_over_after_commit(report)
    return report


def report_download(*, actor: Any, report: GeneratedReport) -> bytes:
    """The PDF's bytes for a finished report the actor may see; audited. Raises Conflict otherwise."""
    if report.status != GeneratedReport.Status.DONE or not report.file:
        raise Conflict("This report is not ready yet.", field="status")
    try:
        with report.file.open("rb") as handle:
            data = handle.read()
    except (FileNotFoundError, OSError, ValueError):
        data = None
    if not data or hashlib.sha256(data).hexdigest() != report.sha256:
        audit_record(actor=actor, action="report.integrity_failed", target=report, patient=report.patient)
        raise Conflict("Integrity check failed: the stored PDF does not match its recorded hash.", field="file")
    audit_record(actor=actor, action="report.downloaded", target=report, patient=report.patient)
    return data
