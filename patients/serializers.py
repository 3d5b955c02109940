"""API shapes of the patients app. Input serializers check shape only; the services own the rules.

Clinical fields are left out of patient payloads for viewers who may not see clinical content
(practice admins): the views pass ``context={"clinical": False}``.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiSerializerExtension
from rest_framework import serializers

from . import selectors
from .contraindications import get_checklist
from .instruments import get_instrument
from .models import (
    Assessment,
    CareTeamMembership,
    EligibilityDecision,
    IntakeAssessment,
    Medication,
    Patient,
    SafetyFlag,
    WeightMeasurement,
)

DEMOGRAPHIC_OUTPUT = [
    "id",
    "mrn",
    "legal_first_name",
    "legal_last_name",
    "preferred_name",
    "date_of_birth",
    "sex_at_birth",
    "gender",
    "email",
    "mobile",
    "address_line1",
    "address_line2",
    "city",
    "region",
    "postal_code",
    "country",
    "emergency_contact_name",
    "emergency_contact_relationship",
    "emergency_contact_phone",
    "reminder_email_opt_in",
    "reminder_sms_opt_in",
    "referring_provider",
    "referring_provider_contact",
    "status",
    "created_at",
    "updated_at",
]
CLINICAL_OUTPUT = ["conditions", "condition_other", "allergies", "no_known_allergies", "height_cm"]


class StaffRefSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    full_name = serializers.CharField()


class PatientListOutputSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    care_team_lead = serializers.SerializerMethodField()
    conditions = serializers.SerializerMethodField()
    has_open_safety_flag = serializers.SerializerMethodField()

    class Meta:
        model = Patient
        fields = [
            "id",
            "mrn",
            "legal_first_name",
            "legal_last_name",
            "preferred_name",
            "date_of_birth",
            "email",
            "status",
            "care_team_lead",
            "conditions",
            "has_open_safety_flag",
        ]

    def get_care_team_lead(self, patient: Patient) -> dict | None:
        leads = getattr(patient, "lead_memberships", None)
        if leads is None:
            leads = list(patient.care_team.filter(active=True, is_lead=True).select_related("clinician"))
        return StaffRefSerializer(leads[0].clinician).data if leads else None

    def get_conditions(self, patient: Patient) -> list[str] | None:
        if not self.context.get("clinical"):
            return None
        return [c.condition for c in patient.conditions.all()]

    def get_has_open_safety_flag(self, patient: Patient) -> bool | None:
        if not self.context.get("clinical"):
            return None
        return getattr(patient, "has_open_safety_flag", None)


class PatientDetailOutputSerializer(serializers.ModelSerializer):
    """Demographics for every viewer; clinical details only with ``context["clinical"]``."""

    id = serializers.UUIDField(source="public_id", read_only=True)
    conditions = serializers.SerializerMethodField()
    condition_other = serializers.SerializerMethodField()

    class Meta:
        model = Patient
        fields = DEMOGRAPHIC_OUTPUT + CLINICAL_OUTPUT

    def get_conditions(self, patient: Patient) -> list[str]:
        return [c.condition for c in patient.conditions.all()]

    def get_condition_other(self, patient: Patient) -> str:
        return next((c.detail for c in patient.conditions.all() if c.condition == "other"), "")

    def to_representation(self, instance: Patient) -> dict[str, Any]:
        data = super().to_representation(instance)
        if not self.context.get("clinical"):
            for name in CLINICAL_OUTPUT:
                data.pop(name, None)
        return data


class PatientDetailOutputSchema(OpenApiSerializerExtension):
    """In the schema the clinical fields are optional: viewers without clinical access don't get them."""

    target_class = PatientDetailOutputSerializer

    def map_serializer(self, auto_schema, direction):
        schema = auto_schema._map_serializer(self.target, direction, bypass_extensions=True)
        schema["required"] = [name for name in schema.get("required", []) if name not in CLINICAL_OUTPUT]
        return schema


