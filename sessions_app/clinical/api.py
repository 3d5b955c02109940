"""/api/v1/ for clinical records: dosing records (checks, vitals, doses, devices, observations,
adverse events, discharge), preparation/integration records, psychotherapy notes, follow-up
checks, signing and addenda, the controlled-substance log and the clinical thresholds.

Every endpoint calls the same selectors and services as the pages: a gate that refuses answers
409 (or 400 for input, e.g. a dose out of range or an implausible reading) with
``{"error": {"code", "message", "field"}}``; ``code`` names the gate (``consent_missing``,
``consent_revoked``, ``not_eligible``, ``no_preparation``, ``bp_blocked``, ``dose_out_of_range``,
``observation_too_short``, ``lot_expired``, ``insufficient_balance``, ...). Records of patients
outside the caller's care team are 404; practice admins and patients get 403 (no clinical
content here); a psychotherapy note is 404 for everyone but its author.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.urls import path
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from kap_clinic.accounts.models import User
from kap_clinic.accounts.permissions import IsClinician, IsStaffMember
from kap_clinic.audit.services import audit_record
from kap_clinic.common.errors import ValidationFailed
from patients.selectors import patient_get_for
from sessions_app.clinical import selectors as selectors_clinical
from sessions_app.clinical import thresholds as clinical_settings
from sessions_app.clinical.gates import Check
from sessions_app.clinical.models.dosing import ClinicalSettingChange, DosingRecord
from sessions_app.clinical.models.followup import FollowUpCheck
from sessions_app.clinical.models.notes import IntegrationRecord, PreparationRecord
from sessions_app.clinical.selectors import DosingPage
from sessions_app.clinical.services import notes as note_services
from sessions_app.clinical.services.administration import (
    administration_end,
    administration_record,
    administration_void,
    esketamine_device_give,
)
from sessions_app.clinical.services.discharge import discharge_record
from sessions_app.clinical.services.dosing import dosing_check_in, dosing_confirm, dosing_open
from sessions_app.clinical.services.monitoring import (
    adverse_event_record,
    bp_acknowledge,
    bp_override,
    observation_record,
    vitals_alert_acknowledge,
    vitals_record,
    vitals_void,
)
from sessions_app.inventory import selectors as inventory_selectors
from sessions_app.inventory import services as inv
from sessions_app.inventory.models import InventoryLot

# --- output ----------------------------------------------------------------------------------------


def _path_choice(name: str, choices: list[str]) -> OpenApiParameter:
    """A ``<slug:...>`` path segment that only takes these values (anything else is a 404)."""
    return OpenApiParameter(name, str, OpenApiParameter.PATH, enum=choices)


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


def _check(c: Check) -> dict:
    return {"key": c.key, "code": c.code, "label": c.label, "state": c.state, "hard": c.hard, "detail": c.detail}


def _bp(reading: Any) -> str | None:
    return None if reading is None else reading.bp


def dosing_output(dosing: DosingRecord) -> dict:
    page: DosingPage = selectors_clinical.dosing_page(dosing)
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
    }
    return DosingRecordSerializer(data).data


# --- input -------------------------------------------------------------------------------------------


class DosingOpenInput(serializers.Serializer):
    medication = serializers.CharField()
    route = serializers.CharField()


class ConfirmInput(serializers.Serializer):
    item = serializers.ChoiceField(choices=["fasting", "ride_home"])
    escort_name = serializers.CharField(required=False, allow_blank=True, default="")
    escort_phone = serializers.CharField(required=False, allow_blank=True, default="")


class VitalsInput(serializers.Serializer):
    systolic = serializers.IntegerField(required=False, allow_null=True)
    diastolic = serializers.IntegerField(required=False, allow_null=True)
    heart_rate = serializers.IntegerField(required=False, allow_null=True)
    spo2 = serializers.IntegerField(required=False, allow_null=True)
    resp_rate = serializers.IntegerField(required=False, allow_null=True)


class AlertNoteInput(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="")


class ClinicalReasonInput(serializers.Serializer):
    reason = serializers.CharField(allow_blank=True)


class BpDecisionInput(serializers.Serializer):
    decision = serializers.ChoiceField(choices=["acknowledge", "override"])
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class AdministrationInput(serializers.Serializer):
    dose_mg = serializers.CharField()
    lot = serializers.UUIDField()
    ordering_prescriber = serializers.UUIDField()
    infusion_minutes = serializers.IntegerField(required=False, allow_null=True)
    override_reason = serializers.CharField(required=False, allow_blank=True, default="")


class ObservationInput(serializers.Serializer):
    moaas = serializers.IntegerField(required=False, allow_null=True)
    dissociation = serializers.CharField(required=False, allow_blank=True, default="")
    respiratory_depression = serializers.BooleanField(required=False, default=False)
    note = serializers.CharField(required=False, allow_blank=True, default="")


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


def _valid(serializer_class: type[serializers.Serializer], request: Request) -> dict:
    data = serializer_class(data=request.data)
    data.is_valid(raise_exception=True)
    return dict(data.validated_data)


def _lot(public_id: uuid.UUID | None, field: str = "lot") -> InventoryLot | None:
    if public_id is None:
        return None
    lot = InventoryLot.objects.filter(public_id=public_id).first()
    if lot is None:
        raise ValidationFailed("No lot has this id.", field=field)
    return lot


def _clinician(public_id: uuid.UUID | None, field: str) -> User | None:
    if public_id is None:
        return None
    user = User.objects.filter(public_id=public_id, role=User.Role.CLINICIAN).first()
    if user is None:
        raise ValidationFailed("No clinician has this id.", field=field)
    return user


# --- dosing record -----------------------------------------------------------------------------------


def _dosing_for(request: Request, public_id: uuid.UUID) -> DosingRecord:
    return selectors_clinical.dosing_record_get_for(user=request.user, public_id=public_id)


class SessionDosingApi(APIView):
    """The dosing record of a dosing session (GET), or open it (POST: medication, route)."""

    permission_classes = [IsClinician]

    @extend_schema(responses=DosingRecordSerializer)
    def get(self, request, public_id):
        session = selectors_clinical.clinical_session_get_for(user=request.user, public_id=public_id, kind="dosing")
        dosing = DosingRecord.objects.filter(session=session).first()
        if dosing is None:
            return Response(
                {"error": {"code": "not_found", "message": "This session has no dosing record yet.", "field": None}},
                status=status.HTTP_404_NOT_FOUND,
            )
        audit_record(actor=request.user, action="dosing_record.viewed", target=dosing, patient=dosing.patient)
        return Response(dosing_output(dosing))

    @extend_schema(request=DosingOpenInput, responses={201: DosingRecordSerializer})
    def post(self, request, public_id):
        session = selectors_clinical.clinical_session_get_for(user=request.user, public_id=public_id, kind="dosing")
        data = _valid(DosingOpenInput, request)
        dosing = dosing_open(actor=request.user, session=session, **data)
        return Response(dosing_output(dosing), status=status.HTTP_201_CREATED)


class DosingRecordApi(APIView):
    """A dosing record by its own id."""

    permission_classes = [IsClinician]

    @extend_schema(responses=DosingRecordSerializer)
    def get(self, request, public_id):
        dosing = _dosing_for(request, public_id)
        audit_record(actor=request.user, action="dosing_record.viewed", target=dosing, patient=dosing.patient)
        return Response(dosing_output(dosing))


class _DosingAction(APIView):
    """POST an action on a dosing record; answers with the whole record."""

    permission_classes = [IsClinician]
    input_class: type[serializers.Serializer] | None = None
    created = False

    def act(self, request: Request, dosing: DosingRecord, data: dict) -> Any:
        raise NotImplementedError

    def post(self, request, public_id):
        dosing = _dosing_for(request, public_id)
        data = _valid(self.input_class, request) if self.input_class else {}
        self.act(request, dosing, data)
        return Response(dosing_output(dosing), status=status.HTTP_201_CREATED if self.created else status.HTTP_200_OK)


class DosingCheckInApi(_DosingAction):
    """Check the patient in (confirming the appointment first if needed)."""

    @extend_schema(request=None, responses=DosingRecordSerializer)
    def post(self, request, public_id):
        return super().post(request, public_id)

    def act(self, request, dosing, data):
        dosing_check_in(actor=request.user, dosing=dosing)


class DosingConfirmApi(_DosingAction):
    """Confirm fasting, or the ride home with the escort's name."""

    input_class = ConfirmInput

    @extend_schema(request=ConfirmInput, responses=DosingRecordSerializer)
    def post(self, request, public_id):
        return super().post(request, public_id)

    def act(self, request, dosing, data):
        dosing_confirm(actor=request.user, dosing=dosing, **data)


