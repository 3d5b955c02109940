"""Patients, their care teams, and the parts of the record that change over time.

Conditions, medications and weights are rows rather than text so they can be filtered (conditions),
flagged (interacting medication classes) and dated (weights feed mg/kg dosing).
"""

from __future__ import annotations

import secrets
import zoneinfo

from django.conf import settings
from django.db import models
from django.utils import timezone

from kap_clinic.common.models import BaseModel

# E.164: a plus sign, a country code that does not start with 0, up to 15 digits in all.
E164_REGEX = r"^\+[1-9][0-9]{6,14}$"


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

    class SexAtBirth(models.TextChoices):
        FEMALE = "female", "Female"
        MALE = "male", "Male"
        INTERSEX = "intersex", "Intersex"
        UNKNOWN = "unknown", "Unknown / not disclosed"

    mrn = models.CharField("MRN", max_length=20, unique=True, default=generate_mrn, editable=False)
    legal_first_name = models.CharField(max_length=100)
    legal_last_name = models.CharField(max_length=100)
    preferred_name = models.CharField(max_length=100, blank=True)
    date_of_birth = models.DateField()
    sex_at_birth = models.CharField(max_length=10, choices=SexAtBirth.choices, blank=True)
    gender = models.CharField(max_length=60, blank=True)
    email = models.EmailField(blank=True)
    mobile = models.CharField(max_length=16, blank=True, help_text="E.164, e.g. +15551234567")
    address_line1 = models.CharField(max_length=200, blank=True)
    address_line2 = models.CharField(max_length=200, blank=True)
    city = models.CharField(max_length=100, blank=True)
    region = models.CharField("State / region", max_length=100, blank=True)
    postal_code = models.CharField(max_length=20, blank=True)
    country = models.CharField(max_length=2, blank=True, default="US", help_text="ISO 3166-1 alpha-2")
    emergency_contact_name = models.CharField(max_length=200, blank=True)
    emergency_contact_relationship = models.CharField(max_length=60, blank=True)
    emergency_contact_phone = models.CharField(max_length=16, blank=True, help_text="E.164")
    reminder_email_opt_in = models.BooleanField(default=True)
    reminder_sms_opt_in = models.BooleanField(default=False)
    referring_provider = models.CharField(max_length=200, blank=True)
    referring_provider_contact = models.CharField(max_length=200, blank=True)
    allergies = models.TextField(blank=True)
    no_known_allergies = models.BooleanField(default=False)
    height_cm = models.DecimalField(max_digits=4, decimal_places=1, null=True, blank=True)
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
            models.Index(fields=["status", "legal_last_name"], name="patient_status_name"),
        ]
        constraints = [
            models.CheckConstraint(
                name="patient_mobile_e164", condition=models.Q(mobile="") | models.Q(mobile__regex=E164_REGEX)
            ),
            models.CheckConstraint(
                name="patient_emergency_phone_e164",
                condition=models.Q(emergency_contact_phone="") | models.Q(emergency_contact_phone__regex=E164_REGEX),
            ),
            # SMS reminders need a number to go to.
            models.CheckConstraint(
                name="patient_sms_opt_in_needs_mobile",
                condition=models.Q(reminder_sms_opt_in=False) | ~models.Q(mobile=""),
            ),
            # "No known allergies" and a list of allergies contradict each other.
            models.CheckConstraint(
                name="patient_nka_has_no_allergies",
                condition=models.Q(no_known_allergies=False) | models.Q(allergies=""),
            ),
            models.CheckConstraint(
                name="patient_height_plausible",
                condition=models.Q(height_cm__isnull=True) | models.Q(height_cm__gte=40, height_cm__lte=250),
            ),
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

    @property
    def age(self) -> int:
        today = timezone.localdate(timezone=zoneinfo.ZoneInfo(settings.CLINIC_TIME_ZONE))
        born = self.date_of_birth
        return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


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


class Condition(models.TextChoices):
    """Primary conditions a patient is referred for (filterable on the patient list)."""

    TRD = "trd", "Treatment-resistant depression"
    DEPRESSION = "depression", "Depression"
    ANXIETY = "anxiety", "Anxiety disorder"
    PTSD = "ptsd", "PTSD"
    CHRONIC_PAIN = "chronic_pain", "Chronic pain"
    SUD = "sud", "Substance use disorder"
    OTHER = "other", "Other"


class PatientCondition(BaseModel):
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="conditions")
    condition = models.CharField(max_length=20, choices=Condition.choices)
    detail = models.CharField(max_length=200, blank=True, help_text="What 'other' means for this patient")

    class Meta:
        ordering = ["condition"]
        constraints = [
            models.UniqueConstraint(fields=["patient", "condition"], name="patient_condition_unique"),
        ]
        indexes = [models.Index(fields=["condition", "patient"], name="patient_condition_lookup")]

    def __str__(self) -> str:
        return self.get_condition_display()


class InteractionClass(models.TextChoices):
    """Medication classes that change ketamine/esketamine monitoring (domain.md b.7, b.12)."""

    BENZODIAZEPINE = "benzodiazepine", "Benzodiazepine"
    LAMOTRIGINE = "lamotrigine", "Lamotrigine"
    MAOI = "maoi", "MAOI"
    STIMULANT = "stimulant", "Psychostimulant"
    OPIOID = "opioid", "Opioid"


class Medication(BaseModel):
    """A current or past medication. Stopping keeps the row (who, when, why)."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="medications")
    name = models.CharField(max_length=200)
    dose = models.CharField(max_length=200, blank=True, help_text="Dose, route and frequency as prescribed")
    interaction_class = models.CharField(max_length=20, choices=InteractionClass.choices, blank=True)
    started_on = models.DateField(null=True, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    stopped_at = models.DateTimeField(null=True, blank=True)
    stopped_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    stop_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                name="medication_stop_complete",
                condition=(
                    models.Q(stopped_at__isnull=True, stopped_by__isnull=True, stop_reason="")
                    | (models.Q(stopped_at__isnull=False, stopped_by__isnull=False) & ~models.Q(stop_reason=""))
                ),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_current(self) -> bool:
        return self.stopped_at is None


class WeightMeasurement(BaseModel):
    """A dated weight; dosing in mg/kg uses the latest one on or before the dosing day."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="weights")
    measured_on = models.DateField()
    weight_kg = models.DecimalField(max_digits=4, decimal_places=1)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-measured_on", "-id"]
        indexes = [models.Index(fields=["patient", "-measured_on"], name="weight_patient_date")]
        constraints = [
            models.CheckConstraint(name="weight_plausible", condition=models.Q(weight_kg__gte=20, weight_kg__lte=400)),
        ]


class PatientStatusChange(BaseModel):
    """One move of ``Patient.status`` (see ``patients.services.patient_change_status``)."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="status_changes")
    from_status = models.CharField(max_length=20, choices=Patient.Status.choices)
    to_status = models.CharField(max_length=20, choices=Patient.Status.choices)
    reason = models.CharField(max_length=300, blank=True)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    changed_at = models.DateTimeField()

    class Meta:
        ordering = ["-changed_at", "-id"]
        indexes = [models.Index(fields=["patient", "-changed_at"], name="status_change_patient_time")]
