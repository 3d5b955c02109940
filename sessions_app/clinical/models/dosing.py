"""The clinical record of a dosing session: checks, gate overrides, administrations, vitals,
observations, adverse events, discharge; and the clinic's clinical thresholds.

One ``DosingRecord`` per dosing ``Session``. Everything under it points to it (``dosing``), so
once the record is signed the database refuses new or changed rows under it as well as changes
to the record (migration 0005). The gates live in ``sessions_app/clinical/gates.py``, the rules
in ``sessions_app/clinical/services/``; thresholds in ``sessions_app/clinical/thresholds.py``.
Times are clinical times: the server's time when the clinician pressed the button, or, for a late
entry of a dose, a reading or an observation, the time it happened (``services.guards``);
``created_at`` keeps when it was entered.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from kap_clinic.common.models import BaseModel
from patients.models import Patient, WeightMeasurement
from sessions_app.clinical.models.notes import SignableRecord
from sessions_app.common.models import NoDeleteModel
from sessions_app.common.vocabulary import Medication, Route


class ClinicalSetting(models.Model):
    """A clinic's override of one threshold (defaults live in ``thresholds.SPECS``)."""

    key = models.CharField(max_length=60, unique=True)
    value = models.DecimalField(max_digits=8, decimal_places=2)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.key} = {self.value}"


class ClinicalSettingChange(BaseModel):
    """The history of a threshold: old and new value, who, when and why."""

    key = models.CharField(max_length=60)
    old_value = models.DecimalField(max_digits=8, decimal_places=2)
    new_value = models.DecimalField(max_digits=8, decimal_places=2)
    reason = models.CharField(max_length=300)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    changed_at = models.DateTimeField()

    class Meta:
        ordering = ["-changed_at", "-id"]

    def __str__(self) -> str:
        return f"{self.key}: {self.old_value} → {self.new_value}"


class DosingRecord(SignableRecord):
    """The medical record of one dosing session, signed by its responsible clinician."""

    session = models.OneToOneField("sessions_app.Session", on_delete=models.PROTECT, related_name="dosing_record")
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="dosing_records")
    medication = models.CharField(max_length=20, choices=Medication.choices)
    route = models.CharField(max_length=20, choices=Route.choices)
    responsible_clinician = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    fasting_confirmed_at = models.DateTimeField(null=True, blank=True)
    fasting_confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    ride_home_confirmed_at = models.DateTimeField(null=True, blank=True)
    ride_home_confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    escort_name = models.CharField(max_length=120, blank=True)
    escort_phone = models.CharField(max_length=40, blank=True)

    class Meta(SignableRecord.Meta):
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["patient", "created_at"], name="dosing_patient_time"),
            models.Index(fields=["responsible_clinician", "signed_at"], name="dosing_responsible_signed"),
        ]

    def __str__(self) -> str:
        return f"Dosing record {self.created_at:%Y-%m-%d}"

    @property
    def is_esketamine(self) -> bool:
        return self.medication == Medication.ESKETAMINE