class DosingVitalsApi(_DosingAction):
    """Vitals of the record (GET), or a new reading timestamped now (POST, 201)."""

    input_class = VitalsInput
    created = True

    @extend_schema(responses=VitalsSerializer(many=True))
    def get(self, request, public_id):
        dosing = _dosing_for(request, public_id)
        readings = dosing.vitals.select_related("recorded_by", "alert_acknowledged_by")
        return Response(VitalsSerializer(readings, many=True).data)

    @extend_schema(request=VitalsInput, responses={201: DosingRecordSerializer})
    def post(self, request, public_id):
        return super().post(request, public_id)

    def act(self, request, dosing, data):
        vitals_record(actor=request.user, dosing=dosing, **data)


class DosingBpDecisionApi(_DosingAction):
    """A prescriber acknowledges an elevated pre-dose BP, or overrides a blocking one with a reason."""

    input_class = BpDecisionInput
    created = True

    @extend_schema(request=BpDecisionInput, responses={201: DosingRecordSerializer})
    def post(self, request, public_id):
        return super().post(request, public_id)

    def act(self, request, dosing, data):
        if data["decision"] == "acknowledge":
            bp_acknowledge(actor=request.user, dosing=dosing)
        else:
            bp_override(actor=request.user, dosing=dosing, reason=data["reason"])


