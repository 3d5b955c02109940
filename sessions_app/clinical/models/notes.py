"""Clinical notes around a dose: preparation, integration, psychotherapy notes, and addenda.

Every note is *signed* by its responsible clinician (``SignableRecord``); from then on it is
immutable: the services refuse, and the database refuses an UPDATE of a signed row (migration
0005: a trigger on PostgreSQL and on SQLite). Corrections are ``Addendum`` rows (author, time,
reason). Nothing here is ever deleted.

Psychotherapy notes (45 CFR 164.501) are kept apart from the medical record: their own table,
their own addenda, no foreign key from anything else, readable by their author only
(``sessions_app.clinical.selectors.psychotherapy_note_get_for``).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from patients.models import Patient
from sessions_app.common.models import ClinicalRecordDeleteError, NoDeleteModel, NoDeleteQuerySet


class SignableRecord(NoDeleteModel):
    """A record its responsible clinician signs (password re-entered); signed means final."""

    signed_at = models.DateTimeField(null=True, blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        abstract = True
        constraints = [
            models.CheckConstraint(
                name="%(class)s_signature_complete",
                condition=Q(signed_at__isnull=True, signed_by__isnull=True)
                | Q(signed_at__isnull=False, signed_by__isnull=False),
            )
        ]

    @property
    def is_signed(self) -> bool:
        return self.signed_at is not None


class Readiness(models.TextChoices):
    READY = "ready", "Ready for a first dose"
    NOT_YET = "not_yet", "Not ready yet (more preparation)"


# The risks discussed at preparation: the consent document's list (seed article, domain.md b.24).
RISKS = (
    ("nausea", "Nausea and vomiting"),
    ("dizziness", "Dizziness"),
    ("blood_pressure", "Increased blood pressure and heart rate"),
    ("dissociation", "Dissociation, feeling disconnected from one's body"),
    ("perceptual", "Visual or auditory distortions"),
    ("sedation", "Sedation; no driving or machinery until the next day after sleep"),
    ("bladder", "Bladder problems with prolonged use"),
    ("dependence", "Risk of psychological dependence"),
    ("cognition", "Possible cognitive effects with long-term use"),
)
RISK_CODES = tuple(code for code, _ in RISKS)


class PreparationRecord(SignableRecord):
    """The therapist's preparation session: intentions, concerns, risks discussed, plan, readiness.

    A signed preparation with readiness "ready" before the first dose is a pre-dose check.
    """

    session = models.OneToOneField("sessions_app.Session", on_delete=models.PROTECT, related_name="preparation_record")
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="preparation_records")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    intentions = models.TextField(blank=True)
    concerns = models.TextField(blank=True)
    risks_discussed = models.JSONField(default=list, blank=True)
    fasting_explained = models.BooleanField(default=False)
    ride_home_plan = models.CharField(max_length=300, blank=True)
    readiness = models.CharField(max_length=20, choices=Readiness.choices, default=Readiness.NOT_YET)
    readiness_notes = models.TextField(blank=True)

    class Meta(SignableRecord.Meta):
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["patient", "signed_at"], name="prep_patient_signed")]

    def __str__(self) -> str:
        return f"Preparation {self.created_at:%Y-%m-%d}"


class IntegrationRecord(SignableRecord):
    """The therapist's integration session, linked to the dosing session it follows."""

    session = models.OneToOneField("sessions_app.Session", on_delete=models.PROTECT, related_name="integration_record")
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="integration_records")
    dosing_record = models.ForeignKey(
        "sessions_app.DosingRecord", on_delete=models.PROTECT, related_name="integration_records"
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    experience = models.TextField(blank=True)
    insights = models.TextField(blank=True)
    themes = models.TextField(blank=True)
    plan = models.TextField(blank=True)
    homework = models.TextField(blank=True)

    class Meta(SignableRecord.Meta):
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Integration {self.created_at:%Y-%m-%d}"


class PsychotherapyNote(SignableRecord):
    """A therapist's process note, separated from the medical record; its author alone reads it."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="+")
    session = models.ForeignKey(
        "sessions_app.Session", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField()

    class Meta(SignableRecord.Meta):
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["author", "patient"], name="psynote_author_patient")]

    def __str__(self) -> str:
        return f"Psychotherapy note {self.created_at:%Y-%m-%d}"


class InsertOnlyQuerySet(NoDeleteQuerySet):
    def update(self, **kwargs: object) -> int:
        raise ClinicalRecordDeleteError(f"{self.model.__name__} rows cannot be changed.")


class Addendum(NoDeleteModel):
    """A correction or late entry on a signed (or unsigned) record: who, when, why, what.

    Exactly one of the record links is set. Written once.
    """

    dosing_record = models.ForeignKey(
        "sessions_app.DosingRecord", null=True, blank=True, on_delete=models.PROTECT, related_name="addenda"
    )
    preparation_record = models.ForeignKey(
        PreparationRecord, null=True, blank=True, on_delete=models.PROTECT, related_name="addenda"
    )
    integration_record = models.ForeignKey(
        IntegrationRecord, null=True, blank=True, on_delete=models.PROTECT, related_name="addenda"
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(max_length=300)
    body = models.TextField()

    objects = InsertOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                name="addendum_one_record",
                condition=Q(
                    dosing_record__isnull=False, preparation_record__isnull=True, integration_record__isnull=True
                )
                | Q(dosing_record__isnull=True, preparation_record__isnull=False, integration_record__isnull=True)
                | Q(dosing_record__isnull=True, preparation_record__isnull=True, integration_record__isnull=False),
            ),
            models.CheckConstraint(name="addendum_reason_present", condition=~Q(reason="")),
            models.CheckConstraint(name="addendum_body_present", condition=~Q(body="")),
        ]

    def __str__(self) -> str:
        return f"Addendum {self.created_at:%Y-%m-%d %H:%M}"


class PsychotherapyNoteAddendum(NoDeleteModel):
    """An addendum to a psychotherapy note: kept with the note, readable by the note's author only."""

    note = models.ForeignKey(PsychotherapyNote, on_delete=models.PROTECT, related_name="addenda")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(max_length=300)
    body = models.TextField()

    objects = InsertOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(name="psynote_addendum_reason_present", condition=~Q(reason="")),
            models.CheckConstraint(name="psynote_addendum_body_present", condition=~Q(body="")),
        ]
