"""Rating-scale results and the safety flags they raise.

Instruments themselves (items, options, scoring) are code: ``patients.instruments``.
A row stores the instrument code *and version* with the item answers, so a result can always be
re-read against the rules it was scored with.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from kap_clinic.common.models import BaseModel

from .patient import Patient


class Assessment(BaseModel):
    class Source(models.TextChoices):
        STAFF = "staff", "Entered by staff"
        PORTAL = "portal", "Completed by the patient"

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="assessments")
    instrument = models.CharField(max_length=20)
    instrument_version = models.CharField(max_length=20)
    answers = models.JSONField()
    total = models.SmallIntegerField()
    severity = models.CharField(max_length=30)
    flags = models.JSONField(default=list, blank=True)
    administered_at = models.DateTimeField()
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.STAFF)
    voided_at = models.DateTimeField(null=True, blank=True)
    voided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    void_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-administered_at", "-id"]
        indexes = [
            models.Index(fields=["patient", "instrument", "administered_at"], name="assessment_patient_instr"),
            models.Index(fields=["patient", "-administered_at"], name="assessment_patient_time"),
        ]
        constraints = [
            models.CheckConstraint(name="assessment_total_nonnegative", condition=models.Q(total__gte=0)),
            models.CheckConstraint(
                name="assessment_void_complete",
                condition=(
                    models.Q(voided_at__isnull=True, voided_by__isnull=True, void_reason="")
                    | (models.Q(voided_at__isnull=False, voided_by__isnull=False) & ~models.Q(void_reason=""))
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.instrument} {self.total} ({self.administered_at:%Y-%m-%d})"

    @property
    def is_voided(self) -> bool:
        return self.voided_at is not None

    @property
    def instrument_def(self):  # noqa: ANN201 - avoids importing the registry at module load
        from patients.instruments import get_instrument

        return get_instrument(self.instrument)

    @property
    def instrument_name(self) -> str:
        return self.instrument_def.short_name

    @property
    def severity_label(self) -> str:
        return self.instrument_def.band_label(self.severity)

    @property
    def flag_badges(self) -> list[tuple[str, bool]]:
        """(label, is_safety_alert) per flag, for templates."""
        from patients.instruments import FLAG_LABELS, SAFETY_FLAGS

        return [(FLAG_LABELS.get(f, f), f in SAFETY_FLAGS) for f in self.flags]


class SafetyFlag(BaseModel):
    """A clinician alert raised by an answer (PHQ-9 item 9, C-SSRS moderate/high risk).

    It stays open on the chart header and on the care team's dashboard until a clinician
    acknowledges it with a note.
    """

    class Kind(models.TextChoices):
        SUICIDAL_IDEATION = "suicidal_ideation", "Suicidal ideation (PHQ-9 item 9)"
        SUICIDE_RISK = "suicide_risk", "Suicide risk (C-SSRS screen)"

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="safety_flags")
    assessment = models.ForeignKey(Assessment, on_delete=models.PROTECT, related_name="safety_flags")
    kind = models.CharField(max_length=30, choices=Kind.choices)
    detail = models.CharField(max_length=200, blank=True, help_text="Which answer raised it, e.g. item 9 = 2")
    raised_at = models.DateTimeField()
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    acknowledgement_note = models.TextField(blank=True)

    class Meta:
        ordering = ["-raised_at", "-id"]
        indexes = [models.Index(fields=["patient", "acknowledged_at"], name="safety_flag_patient_open")]
        constraints = [
            models.UniqueConstraint(fields=["assessment", "kind"], name="safety_flag_once_per_assessment"),
            models.CheckConstraint(
                name="safety_flag_ack_complete",
                condition=(
                    models.Q(acknowledged_at__isnull=True, acknowledged_by__isnull=True, acknowledgement_note="")
                    | (
                        models.Q(acknowledged_at__isnull=False, acknowledged_by__isnull=False)
                        & ~models.Q(acknowledgement_note="")
                    )
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.raised_at:%Y-%m-%d})"

    @property
    def is_open(self) -> bool:
        return self.acknowledged_at is None