class DosingAdministrationApi(_DosingAction):
    """Doses of the record (GET), or record a dose given now (POST, 201) through every gate."""

    input_class = AdministrationInput
    created = True

    @extend_schema(responses=AdministrationSerializer(many=True))
    def get(self, request, public_id):
        dosing = _dosing_for(request, public_id)
        doses = dosing.administrations.select_related("lot", "ordering_prescriber", "administered_by")
        return Response(AdministrationSerializer(doses.prefetch_related("devices"), many=True).data)

    @extend_schema(request=AdministrationInput, responses={201: DosingRecordSerializer})
    def post(self, request, public_id):
        return super().post(request, public_id)

    def act(self, request, dosing, data):
        administration_record(
            actor=request.user,
            dosing=dosing,
            dose_mg=data["dose_mg"],
            lot=_lot(data["lot"]),
            ordering_prescriber=_clinician(data["ordering_prescriber"], "ordering_prescriber"),
            infusion_minutes=data.get("infusion_minutes"),
            override_reason=data["override_reason"],
        )


class DosingObservationApi(_DosingAction):
    """Record sedation (MOAA/S) and dissociation now."""

    input_class = ObservationInput
    created = True

    @extend_schema(request=ObservationInput, responses={201: DosingRecordSerializer})
    def post(self, request, public_id):
        return super().post(request, public_id)

    def act(self, request, dosing, data):
        observation_record(actor=request.user, dosing=dosing, **data)


class DosingAdverseEventApi(_DosingAction):
    """Adverse events of the record (GET), or record one from the coded list (POST, 201)."""

    input_class = AdverseEventInput
    created = True

    @extend_schema(responses=AdverseEventSerializer(many=True))
    def get(self, request, public_id):
        dosing = _dosing_for(request, public_id)
        return Response(AdverseEventSerializer(dosing.adverse_events.select_related("recorded_by"), many=True).data)

    @extend_schema(request=AdverseEventInput, responses={201: DosingRecordSerializer})
    def post(self, request, public_id):
        return super().post(request, public_id)

    def act(self, request, dosing, data):
        adverse_event_record(actor=request.user, dosing=dosing, **data)


class DosingDischargeApi(_DosingAction):
    """The discharge (GET, 404 before it), or discharge now (POST, 201) through its gates."""

    input_class = DischargeInput
    created = True

    @extend_schema(responses=DischargeSerializer)
    def get(self, request, public_id):
        dosing = _dosing_for(request, public_id)
        discharge = getattr(dosing, "discharge", None)
        if discharge is None:
            return Response(
                {"error": {"code": "not_found", "message": "Not discharged yet.", "field": None}}, status=404
            )
        return Response(DischargeSerializer(discharge).data)

    @extend_schema(request=DischargeInput, responses={201: DosingRecordSerializer})
    def post(self, request, public_id):
        return super().post(request, public_id)

    def act(self, request, dosing, data):
        rems = {k: v for k, v in data.items() if k.startswith("rems_") and k != "rems_ready_minutes" and v is not None}
        aldrete = {k: v for k, v in data.items() if k.startswith("aldrete_")}
        discharge_record(
            actor=request.user,
            dosing=dosing,
            escort_confirmed=data["escort_confirmed"],
            escort_name=data["escort_name"],
            instructions_given=data["instructions_given"],
            override_reason=data["override_reason"],
            notes=data["notes"],
            rems_ready_minutes=data.get("rems_ready_minutes"),
            **aldrete,
            **rems,
        )


