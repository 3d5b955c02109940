"""Intake (medical + psychiatric assessment with the contraindication checklist) and eligibility."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from kap_clinic.common.models import BaseModel

from .patient import Patient


class IntakeAssessment(BaseModel):
    """The medical and psychiatric assessment an eligibility decision rests on.

    ``contraindications`` maps every item code of checklist ``checklist_version``
    (``patients.contraindications``) to ``true`` (present) or ``false``. A newer intake supersedes
    an older one: eligibility decided before it no longer counts (``eligibility_is_current``).
    """

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="intakes")
    assessed_at = models.DateTimeField()
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # Medical assessment: baseline vitals and history.
    bp_systolic = models.PositiveSmallIntegerField("Systolic BP (mmHg)", null=True, blank=True)
    bp_diastolic = models.PositiveSmallIntegerField("Diastolic BP (mmHg)", null=True, blank=True)
    heart_rate = models.PositiveSmallIntegerField("Heart rate (bpm)", null=True, blank=True)
    spo2 = models.PositiveSmallIntegerField("SpO2 (%)", null=True, blank=True)
    weight_kg = models.DecimalField(max_digits=4, decimal_places=1, null=True, blank=True)
    height_cm = models.DecimalField(max_digits=4, decimal_places=1, null=True, blank=True)
    medical_history = models.TextField(blank=True)
    # Psychiatric assessment.
    diagnoses = models.TextField(blank=True)
    prior_treatments = models.TextField(blank=True)
    failed_antidepressant_trials = models.PositiveSmallIntegerField(default=0)
    psychosis_history = models.BooleanField(default=False)
    mania_history = models.BooleanField(default=False)
    substance_use = models.TextField(blank=True)
    prior_ketamine_use = models.BooleanField(default=False)
    prior_ketamine_details = models.TextField(blank=True)
    # The suicide-risk screen given at intake (a C-SSRS screener recorded through the assessment service).
    suicide_screen = models.ForeignKey(
        "patients.Assessment", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    checklist_version = models.CharField(max_length=20)
    contraindications = models.JSONField(default=dict)
    contraindication_notes = models.TextField(blank=True)

    class Meta:
        ordering = ["-assessed_at", "-id"]
        indexes = [models.Index(fields=["patient", "-assessed_at"], name="intake_patient_time")]
        constraints = [
            models.CheckConstraint(
                name="intake_bp_pair",
                condition=models.Q(bp_systolic__isnull=True, bp_diastolic__isnull=True)
                | models.Q(
                    bp_systolic__isnull=False, bp_diastolic__isnull=False, bp_systolic__gt=models.F("bp_diastolic")
                ),
            ),
            models.CheckConstraint(
                name="intake_spo2_range", condition=models.Q(spo2__isnull=True) | models.Q(spo2__gte=50, spo2__lte=100)
            ),
        ]

    def __str__(self) -> str:
        return f"Intake {self.assessed_at:%Y-%m-%d}"


class EligibilityDecision(BaseModel):
    """A prescriber's decision on whether a patient may start (or continue) treatment."""

    class Decision(models.TextChoices):
        ELIGIBLE = "eligible", "Eligible"
        NOT_ELIGIBLE = "not_eligible", "Not eligible"
        DEFERRED = "deferred", "Deferred"

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="eligibility_decisions")
    intake = models.ForeignKey(IntakeAssessment, on_delete=models.PROTECT, related_name="decisions")
    decision = models.CharField(max_length=20, choices=Decision.choices)
    rationale = models.TextField()
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField()

    class Meta:
        ordering = ["-decided_at", "-id"]
        indexes = [models.Index(fields=["patient", "-decided_at"], name="eligibility_patient_time")]
        constraints = [
            models.CheckConstraint(name="eligibility_rationale_required", condition=~models.Q(rationale="")),
        ]

    def __str__(self) -> str:
        return f"{self.get_decision_display()} ({self.decided_at:%Y-%m-%d})"