class PatientInputSerializer(serializers.Serializer):
    legal_first_name = serializers.CharField(max_length=100)
    legal_last_name = serializers.CharField(max_length=100)
    date_of_birth = serializers.DateField()
    preferred_name = serializers.CharField(max_length=100, required=False, allow_blank=True)
    sex_at_birth = serializers.ChoiceField(choices=Patient.SexAtBirth.choices, required=False, allow_blank=True)
    gender = serializers.CharField(max_length=60, required=False, allow_blank=True)
    email = serializers.EmailField(required=False, allow_blank=True)
    mobile = serializers.CharField(max_length=30, required=False, allow_blank=True)
    address_line1 = serializers.CharField(max_length=200, required=False, allow_blank=True)
    address_line2 = serializers.CharField(max_length=200, required=False, allow_blank=True)
    city = serializers.CharField(max_length=100, required=False, allow_blank=True)
    region = serializers.CharField(max_length=100, required=False, allow_blank=True)
    postal_code = serializers.CharField(max_length=20, required=False, allow_blank=True)
    country = serializers.CharField(max_length=2, required=False, allow_blank=True)
    emergency_contact_name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    emergency_contact_relationship = serializers.CharField(max_length=60, required=False, allow_blank=True)
    emergency_contact_phone = serializers.CharField(max_length=30, required=False, allow_blank=True)
    reminder_email_opt_in = serializers.BooleanField(required=False)
    reminder_sms_opt_in = serializers.BooleanField(required=False)
    referring_provider = serializers.CharField(max_length=200, required=False, allow_blank=True)
    referring_provider_contact = serializers.CharField(max_length=200, required=False, allow_blank=True)
    conditions = serializers.ListField(child=serializers.CharField(max_length=20), required=False)
    condition_other = serializers.CharField(max_length=200, required=False, allow_blank=True)
    allergies = serializers.CharField(required=False, allow_blank=True)
    no_known_allergies = serializers.BooleanField(required=False)
    height_cm = serializers.DecimalField(max_digits=4, decimal_places=1, required=False, allow_null=True)


class StatusChangeInputSerializer(serializers.Serializer):
    status = serializers.CharField()
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class AssessmentInputSerializer(serializers.Serializer):
    instrument = serializers.CharField()
    # Raw JSON so the service sees the client's real types (a boolean is not a score of 1).
    answers = serializers.JSONField()
    administered_at = serializers.DateTimeField(required=False)


class AssessmentOutputSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    severity_label = serializers.SerializerMethodField()
    recorded_by = StaffRefSerializer(read_only=True)
    voided = serializers.BooleanField(source="is_voided", read_only=True)

    class Meta:
        model = Assessment
        fields = [
            "id",
            "instrument",
            "instrument_version",
            "total",
            "severity",
            "severity_label",
            "flags",
            "answers",
            "administered_at",
            "source",
            "recorded_by",
            "voided",
            "void_reason",
            "created_at",
        ]

    def get_severity_label(self, assessment: Assessment) -> str:
        return get_instrument(assessment.instrument).band_label(assessment.severity)


class IntakeInputSerializer(serializers.Serializer):
    assessed_at = serializers.DateTimeField(required=False)
    checklist_version = serializers.CharField(required=False)
    contraindications = serializers.JSONField()
    contraindication_notes = serializers.CharField(required=False, allow_blank=True)
    cssrs_answers = serializers.JSONField(required=False)
    bp_systolic = serializers.IntegerField(required=False, allow_null=True)
    bp_diastolic = serializers.IntegerField(required=False, allow_null=True)
    heart_rate = serializers.IntegerField(required=False, allow_null=True)
    spo2 = serializers.IntegerField(required=False, allow_null=True)
    weight_kg = serializers.DecimalField(max_digits=4, decimal_places=1, required=False, allow_null=True)
    height_cm = serializers.DecimalField(max_digits=4, decimal_places=1, required=False, allow_null=True)
    medical_history = serializers.CharField(required=False, allow_blank=True)
    diagnoses = serializers.CharField(required=False, allow_blank=True)
    prior_treatments = serializers.CharField(required=False, allow_blank=True)
    failed_antidepressant_trials = serializers.IntegerField(required=False, min_value=0)
    psychosis_history = serializers.BooleanField(required=False)
    mania_history = serializers.BooleanField(required=False)
    substance_use = serializers.CharField(required=False, allow_blank=True)
    prior_ketamine_use = serializers.BooleanField(required=False)
    prior_ketamine_details = serializers.CharField(required=False, allow_blank=True)


class IntakeOutputSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    recorded_by = StaffRefSerializer(read_only=True)
    suicide_screen = AssessmentOutputSerializer(read_only=True)
    absolute_contraindications_present = serializers.SerializerMethodField()
    relative_contraindications_present = serializers.SerializerMethodField()

    class Meta:
        model = IntakeAssessment
        fields = [
            "id",
            "assessed_at",
            "recorded_by",
            "bp_systolic",
            "bp_diastolic",
            "heart_rate",
            "spo2",
            "weight_kg",
            "height_cm",
            "medical_history",
            "diagnoses",
            "prior_treatments",
            "failed_antidepressant_trials",
            "psychosis_history",
            "mania_history",
            "substance_use",
            "prior_ketamine_use",
            "prior_ketamine_details",
            "suicide_screen",
            "checklist_version",
            "contraindications",
            "contraindication_notes",
            "absolute_contraindications_present",
            "relative_contraindications_present",
        ]

    def _present(self, intake: IntakeAssessment, kind: str) -> list[str]:
        return [i.code for i in get_checklist(intake.checklist_version).present(intake.contraindications, kind)]

    def get_absolute_contraindications_present(self, intake: IntakeAssessment) -> list[str]:
        return self._present(intake, "absolute")

    def get_relative_contraindications_present(self, intake: IntakeAssessment) -> list[str]:
        return self._present(intake, "relative")


class EligibilityInputSerializer(serializers.Serializer):
    decision = serializers.CharField()
    rationale = serializers.CharField(allow_blank=True)
    intake = serializers.UUIDField(required=False, help_text="Defaults to the latest intake")


class EligibilityOutputSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    intake = serializers.UUIDField(source="intake.public_id", read_only=True)
    decided_by = StaffRefSerializer(read_only=True)

    class Meta:
        model = EligibilityDecision
        fields = ["id", "decision", "rationale", "intake", "decided_by", "decided_at"]


class EligibilityStateSerializer(serializers.Serializer):
    is_current = serializers.BooleanField()
    reason = serializers.CharField()
    decision = EligibilityOutputSerializer(allow_null=True)


class SafetyFlagOutputSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    assessment = serializers.UUIDField(source="assessment.public_id", read_only=True)
    acknowledged_by = StaffRefSerializer(read_only=True, allow_null=True)
    is_open = serializers.BooleanField(read_only=True)

    class Meta:
        model = SafetyFlag
        fields = [
            "id",
            "kind",
            "detail",
            "assessment",
            "raised_at",
            "is_open",
            "acknowledged_at",
            "acknowledged_by",
            "acknowledgement_note",
        ]


class AcknowledgeInputSerializer(serializers.Serializer):
    note = serializers.CharField(allow_blank=True)


class MedicationInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    dose = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    interaction_class = serializers.CharField(
        required=False, allow_blank=True, allow_null=True, default=None, help_text="Omit to look it up from the name"
    )
    started_on = serializers.DateField(required=False, allow_null=True)


class MedicationOutputSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    is_current = serializers.BooleanField(read_only=True)

    class Meta:
        model = Medication
        fields = ["id", "name", "dose", "interaction_class", "started_on", "is_current", "stopped_at", "stop_reason"]


class ReasonInputSerializer(serializers.Serializer):
    reason = serializers.CharField(allow_blank=True)


class WeightInputSerializer(serializers.Serializer):
    weight_kg = serializers.DecimalField(max_digits=5, decimal_places=2)
    measured_on = serializers.DateField(required=False)


class WeightOutputSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)

    class Meta:
        model = WeightMeasurement
        fields = ["id", "measured_on", "weight_kg"]


class CareTeamInputSerializer(serializers.Serializer):
    clinician = serializers.UUIDField()
    is_lead = serializers.BooleanField(required=False, default=False)


class CareTeamOutputSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    clinician = StaffRefSerializer(read_only=True)
    discipline = serializers.CharField(source="clinician.discipline", read_only=True)

    class Meta:
        model = CareTeamMembership
        fields = ["id", "clinician", "discipline", "is_lead", "active"]


def eligibility_state_data(patient: Patient) -> dict[str, Any]:
    state = selectors.eligibility_state(patient)
    return EligibilityStateSerializer(
        {"is_current": state.is_current, "reason": state.reason, "decision": state.decision}
    ).data