class VitalsAcknowledgeApi(APIView):
    """Acknowledge the alert a reading raised."""

    permission_classes = [IsClinician]

    @extend_schema(request=AlertNoteInput, responses=VitalsSerializer)
    def post(self, request, public_id):
        reading = selectors_clinical.vitals_get_for(user=request.user, public_id=public_id)
        reading = vitals_alert_acknowledge(actor=request.user, reading=reading, **_valid(AlertNoteInput, request))
        return Response(VitalsSerializer(reading).data)


class VitalsVoidApi(APIView):
    """Void a mistyped reading, with a reason (it stays on the record)."""

    permission_classes = [IsClinician]

    @extend_schema(request=ClinicalReasonInput, responses=VitalsSerializer)
    def post(self, request, public_id):
        reading = selectors_clinical.vitals_get_for(user=request.user, public_id=public_id)
        reading = vitals_void(actor=request.user, reading=reading, **_valid(ClinicalReasonInput, request))
        return Response(VitalsSerializer(reading).data)


class AdministrationActionApi(APIView):
    """``device``: give the next esketamine device; ``end``: the dose ended now; ``void``: void it (reason)."""

    permission_classes = [IsClinician]

    @extend_schema(
        request=ClinicalReasonInput,
        responses=AdministrationSerializer,
        operation_id="v1_administration_action",
        parameters=[_path_choice("action", ["device", "end", "void"])],
    )
    def post(self, request, public_id, action):
        dose = selectors_clinical.administration_get_for(user=request.user, public_id=public_id)
        if action == "device":
            esketamine_device_give(actor=request.user, administration=dose)
        elif action == "end":
            administration_end(actor=request.user, administration=dose)
        elif action == "void":
            administration_void(
                actor=request.user, administration=dose, reason=_valid(ClinicalReasonInput, request)["reason"]
            )
        else:
            return Response({"error": {"code": "not_found", "message": "Unknown action.", "field": None}}, status=404)
        dose.refresh_from_db()
        return Response(AdministrationSerializer(dose).data)


# --- notes: preparation, integration, psychotherapy, follow-up ---------------------------------------


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


def _not_found(message: str) -> Response:
    return Response({"error": {"code": "not_found", "message": message, "field": None}}, status=404)


class SessionPreparationApi(APIView):
    """The preparation record of a preparation session (GET), or write it (PUT; therapist, until signed)."""

    permission_classes = [IsClinician]

    @extend_schema(responses=PreparationSerializer)
    def get(self, request, public_id):
        session = selectors_clinical.clinical_session_get_for(
            user=request.user, public_id=public_id, kind="preparation"
        )
        record = getattr(session, "preparation_record", None)
        if record is None:
            return _not_found("No preparation record yet.")
        audit_record(actor=request.user, action="preparation_record.viewed", target=record, patient=session.patient)
        return Response(PreparationSerializer(record).data)

    @extend_schema(request=PreparationInput, responses=PreparationSerializer)
    def put(self, request, public_id):
        session = selectors_clinical.clinical_session_get_for(
            user=request.user, public_id=public_id, kind="preparation"
        )
        record = note_services.preparation_save(
            actor=request.user, session=session, **_valid(PreparationInput, request)
        )
        return Response(PreparationSerializer(record).data)


class SessionIntegrationApi(APIView):
    """The integration record of an integration session (GET), or write it (PUT; therapist, until signed)."""

    permission_classes = [IsClinician]

    @extend_schema(responses=IntegrationSerializer)
    def get(self, request, public_id):
        session = selectors_clinical.clinical_session_get_for(
            user=request.user, public_id=public_id, kind="integration"
        )
        record = getattr(session, "integration_record", None)
        if record is None:
            return _not_found("No integration record yet.")
        audit_record(actor=request.user, action="integration_record.viewed", target=record, patient=session.patient)
        return Response(IntegrationSerializer(record).data)

    @extend_schema(request=IntegrationInput, responses=IntegrationSerializer)
    def put(self, request, public_id):
        session = selectors_clinical.clinical_session_get_for(
            user=request.user, public_id=public_id, kind="integration"
        )
        data = _valid(IntegrationInput, request)
        dosing_id = data.pop("dosing_record")
        dosing = None
        if dosing_id is not None:
            dosing = DosingRecord.objects.filter(public_id=dosing_id, patient=session.patient).first()
            if dosing is None:
                raise ValidationFailed("No dosing record of this patient has this id.", field="dosing_record")
        record = note_services.integration_save(actor=request.user, session=session, dosing_record=dosing, **data)
        return Response(IntegrationSerializer(record).data)


