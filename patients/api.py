"""/api/v1/patients/: scoped to what the user may see (patients.selectors)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from kap_clinic.accounts.permissions import IsStaffMember
from kap_clinic.audit.services import audit_record
from kap_clinic.common.api import Pagination

from . import selectors, services
from .models import Patient


class PatientOutputSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)

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
        ]


class PatientInputSerializer(serializers.Serializer):
    legal_first_name = serializers.CharField(max_length=100)
    legal_last_name = serializers.CharField(max_length=100)
    preferred_name = serializers.CharField(max_length=100, required=False, default="", allow_blank=True)
    date_of_birth = serializers.DateField()
    email = serializers.EmailField(required=False, default="", allow_blank=True)


class PatientListApi(APIView):
    permission_classes = [IsStaffMember]

    @extend_schema(responses=PatientOutputSerializer(many=True))
    def get(self, request):
        paginator = Pagination()
        page = paginator.paginate_queryset(selectors.patient_list_visible_to(request.user), request, view=self)
        audit_record(actor=request.user, action="patient.listed", target_type="patients.patient", changed_fields=[])
        return paginator.get_paginated_response(PatientOutputSerializer(page, many=True).data)

    @extend_schema(request=PatientInputSerializer, responses={201: PatientOutputSerializer})
    def post(self, request):
        data = PatientInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        patient = services.patient_create(actor=request.user, **data.validated_data)
        return Response(PatientOutputSerializer(patient).data, status=status.HTTP_201_CREATED)


class PatientDetailApi(APIView):
    permission_classes = [IsStaffMember]

    @extend_schema(responses=PatientOutputSerializer)
    def get(self, request, public_id):
        patient = selectors.patient_open_chart(user=request.user, public_id=public_id)
        return Response(PatientOutputSerializer(patient).data)
