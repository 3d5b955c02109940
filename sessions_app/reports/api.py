"""/api/v1/reports/ (ask for a PDF, poll its status, download it, retry) and /api/v1/reminders/
(admins: list, resend). The same services as the pages: a report the user may not see is a 404,
a kind they may not ask for a 403, bad input a 400 naming the field; asking answers 202 with the
job, which the client polls until ``status`` is ``done`` (then ``download_url``) or ``failed``.
"""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from kap_clinic.accounts.permissions import IsPracticeAdmin, IsStaffMember
from kap_clinic.common.api import Pagination
from sessions_app.reminders import services as reminder_services
from sessions_app.reminders.models import Reminder
from sessions_app.reports import services as report_services
from sessions_app.reports.models import GeneratedReport
from sessions_app.reports.views import request_subject


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


class ReportListApi(APIView):
    permission_classes = [IsStaffMember]
    pagination_class = Pagination  # documents the page envelope and ?page= in the schema

    @extend_schema(responses=ReportSerializer(many=True))
    def get(self, request):
        """The reports I asked for, newest first."""
        paginator = Pagination()
        page = paginator.paginate_queryset(
            report_services.report_list_for(request.user).select_related("requested_by"), request, view=self
        )
        return paginator.get_paginated_response(ReportSerializer(page, many=True).data)

    @extend_schema(request=ReportRequestSerializer, responses={202: ReportSerializer})
    def post(self, request):
        """Queue a report; it renders in the background (poll the returned job)."""
        data = ReportRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        kind = values.pop("kind")
        subject = request_subject(request.user, {k: str(v) for k, v in values.items() if k not in ("start", "end")})
        subject.update(start=values.get("start"), end=values.get("end"))
        report = report_services.report_request(actor=request.user, kind=kind, **subject)
        return Response(ReportSerializer(report).data, status=status.HTTP_202_ACCEPTED)


class ReportDetailApi(APIView):
    permission_classes = [IsStaffMember]

    @extend_schema(responses=ReportSerializer)
    def get(self, request, public_id):
        return Response(ReportSerializer(report_services.report_get_for(user=request.user, public_id=public_id)).data)


class ReportDownloadApi(APIView):
    permission_classes = [IsStaffMember]

    @extend_schema(responses={(200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY)})
    def get(self, request, public_id):
        """The PDF (audited). 409 while the report is not done, or when its hash no longer matches."""
        report = report_services.report_get_for(user=request.user, public_id=public_id)
        data = report_services.report_download(actor=request.user, report=report)
        response = HttpResponse(data, content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{report.download_name}"'
        response["Cache-Control"] = "no-store"
        return response


class ReportRetryApi(APIView):
    permission_classes = [IsStaffMember]

    @extend_schema(request=None, responses={202: ReportSerializer})
    def post(self, request, public_id):
        report = report_services.report_get_for(user=request.user, public_id=public_id)
        report = report_services.report_retry(actor=request.user, report=report)
        return Response(ReportSerializer(report).data, status=status.HTTP_202_ACCEPTED)


class ReminderSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    patient = serializers.UUIDField(source="patient.public_id")
    session = serializers.UUIDField(source="session.public_id", default=None, allow_null=True)

    class Meta:
        model = Reminder
        fields = [
            "id",
            "patient",
            "session",
            "kind",
            "channel",
            "offset_minutes",
            "planned_for",
            "due_at",
            "next_attempt_at",
            "status",
            "status_reason",
            "attempts",
            "sent_at",
            "last_error",
        ]


class ReminderFilterSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Reminder.Status.choices, required=False)
    patient = serializers.UUIDField(required=False)


class ReminderListApi(APIView):
    permission_classes = [IsPracticeAdmin]
    pagination_class = Pagination  # documents the page envelope and ?page= in the schema

    @extend_schema(parameters=[ReminderFilterSerializer], responses=ReminderSerializer(many=True))
    def get(self, request):
        """Reminders, most recently changed first (practice admins; no message content)."""
        filters = ReminderFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        qs = Reminder.objects.select_related("patient", "session").order_by("-updated_at", "-id")
        if "status" in filters.validated_data:
            qs = qs.filter(status=filters.validated_data["status"])
        if "patient" in filters.validated_data:
            qs = qs.filter(patient__public_id=filters.validated_data["patient"])
        paginator = Pagination()
        page = paginator.paginate_queryset(qs, request, view=self)
        return paginator.get_paginated_response(ReminderSerializer(page, many=True).data)


class ReminderResendApi(APIView):
    permission_classes = [IsPracticeAdmin]

    @extend_schema(request=None, responses={202: ReminderSerializer})
    def post(self, request, public_id):
        """Send a failed reminder again (409 when it is not failed)."""
        reminder = Reminder.objects.select_related("patient", "session").filter(public_id=public_id).first()
        if reminder is None:
            raise Http404("No reminder matches the given query.")
        reminder = reminder_services.reminder_resend(actor=request.user, reminder=reminder)
        return Response(ReminderSerializer(reminder).data, status=status.HTTP_202_ACCEPTED)
