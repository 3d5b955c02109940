"""Read-only audit trail for practice admins."""

from __future__ import annotations

import datetime as dt

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.views import APIView

from kap_clinic.accounts.permissions import IsPracticeAdmin
from kap_clinic.common.api import Pagination

from .models import AuditEvent
from .selectors import audit_event_list


class AuditEventSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id")
    actor = serializers.UUIDField(source="actor.public_id", default=None, allow_null=True)
    actor_email = serializers.EmailField(source="actor.email", default=None, allow_null=True)
    patient = serializers.UUIDField(source="patient_public_id", allow_null=True)

    class Meta:
        model = AuditEvent
        fields = [
            "id",
            "occurred_at",
            "actor",
            "actor_email",
            "actor_role",
            "action",
            "outcome",
            "target_type",
            "target_public_id",
            "patient",
            "changed_fields",
            "ip",
            "request_id",
        ]


class AuditFilterSerializer(serializers.Serializer):
    patient = serializers.UUIDField(required=False)
    user = serializers.UUIDField(required=False)
    action = serializers.CharField(required=False, max_length=60)
    date_from = serializers.DateField(required=False)
    date_to = serializers.DateField(required=False)


class AuditEventListApi(APIView):
    permission_classes = [IsPracticeAdmin]
    pagination_class = Pagination  # documents the page envelope and ?page= in the schema

    @extend_schema(
        parameters=[OpenApiParameter(n, str, required=False) for n in ("patient", "user", "action")]
        + [OpenApiParameter(n, dt.date, required=False) for n in ("date_from", "date_to")],
        responses=AuditEventSerializer(many=True),
    )
    def get(self, request):
        filters = AuditFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        f = filters.validated_data
        qs = audit_event_list(
            patient_public_id=f.get("patient"),
            actor_public_id=f.get("user"),
            action=f.get("action", ""),
            date_from=f.get("date_from"),
            date_to=f.get("date_to"),
        )
        paginator = Pagination()
        page = paginator.paginate_queryset(qs, request, view=self)
        return paginator.get_paginated_response(AuditEventSerializer(page, many=True).data)
