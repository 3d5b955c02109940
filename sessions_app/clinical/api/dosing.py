"""/api/v1/ for dosing records: checks, vitals, doses, devices, observations, adverse events,
discharge.

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

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, PolymorphicProxySerializer, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from kap_clinic.accounts.models import User
from kap_clinic.accounts.permissions import IsClinician
from kap_clinic.audit.services import audit_record
from kap_clinic.common.errors import ValidationFailed
from sessions_app.clinical import selectors
from sessions_app.clinical.live import live_changes_since, session_revision
from sessions_app.clinical.models.dosing import DosingRecord
from sessions_app.clinical.serializers import (
    AdministrationInput,
    AdministrationSerializer,
    AdverseEventInput,
    AdverseEventSerializer,
    AlertNoteInput,
    BpDecisionInput,
    CheckInInput,
    ConfirmInput,
    DischargeInput,
    DischargeSerializer,
    DosingChangesSerializer,
    DosingOpenInput,
    DosingRecordSerializer,
    LiveChangeSerializer,
    ObservationInput,
    VitalsInput,
    VitalsSerializer,
    dosing_output,
)
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
from sessions_app.common.api import ClinicalReasonInput, path_choice, valid_input
from sessions_app.inventory.models import InventoryLot


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


def _dosing_for(request: Request, public_id: uuid.UUID) -> DosingRecord:
    return selectors.dosing_record_get_for(user=request.user, public_id=public_id)


class SessionDosingApi(APIView):
    """The dosing record of a dosing session (GET), or open it (POST: medication, route)."""

    permission_classes = [IsClinician]

    @extend_schema(responses=DosingRecordSerializer)
    def get(self, request, public_id):
        session = selectors.clinical_session_get_for(user=request.user, public_id=public_id, kind="dosing")
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
        session = selectors.clinical_session_get_for(user=request.user, public_id=public_id, kind="dosing")
        data = valid_input(DosingOpenInput, request)
        dosing = dosing_open(actor=request.user, session=session, **data)
        return Response(dosing_output(dosing), status=status.HTTP_201_CREATED)


SINCE = OpenApiParameter(
    "since",
    int,
    required=False,
    description=(
        "A revision this client already has (the record's `revision`). Unchanged since: 304 with no body. "
        "Changed: the changes after it, oldest first, and the record as it is now. "
        "Without it: the record."
    ),
)


def _since(request: Request) -> int | None:
    value = request.query_params.get("since")
    if value is None:
        return None
    if not value.isdigit():
        raise ValidationFailed("since must be a revision number (0 or more).", field="since")
    return int(value)


class DosingRecordApi(APIView):
    """A dosing record by its own id; with ``?since=<revision>``, only whether and what changed since."""

    permission_classes = [IsClinician]

    @extend_schema(
        parameters=[SINCE],
        responses={
            200: PolymorphicProxySerializer(
                component_name="DosingRecordOrChanges",
                serializers=[DosingRecordSerializer, DosingChangesSerializer],
                resource_type_field_name=None,
            ),
            304: OpenApiResponse(description="Nothing changed since the revision given (no body)."),
        },
    )
    def get(self, request, public_id):
        dosing = _dosing_for(request, public_id)
        since = _since(request)
        if since is not None:
            revision = session_revision(dosing.session_id)
            if since > revision:
                raise ValidationFailed(f"since is ahead of the record (revision {revision}).", field="since")
            if since == revision:
                return Response(status=status.HTTP_304_NOT_MODIFIED, headers={"ETag": f'"{revision}"'})
        audit_record(actor=request.user, action="dosing_record.viewed", target=dosing, patient=dosing.patient)
        record = dosing_output(dosing)
        if since is None:
            return Response(record)
        changes = LiveChangeSerializer(live_changes_since(dosing.session_id, since), many=True).data
        body = {"since": since, "revision": record["revision"], "changes": changes, "record": record}
        return Response(body, headers={"ETag": f'"{record["revision"]}"'})


class _DosingAction(APIView):
    """POST an action on a dosing record; answers with the whole record."""

    permission_classes = [IsClinician]
    input_class: type[serializers.Serializer] | None = None
    created = False

    def act(self, request: Request, dosing: DosingRecord, data: dict) -> Any:
        raise NotImplementedError

    def post(self, request, public_id):
        dosing = _dosing_for(request, public_id)
        data = valid_input(self.input_class, request) if self.input_class else {}
        self.act(request, dosing, data)
        return Response(dosing_output(dosing), status=status.HTTP_201_CREATED if self.created else status.HTTP_200_OK)


class DosingCheckInApi(_DosingAction):
    """Check the patient in (confirming the appointment first if needed). Outside the booked window
    it is a 409 ``outside_booked_window`` naming the booked time; a prescriber passes with
    ``override_reason``."""

    input_class = CheckInInput

    @extend_schema(request=CheckInInput, responses=DosingRecordSerializer)
    def post(self, request, public_id):
        return super().post(request, public_id)

    def act(self, request, dosing, data):
        dosing_check_in(actor=request.user, dosing=dosing, **data)


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
            given_at=data["given_at"],
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
        reading = selectors.vitals_get_for(user=request.user, public_id=public_id)
        reading = vitals_alert_acknowledge(actor=request.user, reading=reading, **valid_input(AlertNoteInput, request))
        return Response(VitalsSerializer(reading).data)


class VitalsVoidApi(APIView):
    """Void a mistyped reading, with a reason (it stays on the record)."""

    permission_classes = [IsClinician]

    @extend_schema(request=ClinicalReasonInput, responses=VitalsSerializer)
    def post(self, request, public_id):
        reading = selectors.vitals_get_for(user=request.user, public_id=public_id)
        reading = vitals_void(actor=request.user, reading=reading, **valid_input(ClinicalReasonInput, request))
        return Response(VitalsSerializer(reading).data)


class AdministrationActionApi(APIView):
    """``device``: give the next esketamine device; ``end``: the dose ended now; ``void``: void it (reason)."""

    permission_classes = [IsClinician]

    @extend_schema(
        request=ClinicalReasonInput,
        responses=AdministrationSerializer,
        operation_id="v1_administration_action",
        parameters=[path_choice("action", ["device", "end", "void"])],
    )
    def post(self, request, public_id, action):
        dose = selectors.administration_get_for(user=request.user, public_id=public_id)
        if action == "device":
            esketamine_device_give(actor=request.user, administration=dose)
        elif action == "end":
            administration_end(actor=request.user, administration=dose)
        elif action == "void":
            administration_void(
                actor=request.user, administration=dose, reason=valid_input(ClinicalReasonInput, request)["reason"]
            )
        else:
            return Response({"error": {"code": "not_found", "message": "Unknown action.", "field": None}}, status=404)
        dose.refresh_from_db()
        return Response(AdministrationSerializer(dose).data)
