"""/api/v1/clinical-settings/: the clinic's clinical thresholds (read by staff, changed by prescribers)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from kap_clinic.accounts.permissions import IsStaffMember
from sessions_app.clinical import thresholds
from sessions_app.clinical.models.dosing import ClinicalSettingChange
from sessions_app.clinical.serializers import (
    SettingInput,
    SettingSerializer,
)
from sessions_app.common.api import valid_input


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
            for r in thresholds.current().rows()
        ]
        return Response(SettingSerializer(rows, many=True).data)

    @extend_schema(request=SettingInput, responses={201: SettingSerializer(many=True)})
    def post(self, request):
        change: ClinicalSettingChange = thresholds.clinical_setting_change(
            actor=request.user, **valid_input(SettingInput, request)
        )
        return Response(
            {"key": change.key, "old_value": str(change.old_value), "new_value": str(change.new_value)},
            status=status.HTTP_201_CREATED,
        )