class GateOverride(NoDeleteModel):
    """A prescriber's decision to go past a safety gate, with the reason. Written once, audited.

    ``bp_acknowledgement`` (pre-dose BP above the acknowledgement level) needs no reason;
    everything else does.
    """

    class Kind(models.TextChoices):
        BP_ACKNOWLEDGEMENT = "bp_acknowledgement", "Elevated pre-dose BP acknowledged"
        BP_OVERRIDE = "bp_override", "Pre-dose BP above the blocking level overridden"
        DOSE_RANGE = "dose_range", "Dose outside the route's range overridden"
        OBSERVATION_TIME = "observation_time", "Discharge before the minimum observation time"

    dosing = models.ForeignKey(DosingRecord, on_delete=models.PROTECT, related_name="overrides")
    kind = models.CharField(max_length=30, choices=Kind.choices)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()
    reason = models.CharField(max_length=300, blank=True)
    # The pre-dose reading a BP decision is about, or the dose a dose-range decision is about.
    reading = models.ForeignKey(
        "sessions_app.VitalsReading", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    dose_mg = models.DecimalField(max_digits=7, decimal_places=2, null=True, blank=True)

    class Meta:
        ordering = ["at", "id"]
        constraints = [
            models.CheckConstraint(
                name="gate_override_reason_required", condition=Q(kind="bp_acknowledgement") | ~Q(reason="")
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.at:%H:%M})"


# An entry saved more than this after its clinical time was entered late (shown with who and when).
LATE_ENTRY_AFTER = dt.timedelta(minutes=1)


def _entered_late(clinical: dt.datetime | None, entered: dt.datetime | None) -> bool:
    return clinical is not None and entered is not None and entered - clinical > LATE_ENTRY_AFTER


ALERT_LABELS = {
    "sbp_high": "Systolic BP high",
    "dbp_high": "Diastolic BP high",
    "hr_high": "Heart rate high",
    "hr_low": "Heart rate low",
    "spo2_low": "SpO2 low",
    "rr_low": "Respiratory rate low",
}


class VitalsReading(NoDeleteModel):
    """One set of vitals, timestamped by the server when entered.

    ``alerts`` lists the alert limits the reading crossed (codes, see ``services.monitoring.alerts_for``); an
    alert stays visible until a clinician acknowledges it. A mistyped reading is voided (reason),
    never deleted.
    """

    class Phase(models.TextChoices):
        PRE_DOSE = "pre_dose", "Pre-dose"
        MONITORING = "monitoring", "Monitoring"

    dosing = models.ForeignKey(DosingRecord, on_delete=models.PROTECT, related_name="vitals")
    taken_at = models.DateTimeField()
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    phase = models.CharField(max_length=20, choices=Phase.choices)
    systolic = models.PositiveSmallIntegerField(null=True, blank=True)
    diastolic = models.PositiveSmallIntegerField(null=True, blank=True)
    heart_rate = models.PositiveSmallIntegerField(null=True, blank=True)
    spo2 = models.PositiveSmallIntegerField(null=True, blank=True)
    resp_rate = models.PositiveSmallIntegerField(null=True, blank=True)
    alerts = models.JSONField(default=list, blank=True)
    alert_acknowledged_at = models.DateTimeField(null=True, blank=True)
    alert_acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    alert_note = models.CharField(max_length=300, blank=True)
    voided_at = models.DateTimeField(null=True, blank=True)
    voided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    void_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["taken_at", "id"]
        indexes = [models.Index(fields=["dosing", "taken_at"], name="vitals_dosing_time")]
        constraints = [
            models.CheckConstraint(
                name="vitals_bp_pair",
                condition=Q(systolic__isnull=True, diastolic__isnull=True)
                | Q(systolic__isnull=False, diastolic__isnull=False, systolic__gt=F("diastolic")),
            ),
            models.CheckConstraint(
                name="vitals_something_measured",
                condition=Q(systolic__isnull=False)
                | Q(heart_rate__isnull=False)
                | Q(spo2__isnull=False)
                | Q(resp_rate__isnull=False),
            ),
            models.CheckConstraint(name="vitals_spo2_range", condition=Q(spo2__isnull=True) | Q(spo2__lte=100)),
            models.CheckConstraint(
                name="vitals_void_complete",
                condition=Q(voided_at__isnull=True, voided_by__isnull=True, void_reason="")
                | (Q(voided_at__isnull=False, voided_by__isnull=False) & ~Q(void_reason="")),
            ),
        ]

    def __str__(self) -> str:
        return f"Vitals {self.taken_at:%H:%M}"

    @property
    def bp(self) -> str:
        return f"{self.systolic}/{self.diastolic}" if self.systolic is not None else "—"

    @property
    def alert_labels(self) -> list[str]:
        return [ALERT_LABELS.get(code, code) for code in self.alerts]

    @property
    def alert_open(self) -> bool:
        return bool(self.alerts) and self.alert_acknowledged_at is None and self.voided_at is None

    @property
    def entered_late(self) -> bool:
        return _entered_late(self.taken_at, self.created_at)


class Administration(NoDeleteModel):
    """A dose given: how much, how, from which lot, ordered by whom, given by whom, when.

    ``mg_per_kg`` uses the patient's latest weight (``weight``, snapshotted in ``weight_kg``).
    Racemic ketamine debits its lot by ``dose_mg`` when recorded; esketamine is given device by
    device (``EsketamineDevice``), each debiting one device from the lot.
    """

    dosing = models.ForeignKey(DosingRecord, on_delete=models.PROTECT, related_name="administrations")
    medication = models.CharField(max_length=20, choices=Medication.choices)
    route = models.CharField(max_length=20, choices=Route.choices)
    dose_mg = models.DecimalField(max_digits=7, decimal_places=2)
    weight = models.ForeignKey(WeightMeasurement, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    weight_kg = models.DecimalField(max_digits=4, decimal_places=1, null=True, blank=True)
    mg_per_kg = models.DecimalField(max_digits=6, decimal_places=3, null=True, blank=True)
    infusion_minutes = models.PositiveSmallIntegerField(null=True, blank=True)
    planned_devices = models.PositiveSmallIntegerField(null=True, blank=True)
    lot = models.ForeignKey("sessions_app.InventoryLot", on_delete=models.PROTECT, related_name="administrations")
    ordering_prescriber = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    administered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    # A dose recorded by mistake (wrong patient, double entry) is voided before signing; the
    # lot gets its quantity back through a reversing log entry.
    voided_at = models.DateTimeField(null=True, blank=True)
    voided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    void_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["started_at", "id"]
        constraints = [
            models.CheckConstraint(
                name="administration_void_complete",
                condition=Q(voided_at__isnull=True, voided_by__isnull=True, void_reason="")
                | (Q(voided_at__isnull=False, voided_by__isnull=False) & ~Q(void_reason="")),
            ),
            models.CheckConstraint(name="administration_dose_positive", condition=Q(dose_mg__gt=0)),
            models.CheckConstraint(
                name="administration_ends_after_start",
                condition=Q(ended_at__isnull=True) | Q(ended_at__gte=F("started_at")),
            ),
            models.CheckConstraint(
                name="administration_iv_has_duration",
                condition=~Q(route="iv") | Q(infusion_minutes__gt=0),
            ),
            models.CheckConstraint(
                name="administration_esketamine_has_devices",
                condition=~Q(medication="esketamine") | Q(planned_devices__gt=0),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.dose_mg} mg {self.get_route_display()} {self.started_at:%H:%M}"

    @property
    def dose_text(self) -> str:
        """The dose in mg as people write it (38.5, not 38.50)."""
        return format(self.dose_mg.normalize(), "f")

    @property
    def mg_per_kg_text(self) -> str:
        """mg/kg as people write it (0.5, not 0.500)."""
        return "" if self.mg_per_kg is None else format(self.mg_per_kg.normalize(), "f")

    @property
    def entered_late(self) -> bool:
        return _entered_late(self.started_at, self.created_at)

    @property
    def unit_quantity(self):  # noqa: ANN201 - Decimal
        """What one administration takes from its lot: mg, or devices for esketamine."""
        return self.planned_devices if self.medication == Medication.ESKETAMINE else self.dose_mg


class EsketamineDevice(NoDeleteModel):
    """One esketamine nasal spray device (28 mg), given at least 5 minutes after the previous one."""

    administration = models.ForeignKey(Administration, on_delete=models.PROTECT, related_name="devices")
    dosing = models.ForeignKey(DosingRecord, on_delete=models.PROTECT, related_name="+")
    number = models.PositiveSmallIntegerField()
    given_at = models.DateTimeField()
    given_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(fields=["administration", "number"], name="esketamine_device_unique_number"),
            models.CheckConstraint(name="esketamine_device_number_positive", condition=Q(number__gte=1)),
        ]

    def __str__(self) -> str:
        return f"Device {self.number} at {self.given_at:%H:%M}"


class Observation(NoDeleteModel):
    """Sedation (MOAA/S, 0–5) and dissociation observed during monitoring."""

    class Dissociation(models.TextChoices):
        NONE = "none", "None"
        MILD = "mild", "Mild"
        MODERATE = "moderate", "Moderate"
        SEVERE = "severe", "Severe"

    dosing = models.ForeignKey(DosingRecord, on_delete=models.PROTECT, related_name="observations")
    observed_at = models.DateTimeField()
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    moaas = models.PositiveSmallIntegerField(null=True, blank=True)
    dissociation = models.CharField(max_length=10, choices=Dissociation.choices, blank=True)
    respiratory_depression = models.BooleanField(default=False)
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["observed_at", "id"]
        constraints = [
            models.CheckConstraint(name="observation_moaas_range", condition=Q(moaas__isnull=True) | Q(moaas__lte=5)),
            models.CheckConstraint(
                name="observation_something_observed",
                condition=Q(moaas__isnull=False) | ~Q(dissociation="") | Q(respiratory_depression=True),
            ),
        ]

    def __str__(self) -> str:
        return f"Observation {self.observed_at:%H:%M}"

    @property
    def entered_late(self) -> bool:
        return _entered_late(self.observed_at, self.created_at)


class AdverseEvent(NoDeleteModel):
    """An adverse event from the coded list, its severity and what was done."""

    class Code(models.TextChoices):
        NAUSEA = "nausea", "Nausea"
        VOMITING = "vomiting", "Vomiting"
        DIZZINESS = "dizziness", "Dizziness"
        ELEVATED_BP = "elevated_bp", "Elevated blood pressure"
        DISSOCIATION = "dissociation", "Dissociation"
        PERCEPTUAL = "perceptual", "Visual or auditory distortions"
        ANXIETY = "anxiety", "Anxiety"
        HEADACHE = "headache", "Headache"
        OTHER = "other", "Other"

    class Severity(models.TextChoices):
        MILD = "mild", "Mild"
        MODERATE = "moderate", "Moderate"
        SEVERE = "severe", "Severe"

    class Intervention(models.TextChoices):
        NONE = "none", "None needed"
        REASSURANCE = "reassurance", "Reassurance / environment"
        ANTIEMETIC = "antiemetic", "Antiemetic given"
        ANTIHYPERTENSIVE = "antihypertensive", "Antihypertensive given"
        DOSE_STOPPED = "dose_stopped", "Dose slowed or stopped"
        OXYGEN = "oxygen", "Oxygen / airway support"
        EMERGENCY = "emergency", "Emergency referral"
        OTHER = "other", "Other (see detail)"

    dosing = models.ForeignKey(DosingRecord, on_delete=models.PROTECT, related_name="adverse_events")
    code = models.CharField(max_length=20, choices=Code.choices)
    description = models.CharField(max_length=300, blank=True)
    severity = models.CharField(max_length=10, choices=Severity.choices)
    intervention = models.CharField(max_length=20, choices=Intervention.choices)
    intervention_detail = models.CharField(max_length=300, blank=True)
    serious = models.BooleanField(default=False)
    onset_at = models.DateTimeField()
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["onset_at", "id"]
        constraints = [
            models.CheckConstraint(
                name="adverse_event_other_described", condition=~Q(code="other") | ~Q(description="")
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_code_display()} ({self.get_severity_display()})"


class Discharge(NoDeleteModel):
    """Discharge: observation time, modified Aldrete (five items, 0–2 each), escort, instructions.

    For esketamine the REMS patient-monitoring-form answers are held here as well; the BP
    values before the dose, at 40 minutes and at discharge come from the vitals.
    """

    dosing = models.OneToOneField(DosingRecord, on_delete=models.PROTECT, related_name="discharge")
    discharged_at = models.DateTimeField()
    discharged_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    observation_minutes = models.PositiveIntegerField()
    aldrete_activity = models.PositiveSmallIntegerField()
    aldrete_respiration = models.PositiveSmallIntegerField()
    aldrete_circulation = models.PositiveSmallIntegerField()
    aldrete_consciousness = models.PositiveSmallIntegerField()
    aldrete_spo2 = models.PositiveSmallIntegerField()
    aldrete_total = models.PositiveSmallIntegerField()
    escort_confirmed = models.BooleanField()
    escort_name = models.CharField(max_length=120)
    instructions_given = models.BooleanField()
    notes = models.CharField(max_length=500, blank=True)
    # Esketamine REMS patient monitoring form.
    rems_total_monitoring_minutes = models.PositiveIntegerField(null=True, blank=True)
    rems_ready_minutes = models.PositiveIntegerField(null=True, blank=True)
    rems_vitals_ok_before = models.BooleanField(null=True, blank=True)
    rems_vitals_ok_at_end = models.BooleanField(null=True, blank=True)
    rems_benzodiazepines = models.BooleanField(null=True, blank=True)
    rems_non_benzo_sedatives = models.BooleanField(null=True, blank=True)
    rems_psychostimulants = models.BooleanField(null=True, blank=True)
    rems_maois = models.BooleanField(null=True, blank=True)
    rems_opioids = models.BooleanField(null=True, blank=True)
    sedation_occurred = models.BooleanField(default=False)
    sedation_resolved = models.BooleanField(null=True, blank=True)
    dissociation_occurred = models.BooleanField(default=False)
    dissociation_resolved = models.BooleanField(null=True, blank=True)
    respiratory_depression_occurred = models.BooleanField(default=False)
    respiratory_depression_resolved = models.BooleanField(null=True, blank=True)
    serious_adverse_event = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.CheckConstraint(
                name="discharge_aldrete_items_range",
                condition=Q(aldrete_activity__lte=2, aldrete_respiration__lte=2, aldrete_circulation__lte=2)
                & Q(aldrete_consciousness__lte=2, aldrete_spo2__lte=2),
            ),
            models.CheckConstraint(
                name="discharge_aldrete_total_sum",
                condition=Q(
                    aldrete_total=F("aldrete_activity")
                    + F("aldrete_respiration")
                    + F("aldrete_circulation")
                    + F("aldrete_consciousness")
                    + F("aldrete_spo2")
                ),
            ),
            models.CheckConstraint(
                name="discharge_escort_and_instructions",
                condition=Q(escort_confirmed=True, instructions_given=True) & ~Q(escort_name=""),
            ),
        ]

    def __str__(self) -> str:
        return f"Discharge {self.discharged_at:%H:%M}"
