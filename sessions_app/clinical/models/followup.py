"""Long-term safety follow-up asked at follow-up and integration visits (domain.md b.24).

Three areas: ketamine-induced cystitis (urgency, frequency, pain passing urine, blood in the
urine), craving or non-prescribed use, and memory/concentration. One row per visit, written
once (a correction is a new check at the next visit or an addendum on the integration record).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from patients.models import Patient
from sessions_app.common.models import NoDeleteModel


class FollowUpCheck(NoDeleteModel):
    class Craving(models.TextChoices):
        NONE = "none", "None"
        MILD = "mild", "Mild"
        MODERATE = "moderate", "Moderate"
        STRONG = "strong", "Strong"

    session = models.OneToOneField("sessions_app.Session", on_delete=models.PROTECT, related_name="follow_up_check")
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="follow_up_checks")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField()
    urinary_urgency = models.BooleanField()
    urinary_frequency = models.BooleanField()
    dysuria = models.BooleanField(help_text="Pain or burning passing urine")
    hematuria = models.BooleanField(help_text="Blood in the urine")
    bladder_notes = models.CharField(max_length=500, blank=True)
    craving = models.CharField(max_length=10, choices=Craving.choices)
    non_prescribed_use = models.BooleanField()
    non_prescribed_details = models.CharField(max_length=500, blank=True)
    memory_concern = models.BooleanField()
    concentration_concern = models.BooleanField()
    cognition_notes = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-recorded_at", "-id"]
        constraints = [
            models.CheckConstraint(
                name="follow_up_non_prescribed_described",
                condition=models.Q(non_prescribed_use=False) | ~models.Q(non_prescribed_details=""),
            ),
        ]

    def __str__(self) -> str:
        return f"Follow-up check {self.recorded_at:%Y-%m-%d}"

    @property
    def bladder_symptoms(self) -> bool:
        return self.urinary_urgency or self.urinary_frequency or self.dysuria or self.hematuria

    @property
    def concerns(self) -> list[str]:
        found = []
        if self.bladder_symptoms:
            found.append("bladder symptoms")
        if self.craving in (self.Craving.MODERATE, self.Craving.STRONG) or self.non_prescribed_use:
            found.append("craving / non-prescribed use")
        if self.memory_concern or self.concentration_concern:
            found.append("memory / concentration")
        return found
