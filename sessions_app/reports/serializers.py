"""Serializers of the reports API: a report job as its requester polls it, and a request for one."""

from __future__ import annotations

from django.urls import reverse
from rest_framework import serializers

from sessions_app.reports.models import GeneratedReport


class ReportSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    patient = serializers.UUIDField(source="patient.public_id", default=None, allow_null=True)
    session = serializers.UUIDField(source="session.public_id", default=None, allow_null=True)
    requested_by = serializers.CharField(source="requested_by.full_name")
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = GeneratedReport
        fields = [
            "id",
            "kind",
            "status",
            "error",
            "patient",
            "session",
            "params",
            "requested_by",
            "created_at",
            "started_at",
            "finished_at",
            "size",
            "sha256",
            "attempts",
            "download_url",
        ]

    def get_download_url(self, obj: GeneratedReport) -> str | None:
        if obj.status != GeneratedReport.Status.DONE:
            return None
        return reverse("api:report_download", kwargs={"public_id": obj.public_id})


class ReportRequestSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=GeneratedReport.Kind.choices)
    patient = serializers.UUIDField(required=False)
    session = serializers.UUIDField(required=False)
    course = serializers.UUIDField(required=False)
    consent_record = serializers.UUIDField(required=False)
    start = serializers.DateField(required=False)
    end = serializers.DateField(required=False)