RECORD_KINDS = {
    "dosing": (DosingRecord, selectors_clinical.dosing_record_get_for),
    "preparation": (PreparationRecord, selectors_clinical.preparation_get_for),
    "integration": (IntegrationRecord, selectors_clinical.integration_get_for),
}
RECORD_KIND_PARAMETER = _path_choice("kind", list(RECORD_KINDS))


class SignedRecordSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    signed_at = serializers.DateTimeField(allow_null=True)
    signed_by = serializers.CharField(source="signed_by.full_name", default=None, allow_null=True)


class ClinicalRecordSignApi(APIView):
    """Sign a dosing, preparation or integration record with the password (responsible clinician only)."""

    permission_classes = [IsClinician]

    @extend_schema(request=PasswordSignInput, responses=SignedRecordSerializer, parameters=[RECORD_KIND_PARAMETER])
    def post(self, request, kind, public_id):
        if kind not in RECORD_KINDS:
            return _not_found("Unknown kind of record.")
        record = RECORD_KINDS[kind][1](user=request.user, public_id=public_id)
        record = note_services.record_sign(actor=request.user, record=record, **_valid(PasswordSignInput, request))
        return Response(SignedRecordSerializer(record).data)


class ClinicalRecordAddendaApi(APIView):
    """Addenda of a dosing, preparation or integration record (GET), or add one (POST: reason, body)."""

    permission_classes = [IsClinician]

    def _record(self, request, kind, public_id):
        return RECORD_KINDS[kind][1](user=request.user, public_id=public_id)

    @extend_schema(responses=ClinicalAddendumSerializer(many=True), parameters=[RECORD_KIND_PARAMETER])
    def get(self, request, kind, public_id):
        if kind not in RECORD_KINDS:
            return _not_found("Unknown kind of record.")
        record = self._record(request, kind, public_id)
        return Response(ClinicalAddendumSerializer(record.addenda.select_related("author"), many=True).data)

    @extend_schema(
        request=ClinicalAddendumInput, responses={201: ClinicalAddendumSerializer}, parameters=[RECORD_KIND_PARAMETER]
    )
    def post(self, request, kind, public_id):
        if kind not in RECORD_KINDS:
            return _not_found("Unknown kind of record.")
        record = self._record(request, kind, public_id)
        addendum = note_services.addendum_add(
            actor=request.user, record=record, **_valid(ClinicalAddendumInput, request)
        )
        return Response(ClinicalAddendumSerializer(addendum).data, status=status.HTTP_201_CREATED)


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


class PsychotherapyNoteListApi(APIView):
    """The caller's own psychotherapy notes (GET), or write one (POST; therapists on the care team)."""

    permission_classes = [IsClinician]

    @extend_schema(responses=PsychotherapyNoteSerializer(many=True))
    def get(self, request):
        notes = selectors_clinical.psychotherapy_notes_for(request.user).prefetch_related("addenda__author")
        return Response(PsychotherapyNoteSerializer(notes, many=True).data)

    @extend_schema(request=PsychotherapyNoteInput, responses={201: PsychotherapyNoteSerializer})
    def post(self, request):
        data = _valid(PsychotherapyNoteInput, request)
        patient = patient_get_for(user=request.user, public_id=data["patient"], clinical=True)
        note = note_services.psychotherapy_note_save(actor=request.user, patient=patient, body=data["body"])
        return Response(PsychotherapyNoteSerializer(note).data, status=status.HTTP_201_CREATED)


class PsychotherapyNoteApi(APIView):
    """One psychotherapy note: its author reads (GET) and edits it until signed (PATCH); 404 for anyone else."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses=PsychotherapyNoteSerializer)
    def get(self, request, public_id):
        note = selectors_clinical.psychotherapy_note_get_for(user=request.user, public_id=public_id)
        audit_record(actor=request.user, action="psychotherapy_note.viewed", target=note, patient=note.patient)
        return Response(PsychotherapyNoteSerializer(note).data)

    @extend_schema(request=PsychotherapyNoteEditInput, responses=PsychotherapyNoteSerializer)
    def patch(self, request, public_id):
        note = selectors_clinical.psychotherapy_note_get_for(user=request.user, public_id=public_id)
        note = note_services.psychotherapy_note_save(
            actor=request.user,
            patient=note.patient,
            note=note,
            body=_valid(PsychotherapyNoteEditInput, request)["body"],
        )
        return Response(PsychotherapyNoteSerializer(note).data)


class PsychotherapyNoteActionApi(APIView):
    """``sign`` (password) or ``addenda`` (reason, body) on one's own psychotherapy note; 404 for anyone else."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=ClinicalAddendumInput,
        responses=PsychotherapyNoteSerializer,
        operation_id="v1_psychotherapy_note_action",
        parameters=[_path_choice("action", ["sign", "addenda"])],
    )
    def post(self, request, public_id, action):
        note = selectors_clinical.psychotherapy_note_get_for(user=request.user, public_id=public_id)
        if action == "sign":
            note_services.record_sign(actor=request.user, record=note, **_valid(PasswordSignInput, request))
        elif action == "addenda":
            note_services.psychotherapy_note_addendum_add(
                actor=request.user, note=note, **_valid(ClinicalAddendumInput, request)
            )
        else:
            return _not_found("Unknown action.")
        note = selectors_clinical.psychotherapy_note_get_for(user=request.user, public_id=public_id)
        return Response(PsychotherapyNoteSerializer(note).data)


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


