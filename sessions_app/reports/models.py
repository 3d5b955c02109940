"""Generated PDF reports: one row per request, the job's status and, once done, the file.

The row is written when someone asks for a report (status queued) and a Celery task renders it
(``sessions_app/reports/services.py``): queued → running → done, or failed with the error. The
database refuses a "done" row without a non-empty file and its hash, so a failure can never
look like a finished report.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from kap_clinic.common.models import BaseModel
from patients.models import Patient
from sessions_app.scheduling.models import Session, TreatmentCourse


def _report_path(instance: GeneratedReport, filename: str) -> str:
    # No names in paths: the file system sees opaque ids only.
    return f"reports/{instance.created_at:%Y/%m}/{instance.public_id}.pdf"


class GeneratedReport(BaseModel):
    class Kind(models.TextChoices):
        SESSION_NOTE = "session_note", "Session note"
        TREATMENT_SUMMARY = "treatment_summary", "Treatment summary"
        CONSENT = "consent", "Signed consent"
        ESKETAMINE_MONITORING = "esketamine_monitoring", "Esketamine monitoring data sheet"
        OPERATIONS = "operations", "Operations report"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    kind = models.CharField(max_length=30, choices=Kind.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # What the report is about: a patient (and a session, course or consent), or the clinic.
    patient = models.ForeignKey(
        Patient, on_delete=models.PROTECT, null=True, blank=True, related_name="generated_reports"
    )
    session = models.ForeignKey(Session, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    course = models.ForeignKey(TreatmentCourse, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    consent_record = models.ForeignKey(
        "consent.ConsentRecord", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Kind-specific inputs that are not rows (the operations report's period), never PHI.
    params = models.JSONField(default=dict, blank=True)
    file = models.FileField(upload_to=_report_path, max_length=300, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    size = models.PositiveIntegerField(default=0)
    error = models.CharField(max_length=500, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    # Last hand-over to the broker; the sweep hands a job over again when this is old (outbox relay).
    enqueued_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                name="report_done_has_file",
                condition=~Q(status="done") | (~Q(file="") & Q(size__gt=0) & ~Q(sha256="")),
            ),
            models.CheckConstraint(name="report_failed_has_error", condition=~Q(status="failed") | ~Q(error="")),
            models.CheckConstraint(
                name="report_subject_matches_kind",
                condition=(Q(kind="operations") & Q(patient__isnull=True))
                | (~Q(kind="operations") & Q(patient__isnull=False)),
            ),
            models.CheckConstraint(
                name="report_session_kinds_have_session",
                condition=~Q(kind__in=["session_note", "esketamine_monitoring"]) | Q(session__isnull=False),
            ),
            models.CheckConstraint(
                name="report_consent_has_record", condition=~Q(kind="consent") | Q(consent_record__isnull=False)
            ),
        ]
        indexes = [
            models.Index(fields=["status", "created_at"], name="report_status_created"),
            models.Index(fields=["requested_by", "-created_at"], name="report_requester_recent"),
            models.Index(fields=["patient", "-created_at"], name="report_patient_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.get_status_display()})"

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)

    @property
    def download_name(self) -> str:
        # Opaque on purpose: a file name lands in download folders and browser history.
        return f"{self.kind.replace('_', '-')}-{self.created_at:%Y%m%d}-{str(self.public_id)[:8]}.pdf"
