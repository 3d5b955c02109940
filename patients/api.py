"""/api/v1/ endpoints of the patients app. Every patient is fetched through ``patients.selectors``:
no relationship → 404, an admin asking for clinical content → 403. Rules live in the services.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from kap_clinic.accounts.models import User
from kap_clinic.accounts.permissions import IsStaffMember
from kap_clinic.audit.services import audit_record
from kap_clinic.common.api import Pagination
from kap_clinic.common.errors import ValidationFailed

from . import contraindications, instruments, selectors, services
from . import serializers as s
from .models import Patient
from .outcomes import outcome_chart_data, outcome_series_all


def _clinical_patient(request: Any, public_id: Any, *, audit: str | None = None) -> Patient:
    patient = selectors.patient_get_for(user=request.user, public_id=public_id, clinical=True)
    if audit:
        audit_record(actor=request.user, action=audit, target=patient, patient=patient)
    return patient


def _paginate(view: APIView, request: Any, qs: Any, serializer: type[serializers.Serializer]) -> Response:
    paginator = Pagination()
    page = paginator.paginate_queryset(qs, request, view=view)
    return paginator.get_paginated_response(serializer(page, many=True).data)


def _bool_param(request: Any, name: str) -> bool:
    """A yes/no query parameter: absent or empty, ``true``/``false`` or ``1``/``0``; anything else is a 400
    naming it."""
    raw = request.query_params.get(name, "")
    if raw == "":
        return False
    if raw.lower() not in ("true", "false", "1", "0"):
        raise ValidationFailed(f"{name} must be true or false.", field=name)
    return raw.lower() in ("true", "1")


class PatientListApi(APIView):
    """Patients the user may see. Search ``q`` (name, MRN, date of birth), filter ``status``,
    ``condition`` (clinicians only), ``clinician`` (a staff id), order by ``sort``."""

    permission_classes = [IsStaffMember]
    pagination_class = Pagination  # documents the page envelope and ?page= in the schema

    @extend_schema(
        parameters=[
            OpenApiParameter("q", str, description="Name words, an MRN, or a date of birth (YYYY-MM-DD)"),
            OpenApiParameter("status", str, enum=["", *Patient.Status.values], description="Empty: any status"),
            OpenApiParameter("condition", str, description="A primary condition code (not for practice admins)"),
            OpenApiParameter("clinician", str, description="Public id of a clinician on the care team"),
            OpenApiParameter("sort", str, enum=["", *selectors.PATIENT_SORTS], description="Empty: by name"),
        ],
        responses=s.PatientListOutputSerializer(many=True),
    )
    def get(self, request):
        params = {k: request.query_params.get(k, "") for k in ("q", "status", "condition", "clinician", "sort")}
        qs = selectors.patient_search(user=request.user, **params)
        audit_record(actor=request.user, action="patient.listed", target_type="patients.patient", changed_fields=[])
        paginator = Pagination()
        page = paginator.paginate_queryset(qs, request, view=self)
        context = {"clinical": not selectors.clinical_content_refused(request.user)}
        return paginator.get_paginated_response(s.PatientListOutputSerializer(page, many=True, context=context).data)

    @extend_schema(request=s.PatientInputSerializer, responses={201: s.PatientDetailOutputSerializer})
    def post(self, request):
        data = s.PatientInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        patient = services.patient_create(actor=request.user, **data.validated_data)
        context = {"clinical": not selectors.clinical_content_refused(request.user)}
        return Response(s.PatientDetailOutputSerializer(patient, context=context).data, status=status.HTTP_201_CREATED)


class PatientDetailApi(APIView):
    """One patient: demographics for every staff member who may see them, clinical details for the care team."""

    permission_classes = [IsStaffMember]

    @extend_schema(responses=s.PatientDetailOutputSerializer)
    def get(self, request, public_id):
        patient = selectors.patient_open_chart(user=request.user, public_id=public_id)
        context = {"clinical": not selectors.clinical_content_refused(request.user)}
        return Response(s.PatientDetailOutputSerializer(patient, context=context).data)

    @extend_schema(request=s.PatientInputSerializer(partial=True), responses=s.PatientDetailOutputSerializer)
    def patch(self, request, public_id):
        patient = selectors.patient_get_for(user=request.user, public_id=public_id, write=True)
        data = s.PatientInputSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        patient = services.patient_update(actor=request.user, patient=patient, **data.validated_data)
        context = {"clinical": not selectors.clinical_content_refused(request.user)}
        return Response(s.PatientDetailOutputSerializer(patient, context=context).data)


class PatientStatusApi(APIView):
    """Move the patient's status (care team). Invalid moves → 409 ``invalid_transition`` naming from and to."""

    permission_classes = [IsStaffMember]

    @extend_schema(request=s.StatusChangeInputSerializer, responses=s.PatientDetailOutputSerializer)
    def post(self, request, public_id):
        patient = selectors.patient_get_for(user=request.user, public_id=public_id, write=True)
        data = s.StatusChangeInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        patient = services.patient_change_status(
            actor=request.user,
            patient=patient,
            to_status=data.validated_data["status"],
            reason=data.validated_data["reason"],
        )
        return Response(s.PatientDetailOutputSerializer(patient, context={"clinical": True}).data)