class SessionFollowUpCheckApi(APIView):
    """The long-term follow-up answers of an integration or follow-up visit (GET), or record them (POST)."""

    permission_classes = [IsClinician]

    def _session(self, request, public_id):
        session = selectors_clinical.clinical_session_get_for(user=request.user, public_id=public_id)
        if session.kind not in ("integration", "follow_up"):
            raise ValidationFailed("Follow-up questions belong to integration and follow-up visits.", field="session")
        return session

    @extend_schema(responses=FollowUpCheckSerializer)
    def get(self, request, public_id):
        session = self._session(request, public_id)
        check = FollowUpCheck.objects.filter(session=session).select_related("recorded_by", "session").first()
        if check is None:
            return _not_found("Not recorded yet.")
        return Response(FollowUpCheckSerializer(check).data)

    @extend_schema(request=FollowUpCheckInput, responses={201: FollowUpCheckSerializer})
    def post(self, request, public_id):
        session = self._session(request, public_id)
        check = note_services.follow_up_check_record(
            actor=request.user, session=session, **_valid(FollowUpCheckInput, request)
        )
        return Response(FollowUpCheckSerializer(check).data, status=status.HTTP_201_CREATED)


# --- controlled-substance log --------------------------------------------------------------------------


class LotSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    product = serializers.CharField()
    medication = serializers.CharField()
    unit = serializers.CharField()
    lot_number = serializers.CharField()
    concentration = serializers.CharField()
    supplier = serializers.CharField()
    invoice_number = serializers.CharField()
    quantity_received = serializers.DecimalField(max_digits=10, decimal_places=2)
    balance = serializers.DecimalField(max_digits=10, decimal_places=2)
    expires_on = serializers.DateField()
    received_at = serializers.DateTimeField()
    received_by = serializers.CharField(source="received_by.full_name")
    voided_at = serializers.DateTimeField(allow_null=True)
    void_reason = serializers.CharField()


