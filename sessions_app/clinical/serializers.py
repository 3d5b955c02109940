"""Shapes of the clinical API: the dosing record (checks, vitals, doses, devices, overrides,
observations, adverse events, discharge), its inputs, the session notes, follow-up checks and
the clinical thresholds."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from kap_clinic.accounts.models import User
from sessions_app.clinical import selectors
from sessions_app.clinical.gates import Check
from sessions_app.clinical.live import session_revision
from sessions_app.clinical.models.dosing import DosingRecord
from sessions_app.clinical.selectors import DosingPage


def _person(user: User | None) -> dict | None:
    return None if user is None else {"id": user.public_id, "full_name": user.full_name}


class ClinicianRefSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    full_name = serializers.CharField()


class CheckSerializer(serializers.Serializer):
    key = serializers.CharField()
    code = serializers.CharField(help_text="The refusal code when unmet")
    label = serializers.CharField()
    state = serializers.ChoiceField(choices=["met", "unmet", "warning"])
    hard = serializers.BooleanField()
    detail = serializers.CharField()


class VitalsSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    taken_at = serializers.DateTimeField()
    phase = serializers.CharField()
    systolic = serializers.IntegerField(allow_null=True)
    diastolic = serializers.IntegerField(allow_null=True)
    heart_rate = serializers.IntegerField(allow_null=True)
    spo2 = serializers.IntegerField(allow_null=True)
    resp_rate = serializers.IntegerField(allow_null=True)
    alerts = serializers.ListField(child=serializers.CharField())
    alert_labels = serializers.ListField(child=serializers.CharField())
    alert_open = serializers.BooleanField()
    alert_acknowledged_at = serializers.DateTimeField(allow_null=True)
    alert_acknowledged_by = serializers.SerializerMethodField()
    alert_note = serializers.CharField()
    recorded_by = serializers.SerializerMethodField()
    voided_at = serializers.DateTimeField(allow_null=True)
    void_reason = serializers.CharField()
    entered_at = serializers.DateTimeField(source="created_at")
    entered_late = serializers.BooleanField()

    def get_alert_acknowledged_by(self, obj) -> str | None:
        return obj.alert_acknowledged_by.full_name if obj.alert_acknowledged_by_id else None

    def get_recorded_by(self, obj) -> str:
        return obj.recorded_by.full_name


class DeviceSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    given_at = serializers.DateTimeField()


class AdministrationSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    medication = serializers.CharField()
    route = serializers.CharField()
    dose_mg = serializers.DecimalField(max_digits=7, decimal_places=2)
    weight_kg = serializers.DecimalField(max_digits=4, decimal_places=1, allow_null=True)
    mg_per_kg = serializers.DecimalField(max_digits=6, decimal_places=3, allow_null=True)
    infusion_minutes = serializers.IntegerField(allow_null=True)
    planned_devices = serializers.IntegerField(allow_null=True)
    devices = DeviceSerializer(many=True, source="devices.all")
    lot = serializers.SerializerMethodField()
    ordering_prescriber = serializers.SerializerMethodField()
    administered_by = serializers.SerializerMethodField()
    started_at = serializers.DateTimeField()
    ended_at = serializers.DateTimeField(allow_null=True)
    voided_at = serializers.DateTimeField(allow_null=True)
    void_reason = serializers.CharField()
    entered_at = serializers.DateTimeField(source="created_at")
    entered_late = serializers.BooleanField()

    def get_lot(self, obj) -> dict:
        return {"id": str(obj.lot.public_id), "lot_number": obj.lot.lot_number}

    def get_ordering_prescriber(self, obj) -> str:
        return obj.ordering_prescriber.full_name

    def get_administered_by(self, obj) -> str:
        return obj.administered_by.full_name


class OverrideSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    kind = serializers.CharField()
    by = serializers.CharField(source="by.full_name")
    at = serializers.DateTimeField()
    reason = serializers.CharField()
    dose_mg = serializers.DecimalField(max_digits=7, decimal_places=2, allow_null=True)


class ObservationSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    observed_at = serializers.DateTimeField()
    moaas = serializers.IntegerField(allow_null=True)
    dissociation = serializers.CharField()
    respiratory_depression = serializers.BooleanField()
    note = serializers.CharField()
    recorded_by = serializers.CharField(source="recorded_by.full_name")
    entered_at = serializers.DateTimeField(source="created_at")
    entered_late = serializers.BooleanField()


class AdverseEventSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    code = serializers.CharField()
    label = serializers.CharField(source="get_code_display")
    description = serializers.CharField()
    severity = serializers.CharField()
    intervention = serializers.CharField()
    intervention_detail = serializers.CharField()
    serious = serializers.BooleanField()
    onset_at = serializers.DateTimeField()
    recorded_by = serializers.CharField(source="recorded_by.full_name")


class DischargeSerializer(serializers.Serializer):
    discharged_at = serializers.DateTimeField()
    discharged_by = serializers.CharField(source="discharged_by.full_name")
    observation_minutes = serializers.IntegerField()
    aldrete_activity = serializers.IntegerField()
    aldrete_respiration = serializers.IntegerField()
    aldrete_circulation = serializers.IntegerField()
    aldrete_consciousness = serializers.IntegerField()
    aldrete_spo2 = serializers.IntegerField()
    aldrete_total = serializers.IntegerField()
    escort_confirmed = serializers.BooleanField()
    escort_name = serializers.CharField()
    instructions_given = serializers.BooleanField()
    notes = serializers.CharField()
    rems_total_monitoring_minutes = serializers.IntegerField(allow_null=True)
    rems_ready_minutes = serializers.IntegerField(allow_null=True)
    rems_vitals_ok_before = serializers.BooleanField(allow_null=True)
    rems_vitals_ok_at_end = serializers.BooleanField(allow_null=True)
    rems_benzodiazepines = serializers.BooleanField(allow_null=True)
    rems_non_benzo_sedatives = serializers.BooleanField(allow_null=True)
    rems_psychostimulants = serializers.BooleanField(allow_null=True)
    rems_maois = serializers.BooleanField(allow_null=True)
    rems_opioids = serializers.BooleanField(allow_null=True)
    sedation_occurred = serializers.BooleanField()
    sedation_resolved = serializers.BooleanField(allow_null=True)
    dissociation_occurred = serializers.BooleanField()
    dissociation_resolved = serializers.BooleanField(allow_null=True)
    respiratory_depression_occurred = serializers.BooleanField()
    respiratory_depression_resolved = serializers.BooleanField(allow_null=True)
    serious_adverse_event = serializers.BooleanField()


class ClinicalAddendumSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    author = serializers.CharField(source="author.full_name")
    created_at = serializers.DateTimeField()
    reason = serializers.CharField()
    body = serializers.CharField()


class DosingRecordSerializer(serializers.Serializer):
    """The whole dosing record as the dosing page shows it."""

    id = serializers.UUIDField()
    session = serializers.UUIDField()
    session_status = serializers.CharField()
    checked_in_at = serializers.DateTimeField(allow_null=True)
    patient = serializers.DictField()
    medication = serializers.CharField()
    route = serializers.CharField()
    responsible_clinician = ClinicianRefSerializer()
    fasting_confirmed_at = serializers.DateTimeField(allow_null=True)
    ride_home_confirmed_at = serializers.DateTimeField(allow_null=True)
    escort_name = serializers.CharField()
    escort_phone = serializers.CharField()
    checks = CheckSerializer(many=True)
    can_dose = serializers.BooleanField()
    bp_gate = serializers.DictField()
    vitals_due = serializers.DictField()
    earliest_discharge = serializers.DateTimeField(allow_null=True)
    vitals = VitalsSerializer(many=True)
    administrations = AdministrationSerializer(many=True)
    overrides = OverrideSerializer(many=True)
    observations = ObservationSerializer(many=True)
    adverse_events = AdverseEventSerializer(many=True)
    discharge = DischargeSerializer(allow_null=True)
    signed_at = serializers.DateTimeField(allow_null=True)
    signed_by = ClinicianRefSerializer(allow_null=True)
    addenda = ClinicalAddendumSerializer(many=True)
    rems = serializers.DictField(allow_null=True)
    revision = serializers.IntegerField(
        help_text="The session's live revision this answer shows; pass it back as ?since= to ask for changes"
    )


class LiveChangeSerializer(serializers.Serializer):
    revision = serializers.IntegerField()
    kind = serializers.CharField(
        help_text="session, record, vitals, administration, override, observation, adverse_event, discharge or addendum"
    )
    id = serializers.UUIDField(source="object_id", allow_null=True, help_text="The public id of the row that changed")
    action = serializers.CharField()
    at = serializers.DateTimeField()


class DosingChangesSerializer(serializers.Serializer):
    """What changed on a dosing record since a revision: the list of changes and the record now."""

    since = serializers.IntegerField()
    revision = serializers.IntegerField()
    changes = LiveChangeSerializer(many=True)
    record = DosingRecordSerializer()


def _check(c: Check) -> dict:
    return {"key": c.key, "code": c.code, "label": c.label, "state": c.state, "hard": c.hard, "detail": c.detail}


def _bp(reading: Any) -> str | None:
    return None if reading is None else reading.bp


def dosing_output(dosing: DosingRecord) -> dict:
    revision = session_revision(dosing.session_id)  # before the record: a later change shows as newer
    page: DosingPage = selectors.dosing_page(dosing)
    d = page.dosing
    rems = None
    if d.is_esketamine:
        r = page.rems
        rems = {
            "dose_mg": str(r["dose_mg"]),
            "devices": r["devices"],
            "lots": r["lots"],
            "bp_before": _bp(r["bp_before"]),
            "bp_at_40_minutes": _bp(r["bp_at_40"]),
            "bp_at_end": _bp(r["bp_at_end"]),
        }
    data = {
        "id": d.public_id,
        "session": d.session.public_id,
        "session_status": d.session.status,
        "checked_in_at": d.session.checked_in_at,
        "patient": {"id": str(d.patient.public_id), "display_name": d.patient.display_name},
        "medication": d.medication,
        "route": d.route,
        "responsible_clinician": _person(d.responsible_clinician),
        "fasting_confirmed_at": d.fasting_confirmed_at,
        "ride_home_confirmed_at": d.ride_home_confirmed_at,
        "escort_name": d.escort_name,
        "escort_phone": d.escort_phone,
        "checks": [_check(c) for c in page.checks],
        "can_dose": page.can_dose,
        "bp_gate": {"state": page.gate.state, "message": page.gate.message},
        "vitals_due": {"due_at": page.reminder.due_at, "overdue": page.reminder.overdue, "label": page.reminder.label},
        "earliest_discharge": page.earliest_discharge,
        "vitals": page.state.vitals,
        "administrations": page.state.administrations,
        "overrides": page.state.overrides,
        "observations": page.observations,
        "adverse_events": page.adverse_events,
        "discharge": page.discharge,
        "signed_at": d.signed_at,
        "signed_by": _person(d.signed_by),
        "addenda": page.addenda,
        "rems": rems,
        "revision": revision,
    }
    return DosingRecordSerializer(data).data


class DosingOpenInput(serializers.Serializer):
    medication = serializers.CharField()
    route = serializers.CharField()


class ConfirmInput(serializers.Serializer):
    item = serializers.ChoiceField(choices=["fasting", "ride_home"])
    escort_name = serializers.CharField(required=False, allow_blank=True, default="")
    escort_phone = serializers.CharField(required=False, allow_blank=True, default="")


def clinical_time_field(what: str) -> serializers.CharField:
    """An optional clinical time for a late entry, parsed by the service (naive = clinic time)."""
    return serializers.CharField(
        required=False,
        allow_null=True,
        allow_blank=True,
        default=None,
        help_text=f"When {what}, if earlier than now (ISO 8601; without an offset, clinic time). Not in the "
        "future, not before check-in; the entry time is kept as entered_at.",
    )


class CheckInInput(serializers.Serializer):
    override_reason = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=300,
        help_text="A prescriber's reason for checking in outside the booked window (audited).",
    )


class VitalsInput(serializers.Serializer):
    systolic = serializers.IntegerField(required=False, allow_null=True)
    diastolic = serializers.IntegerField(required=False, allow_null=True)
    heart_rate = serializers.IntegerField(required=False, allow_null=True)
    spo2 = serializers.IntegerField(required=False, allow_null=True)
    resp_rate = serializers.IntegerField(required=False, allow_null=True)
    taken_at = clinical_time_field("the reading was taken")


class AlertNoteInput(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="")


class BpDecisionInput(serializers.Serializer):
    decision = serializers.ChoiceField(choices=["acknowledge", "override"])
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class AdministrationInput(serializers.Serializer):
    dose_mg = serializers.CharField()
    lot = serializers.UUIDField()
    ordering_prescriber = serializers.UUIDField()
    infusion_minutes = serializers.IntegerField(required=False, allow_null=True)
    override_reason = serializers.CharField(required=False, allow_blank=True, default="")
    given_at = clinical_time_field("the dose was given")


class ObservationInput(serializers.Serializer):
    moaas = serializers.IntegerField(required=False, allow_null=True)
    dissociation = serializers.CharField(required=False, allow_blank=True, default="")
    respiratory_depression = serializers.BooleanField(required=False, default=False)
    note = serializers.CharField(required=False, allow_blank=True, default="")
    observed_at = clinical_time_field("it was observed")


class AdverseEventInput(serializers.Serializer):
    code = serializers.CharField()
    severity = serializers.CharField()
    intervention = serializers.CharField()
    description = serializers.CharField(required=False, allow_blank=True, default="")
    intervention_detail = serializers.CharField(required=False, allow_blank=True, default="")
    serious = serializers.BooleanField(required=False, default=False)


class DischargeInput(serializers.Serializer):
    aldrete_activity = serializers.IntegerField()
    aldrete_respiration = serializers.IntegerField()
    aldrete_circulation = serializers.IntegerField()
    aldrete_consciousness = serializers.IntegerField()
    aldrete_spo2 = serializers.IntegerField()
    escort_confirmed = serializers.BooleanField()
    escort_name = serializers.CharField(required=False, allow_blank=True, default="")
    instructions_given = serializers.BooleanField()
    override_reason = serializers.CharField(required=False, allow_blank=True, default="")
    notes = serializers.CharField(required=False, allow_blank=True, default="")
    rems_ready_minutes = serializers.IntegerField(required=False, allow_null=True)
    rems_vitals_ok_before = serializers.BooleanField(required=False, allow_null=True, default=None)
    rems_vitals_ok_at_end = serializers.BooleanField(required=False, allow_null=True, default=None)
    rems_benzodiazepines = serializers.BooleanField(required=False, allow_null=True, default=None)
    rems_non_benzo_sedatives = serializers.BooleanField(required=False, allow_null=True, default=None)
    rems_psychostimulants = serializers.BooleanField(required=False, allow_null=True, default=None)
    rems_maois = serializers.BooleanField(required=False, allow_null=True, default=None)
    rems_opioids = serializers.BooleanField(required=False, allow_null=True, default=None)


class PasswordSignInput(serializers.Serializer):
    password = serializers.CharField(allow_blank=True, style={"input_type": "password"})


class ClinicalAddendumInput(serializers.Serializer):
    reason = serializers.CharField(allow_blank=True)
    body = serializers.CharField(allow_blank=True)


class PreparationSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    session = serializers.UUIDField(source="session.public_id")
    author = serializers.CharField(source="author.full_name")
    intentions = serializers.CharField()
    concerns = serializers.CharField()
    risks_discussed = serializers.ListField(child=serializers.CharField())
    fasting_explained = serializers.BooleanField()
    ride_home_plan = serializers.CharField()
    readiness = serializers.CharField()
    readiness_notes = serializers.CharField()
    created_at = serializers.DateTimeField()
    signed_at = serializers.DateTimeField(allow_null=True)
    signed_by = serializers.CharField(source="signed_by.full_name", default=None, allow_null=True)
    addenda = ClinicalAddendumSerializer(many=True, source="addenda.all")


class PreparationInput(serializers.Serializer):
    intentions = serializers.CharField(required=False, allow_blank=True, default="")
    concerns = serializers.CharField(required=False, allow_blank=True, default="")
    risks_discussed = serializers.ListField(child=serializers.CharField(), required=False, default=list)
    fasting_explained = serializers.BooleanField(required=False, default=False)
    ride_home_plan = serializers.CharField(required=False, allow_blank=True, default="")
    readiness = serializers.CharField(required=False, allow_blank=True, default="not_yet")
    readiness_notes = serializers.CharField(required=False, allow_blank=True, default="")


class IntegrationSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    session = serializers.UUIDField(source="session.public_id")
    dosing_record = serializers.UUIDField(source="dosing_record.public_id")
    author = serializers.CharField(source="author.full_name")
    experience = serializers.CharField()
    insights = serializers.CharField()
    themes = serializers.CharField()
    plan = serializers.CharField()
    homework = serializers.CharField()
    created_at = serializers.DateTimeField()
    signed_at = serializers.DateTimeField(allow_null=True)
    signed_by = serializers.CharField(source="signed_by.full_name", default=None, allow_null=True)
    addenda = ClinicalAddendumSerializer(many=True, source="addenda.all")


class IntegrationInput(serializers.Serializer):
    experience = serializers.CharField(required=False, allow_blank=True, default="")
    insights = serializers.CharField(required=False, allow_blank=True, default="")
    themes = serializers.CharField(required=False, allow_blank=True, default="")
    plan = serializers.CharField(required=False, allow_blank=True, default="")
    homework = serializers.CharField(required=False, allow_blank=True, default="")
    dosing_record = serializers.UUIDField(required=False, allow_null=True, default=None)


class SignedRecordSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    signed_at = serializers.DateTimeField(allow_null=True)
    signed_by = serializers.CharField(source="signed_by.full_name", default=None, allow_null=True)


class PsychotherapyNoteSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    patient = serializers.UUIDField(source="patient.public_id")
    session = serializers.UUIDField(source="session.public_id", default=None, allow_null=True)
    body = serializers.CharField()
    created_at = serializers.DateTimeField()
    signed_at = serializers.DateTimeField(allow_null=True)
    addenda = ClinicalAddendumSerializer(many=True, source="addenda.all")


class PsychotherapyNoteInput(serializers.Serializer):
    patient = serializers.UUIDField()
    body = serializers.CharField(allow_blank=True)


class PsychotherapyNoteEditInput(serializers.Serializer):
    body = serializers.CharField(allow_blank=True)


class FollowUpCheckSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    session = serializers.UUIDField(source="session.public_id")
    recorded_at = serializers.DateTimeField()
    recorded_by = serializers.CharField(source="recorded_by.full_name")
    urinary_urgency = serializers.BooleanField()
    urinary_frequency = serializers.BooleanField()
    dysuria = serializers.BooleanField()
    hematuria = serializers.BooleanField()
    bladder_notes = serializers.CharField()
    craving = serializers.CharField()
    non_prescribed_use = serializers.BooleanField()
    non_prescribed_details = serializers.CharField()
    memory_concern = serializers.BooleanField()
    concentration_concern = serializers.BooleanField()
    cognition_notes = serializers.CharField()
    concerns = serializers.ListField(child=serializers.CharField())


class FollowUpCheckInput(serializers.Serializer):
    urinary_urgency = serializers.BooleanField()
    urinary_frequency = serializers.BooleanField()
    dysuria = serializers.BooleanField()
    hematuria = serializers.BooleanField()
    bladder_notes = serializers.CharField(required=False, allow_blank=True, default="")
    craving = serializers.CharField()
    non_prescribed_use = serializers.BooleanField()
    non_prescribed_details = serializers.CharField(required=False, allow_blank=True, default="")
    memory_concern = serializers.BooleanField()
    concentration_concern = serializers.BooleanField()
    cognition_notes = serializers.CharField(required=False, allow_blank=True, default="")


class SettingSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    group = serializers.CharField()
    unit = serializers.CharField()
    value = serializers.DecimalField(max_digits=8, decimal_places=2)
    default = serializers.DecimalField(max_digits=8, decimal_places=2)
    overridden = serializers.BooleanField()


class SettingInput(serializers.Serializer):
    key = serializers.CharField()
    value = serializers.CharField()
    reason = serializers.CharField(allow_blank=True)
