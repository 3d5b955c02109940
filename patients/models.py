"""Patients and their care teams."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models

from kap_clinic.common.models import BaseModel


def generate_mrn() -> str:
    # Not derived from the primary key so MRNs reveal nothing about patient counts.
    return "KAP-" + "".join(secrets.choice("0123456789") for _ in range(8))


class Patient(BaseModel):
    class Status(models.TextChoices):
        REFERRED = "referred", "Referred"
        SCREENING = "screening", "Screening"
        ELIGIBLE = "eligible", "Eligible"
        NOT_ELIGIBLE = "not_eligible", "Not eligible"
        IN_TREATMENT = "in_treatment", "In treatment"
        MAINTENANCE = "maintenance", "Maintenance"
        DISCHARGED = "discharged", "Discharged"

    mrn = models.CharField("MRN", max_length=20, unique=True, default=generate_mrn, editable=False)
    legal_first_name = models.CharField(max_length=100)
    legal_last_name = models.CharField(max_length=100)
    preferred_name = models.CharField(max_length=100, blank=True)
    date_of_birth = models.DateField()
    email = models.EmailField(blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.REFERRED)
    # The portal login, once the patient has been invited.
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="patient_profile"
    )

    class Meta:
        ordering = ["legal_last_name", "legal_first_name"]
        indexes = [
            models.Index(fields=["legal_last_name", "legal_first_name"], name="patient_name"),
            models.Index(fields=["date_of_birth"], name="patient_dob"),
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.legal_first_name} {self.legal_last_name}"

    @property
    def display_name(self) -> str:
        first = self.preferred_name or self.legal_first_name
        return f"{first} {self.legal_last_name}"

    @property
    def initials(self) -> str:
        return f"{self.legal_first_name[:1]}{self.legal_last_name[:1]}".upper()


class CareTeamMembership(BaseModel):
    """A clinician assigned to a patient. Only members see the patient's clinical record."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="care_team")
    clinician = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="care_teams")
    is_lead = models.BooleanField(default=False)
    active = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "clinician"], condition=models.Q(active=True), name="care_team_unique_active"
            ),
        ]