class InstrumentListApi(APIView):
    """The instrument registry: codes, versions, items, answer options, bands and flags."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses=inline_serializer("Instrument", {"code": serializers.CharField()}, many=True))
    def get(self, request):
        return Response([i.as_dict() for i in instruments.REGISTRY.values()])


class ContraindicationChecklistApi(APIView):
    """The current contraindication checklist (absolute and relative items) used by intakes."""

    permission_classes = [IsStaffMember]

    @extend_schema(responses=inline_serializer("Checklist", {"version": serializers.CharField()}))
    def get(self, request):
        return Response(contraindications.current_checklist().as_dict())


class PatientAssessmentListApi(APIView):
    """Rating-scale results. POST ``{"instrument", "answers": [...], "administered_at"}`` scores on the
    server; a bad answer → 400 naming the item (``field`` = ``answers[i]``)."""

    permission_classes = [IsStaffMember]
    pagination_class = Pagination  # documents the page envelope and ?page= in the schema

    @extend_schema(
        parameters=[
            OpenApiParameter("instrument", str, enum=["", *instruments.REGISTRY], description="Empty: every instrument")
        ],
        responses=s.AssessmentOutputSerializer(many=True),
    )
    def get(self, request, public_id):
        patient = _clinical_patient(request, public_id, audit="assessment.listed")
        qs = selectors.assessment_list_for(patient=patient, instrument=request.query_params.get("instrument") or None)
        return _paginate(self, request, qs, s.AssessmentOutputSerializer)

    @extend_schema(request=s.AssessmentInputSerializer, responses={201: s.AssessmentOutputSerializer})
    def post(self, request, public_id):
        patient = _clinical_patient(request, public_id)
        data = s.AssessmentInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        assessment = services.assessment_record(actor=request.user, patient=patient, **data.validated_data)
        return Response(s.AssessmentOutputSerializer(assessment).data, status=status.HTTP_201_CREATED)


class PatientAssessmentDetailApi(APIView):
    permission_classes = [IsStaffMember]

    @extend_schema(responses=s.AssessmentOutputSerializer)
    def get(self, request, public_id, assessment_id):
        patient = _clinical_patient(request, public_id)
        assessment = selectors.assessment_get(patient=patient, public_id=assessment_id)
        audit_record(actor=request.user, action="assessment.viewed", target=assessment, patient=patient)
        return Response(s.AssessmentOutputSerializer(assessment).data)


class PatientIntakeListApi(APIView):
    """Intake assessments (care team). POST needs a true/false for every item of the checklist."""

    permission_classes = [IsStaffMember]
    pagination_class = Pagination  # documents the page envelope and ?page= in the schema

    @extend_schema(responses=s.IntakeOutputSerializer(many=True))
    def get(self, request, public_id):
        patient = _clinical_patient(request, public_id, audit="intake.listed")
        return _paginate(self, request, selectors.intake_list_for(patient), s.IntakeOutputSerializer)

    @extend_schema(request=s.IntakeInputSerializer, responses={201: s.IntakeOutputSerializer})
    def post(self, request, public_id):
        patient = _clinical_patient(request, public_id)
        data = s.IntakeInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        intake = services.intake_record(actor=request.user, patient=patient, **data.validated_data)
        return Response(s.IntakeOutputSerializer(intake).data, status=status.HTTP_201_CREATED)


class PatientIntakeDetailApi(APIView):
    permission_classes = [IsStaffMember]

    @extend_schema(responses=s.IntakeOutputSerializer)
    def get(self, request, public_id, intake_id):
        patient = _clinical_patient(request, public_id)
        intake = selectors.intake_get(patient=patient, public_id=intake_id)
        audit_record(actor=request.user, action="intake.viewed", target=intake, patient=patient)
        return Response(s.IntakeOutputSerializer(intake).data)


class PatientEligibilityApi(APIView):
    """GET: whether eligibility is current, and every decision. POST (prescribers): a new decision;
    "eligible" with an absolute contraindication present → 409 ``absolute_contraindication`` listing them."""

    permission_classes = [IsStaffMember]

    @extend_schema(
        responses=inline_serializer(
            "Eligibility",
            {"current": s.EligibilityStateSerializer(), "decisions": s.EligibilityOutputSerializer(many=True)},
        )
    )
    def get(self, request, public_id):
        patient = _clinical_patient(request, public_id, audit="eligibility.viewed")
        decisions = selectors.eligibility_decision_list_for(patient)[:100]
        return Response(
            {
                "current": s.eligibility_state_data(patient),
                "decisions": s.EligibilityOutputSerializer(decisions, many=True).data,
            }
        )

    @extend_schema(request=s.EligibilityInputSerializer, responses={201: s.EligibilityOutputSerializer})
    def post(self, request, public_id):
        patient = _clinical_patient(request, public_id)
        data = s.EligibilityInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        intake = None
        if "intake" in data.validated_data:
            try:
                intake = selectors.intake_get(patient=patient, public_id=data.validated_data["intake"])
            except Http404:
                raise ValidationFailed("No intake of this patient has that id.", field="intake") from None
        decision = services.eligibility_decide(
            actor=request.user,
            patient=patient,
            decision=data.validated_data["decision"],
            rationale=data.validated_data["rationale"],
            intake=intake,
        )
        return Response(s.EligibilityOutputSerializer(decision).data, status=status.HTTP_201_CREATED)


class PatientSafetyFlagListApi(APIView):
    """Safety alerts raised by results (``?open=true`` for the unacknowledged ones)."""

    permission_classes = [IsStaffMember]
    pagination_class = Pagination  # documents the page envelope and ?page= in the schema

    @extend_schema(parameters=[OpenApiParameter("open", bool)], responses=s.SafetyFlagOutputSerializer(many=True))
    def get(self, request, public_id):
        patient = _clinical_patient(request, public_id, audit="safety_flag.listed")
        qs = selectors.safety_flag_list_for(patient)
        if _bool_param(request, "open"):
            qs = qs.filter(acknowledged_at__isnull=True)
        return _paginate(self, request, qs, s.SafetyFlagOutputSerializer)


class SafetyFlagAcknowledgeApi(APIView):
    permission_classes = [IsStaffMember]

    @extend_schema(request=s.AcknowledgeInputSerializer, responses=s.SafetyFlagOutputSerializer)
    def post(self, request, public_id, flag_id):
        patient = _clinical_patient(request, public_id)
        flag = selectors.safety_flag_get(patient=patient, public_id=flag_id)
        data = s.AcknowledgeInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        flag = services.safety_flag_acknowledge(actor=request.user, flag=flag, note=data.validated_data["note"])
        return Response(s.SafetyFlagOutputSerializer(flag).data)


class PatientMedicationListApi(APIView):
    permission_classes = [IsStaffMember]
    pagination_class = Pagination  # documents the page envelope and ?page= in the schema

    @extend_schema(responses=s.MedicationOutputSerializer(many=True))
    def get(self, request, public_id):
        patient = _clinical_patient(request, public_id, audit="medication.listed")
        return _paginate(self, request, selectors.medication_list_for(patient), s.MedicationOutputSerializer)

    @extend_schema(request=s.MedicationInputSerializer, responses={201: s.MedicationOutputSerializer})
    def post(self, request, public_id):
        patient = _clinical_patient(request, public_id)
        data = s.MedicationInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        medication = services.medication_add(actor=request.user, patient=patient, **data.validated_data)
        return Response(s.MedicationOutputSerializer(medication).data, status=status.HTTP_201_CREATED)


class MedicationStopApi(APIView):
    permission_classes = [IsStaffMember]

    @extend_schema(request=s.ReasonInputSerializer, responses=s.MedicationOutputSerializer)
    def post(self, request, public_id, medication_id):
        patient = _clinical_patient(request, public_id)
        medication = selectors.medication_get(patient=patient, public_id=medication_id)
        data = s.ReasonInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        medication = services.medication_stop(
            actor=request.user, medication=medication, reason=data.validated_data["reason"]
        )
        return Response(s.MedicationOutputSerializer(medication).data)


class PatientWeightListApi(APIView):
    permission_classes = [IsStaffMember]
    pagination_class = Pagination  # documents the page envelope and ?page= in the schema

    @extend_schema(responses=s.WeightOutputSerializer(many=True))
    def get(self, request, public_id):
        patient = _clinical_patient(request, public_id, audit="weight.listed")
        return _paginate(self, request, selectors.weight_list_for(patient), s.WeightOutputSerializer)

    @extend_schema(request=s.WeightInputSerializer, responses={201: s.WeightOutputSerializer})
    def post(self, request, public_id):
        patient = _clinical_patient(request, public_id)
        data = s.WeightInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        weight = services.weight_record(actor=request.user, patient=patient, **data.validated_data)
        return Response(s.WeightOutputSerializer(weight).data, status=status.HTTP_201_CREATED)


class PatientOutcomesApi(APIView):
    """Outcome series per charted instrument: points, baseline, response threshold, remission cut."""

    permission_classes = [IsStaffMember]

    @extend_schema(responses=inline_serializer("Outcomes", {"phq9": serializers.DictField()}))
    def get(self, request, public_id):
        patient = _clinical_patient(request, public_id, audit="outcomes.viewed")
        return Response(outcome_chart_data(outcome_series_all(patient)))


class PatientCareTeamApi(APIView):
    """The care team (any staff member who sees the patient); admins add members."""

    permission_classes = [IsStaffMember]

    @extend_schema(responses=s.CareTeamOutputSerializer(many=True))
    def get(self, request, public_id):
        patient = selectors.patient_get_for(user=request.user, public_id=public_id)
        audit_record(actor=request.user, action="care_team.viewed", target=patient, patient=patient)
        return Response(s.CareTeamOutputSerializer(selectors.care_team_for(patient), many=True).data)

    @extend_schema(request=s.CareTeamInputSerializer, responses={201: s.CareTeamOutputSerializer})
    def post(self, request, public_id):
        patient = selectors.patient_get_for(user=request.user, public_id=public_id, write=True)
        data = s.CareTeamInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        clinician = User.objects.filter(public_id=data.validated_data["clinician"]).first()
        if clinician is None:
            raise ValidationFailed("No staff member has that id.", field="clinician")
        membership = services.care_team_assign(
            actor=request.user, patient=patient, clinician=clinician, is_lead=data.validated_data["is_lead"]
        )
        return Response(s.CareTeamOutputSerializer(membership).data, status=status.HTTP_201_CREATED)