class EntrySerializer(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    kind = serializers.CharField()
    quantity = serializers.DecimalField(max_digits=10, decimal_places=2)
    balance_after = serializers.DecimalField(max_digits=10, decimal_places=2)
    occurred_at = serializers.DateTimeField()
    recorded_by = serializers.CharField(source="recorded_by.full_name")
    witness = serializers.CharField(source="witness.full_name", default=None, allow_null=True)
    reason = serializers.CharField()
    patient = serializers.UUIDField(source="patient.public_id", default=None, allow_null=True)
    administration = serializers.UUIDField(source="administration.public_id", default=None, allow_null=True)
    voided_at = serializers.DateTimeField(allow_null=True)
    void_reason = serializers.CharField()


class LotDetailSerializer(LotSerializer):
    entries = EntrySerializer(many=True)


class LotInput(serializers.Serializer):
    product = serializers.CharField()
    lot_number = serializers.CharField(allow_blank=True)
    concentration = serializers.CharField(allow_blank=True)
    supplier = serializers.CharField(allow_blank=True)
    invoice_number = serializers.CharField(allow_blank=True)
    quantity = serializers.CharField()
    expires_on = serializers.DateField()


class WasteInput(serializers.Serializer):
    quantity = serializers.CharField()
    witness = serializers.UUIDField(required=False, allow_null=True, default=None)
    reason = serializers.CharField(allow_blank=True)


class AdjustInput(serializers.Serializer):
    quantity = serializers.CharField()
    reason = serializers.CharField(allow_blank=True)


class CountInput(serializers.Serializer):
    counted_quantity = serializers.CharField()
    witness = serializers.UUIDField(required=False, allow_null=True, default=None)
    note = serializers.CharField(required=False, allow_blank=True, default="")


class CountSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    counted_at = serializers.DateTimeField()
    counted_by = serializers.CharField(source="counted_by.full_name")
    counted_quantity = serializers.DecimalField(max_digits=10, decimal_places=2)
    expected_balance = serializers.DecimalField(max_digits=10, decimal_places=2)
    discrepancy = serializers.DecimalField(max_digits=10, decimal_places=2)


class ReconciliationSerializer(serializers.Serializer):
    lot = LotSerializer()
    ledger_balance = serializers.DecimalField(max_digits=10, decimal_places=2)
    ledger_matches = serializers.BooleanField()
    last_count = CountSerializer(allow_null=True)
    count_discrepancy = serializers.DecimalField(max_digits=10, decimal_places=2, allow_null=True)
    settled = serializers.BooleanField()
    has_discrepancy = serializers.BooleanField()


class _KeeperApi(APIView):
    permission_classes = [IsClinician]

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        inventory_selectors.require_log_keeper(request.user)


def _lot_detail(lot: InventoryLot) -> dict:
    lot.entries_list = list(inventory_selectors.lot_entries(lot))
    data = LotSerializer(lot).data
    data["entries"] = EntrySerializer(lot.entries_list, many=True).data
    return data


class LotListApi(_KeeperApi):
    """Lots with their balances (GET), or receive a lot (POST, 201)."""

    @extend_schema(responses=LotSerializer(many=True))
    def get(self, request):
        return Response(LotSerializer(inventory_selectors.lot_list(), many=True).data)

    @extend_schema(request=LotInput, responses={201: LotDetailSerializer})
    def post(self, request):
        lot = inv.lot_receive(actor=request.user, **_valid(LotInput, request))
        return Response(_lot_detail(lot), status=status.HTTP_201_CREATED)


class LotDetailApi(_KeeperApi):
    """One lot with every log entry and its running balance."""

    @extend_schema(responses=LotDetailSerializer)
    def get(self, request, public_id):
        return Response(_lot_detail(inventory_selectors.lot_get_for(user=request.user, public_id=public_id)))


class LotActionApi(_KeeperApi):
    """``waste`` (witnessed), ``adjustments`` (prescriber, reason), ``counts``, ``void`` (an untouched lot)."""

    @extend_schema(
        request=WasteInput,
        responses={201: LotDetailSerializer},
        operation_id="v1_inventory_lot_action",
        parameters=[_path_choice("action", ["waste", "adjustments", "counts", "void"])],
    )
    def post(self, request, public_id, action):
        lot = inventory_selectors.lot_get_for(user=request.user, public_id=public_id)
        if action == "waste":
            data = _valid(WasteInput, request)
            inv.inventory_waste(
                actor=request.user,
                lot=lot,
                quantity=data["quantity"],
                witness=_clinician(data["witness"], "witness"),
                reason=data["reason"],
            )
        elif action == "adjustments":
            inv.inventory_adjust(actor=request.user, lot=lot, **_valid(AdjustInput, request))
        elif action == "counts":
            data = _valid(CountInput, request)
            inv.inventory_count(
                actor=request.user,
                lot=lot,
                counted_quantity=data["counted_quantity"],
                witness=_clinician(data["witness"], "witness"),
                note=data["note"],
            )
        elif action == "void":
            inv.lot_void(actor=request.user, lot=lot, **_valid(ClinicalReasonInput, request))
        else:
            return _not_found("Unknown action.")
        lot.refresh_from_db()
        return Response(_lot_detail(lot), status=status.HTTP_201_CREATED)


class EntryVoidApi(_KeeperApi):
    """Void a receipt, waste or adjustment entered by mistake (writes a reversing entry)."""

    @extend_schema(request=ClinicalReasonInput, responses={201: EntrySerializer})
    def post(self, request, public_id):
        entry = inventory_selectors.entry_get_for(user=request.user, public_id=public_id)
        reversal = inv.inventory_entry_void(actor=request.user, entry=entry, **_valid(ClinicalReasonInput, request))
        return Response(EntrySerializer(reversal).data, status=status.HTTP_201_CREATED)


class ReconciliationApi(_KeeperApi):
    """Each lot's balance, what the log adds up to, the latest count and any discrepancy."""

    @extend_schema(responses=ReconciliationSerializer(many=True))
    def get(self, request):
        return Response(ReconciliationSerializer(inventory_selectors.reconciliation_rows(), many=True).data)


# --- clinical thresholds ---------------------------------------------------------------------------------


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


class ClinicalSettingsApi(APIView):
    """Every clinical threshold with its default (staff), or change one (POST; prescribers, with a reason)."""

    permission_classes = [IsStaffMember]

    @extend_schema(responses=SettingSerializer(many=True))
    def get(self, request):
        rows = [
            {
                "key": r["spec"].key,
                "label": r["spec"].label,
                "group": r["spec"].group,
                "unit": r["spec"].unit,
                "value": r["value"],
                "default": r["default"],
                "overridden": r["overridden"],
            }
            for r in clinical_settings.current().rows()
        ]
        return Response(SettingSerializer(rows, many=True).data)

    @extend_schema(request=SettingInput, responses={201: SettingSerializer(many=True)})
    def post(self, request):
        change: ClinicalSettingChange = clinical_settings.clinical_setting_change(
            actor=request.user, **_valid(SettingInput, request)
        )
        return Response(
            {"key": change.key, "old_value": str(change.old_value), "new_value": str(change.new_value)},
            status=status.HTTP_201_CREATED,
        )


# Routes (included from sessions_app/api_urls.py; names join the ``api`` namespace).

urlpatterns = [
    path("sessions/<uuid:public_id>/dosing/", SessionDosingApi.as_view(), name="session_dosing"),
    path("sessions/<uuid:public_id>/preparation/", SessionPreparationApi.as_view(), name="session_preparation"),
    path("sessions/<uuid:public_id>/integration/", SessionIntegrationApi.as_view(), name="session_integration"),
    path(
        "sessions/<uuid:public_id>/follow-up-check/", SessionFollowUpCheckApi.as_view(), name="session_follow_up_check"
    ),
    path("dosing-records/<uuid:public_id>/", DosingRecordApi.as_view(), name="dosing_record"),
    path("dosing-records/<uuid:public_id>/check-in/", DosingCheckInApi.as_view(), name="dosing_check_in"),
    path("dosing-records/<uuid:public_id>/confirmations/", DosingConfirmApi.as_view(), name="dosing_confirmations"),
    path("dosing-records/<uuid:public_id>/vitals/", DosingVitalsApi.as_view(), name="dosing_vitals"),
    path("dosing-records/<uuid:public_id>/bp-decisions/", DosingBpDecisionApi.as_view(), name="dosing_bp_decisions"),
    path(
        "dosing-records/<uuid:public_id>/administrations/",
        DosingAdministrationApi.as_view(),
        name="dosing_administrations",
    ),
    path("dosing-records/<uuid:public_id>/observations/", DosingObservationApi.as_view(), name="dosing_observations"),
    path(
        "dosing-records/<uuid:public_id>/adverse-events/", DosingAdverseEventApi.as_view(), name="dosing_adverse_events"
    ),
    path("dosing-records/<uuid:public_id>/discharge/", DosingDischargeApi.as_view(), name="dosing_discharge"),
    path("vitals/<uuid:public_id>/acknowledge/", VitalsAcknowledgeApi.as_view(), name="vitals_acknowledge"),
    path("vitals/<uuid:public_id>/void/", VitalsVoidApi.as_view(), name="vitals_void"),
    path(
        "administrations/<uuid:public_id>/<slug:action>/",
        AdministrationActionApi.as_view(),
        name="administration_action",
    ),
    path(
        "clinical-records/<slug:kind>/<uuid:public_id>/sign/",
        ClinicalRecordSignApi.as_view(),
        name="clinical_record_sign",
    ),
    path(
        "clinical-records/<slug:kind>/<uuid:public_id>/addenda/",
        ClinicalRecordAddendaApi.as_view(),
        name="clinical_record_addenda",
    ),
    path("psychotherapy-notes/", PsychotherapyNoteListApi.as_view(), name="psychotherapy_notes"),
    path("psychotherapy-notes/<uuid:public_id>/", PsychotherapyNoteApi.as_view(), name="psychotherapy_note"),
    path(
        "psychotherapy-notes/<uuid:public_id>/<slug:action>/",
        PsychotherapyNoteActionApi.as_view(),
        name="psychotherapy_note_action",
    ),
    path("inventory/lots/", LotListApi.as_view(), name="inventory_lots"),
    path("inventory/lots/<uuid:public_id>/", LotDetailApi.as_view(), name="inventory_lot"),
    path("inventory/lots/<uuid:public_id>/<slug:action>/", LotActionApi.as_view(), name="inventory_lot_action"),
    path("inventory/entries/<uuid:public_id>/void/", EntryVoidApi.as_view(), name="inventory_entry_void"),
    path("inventory/reconciliation/", ReconciliationApi.as_view(), name="inventory_reconciliation"),
    path("clinical-settings/", ClinicalSettingsApi.as_view(), name="clinical_settings"),
]
