"""/api/v1/reports/ (ask for a PDF, poll its status, download it, retry). The same services as
the pages: a report the user may not see is a 404, a kind they may not ask for a 403, bad input a
400 naming the field; asking answers 202 with the job, which the client polls until ``status`` is
``done`` (then ``download_url``) or ``failed``.
"""

from __future__ import annotations

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from kap_clinic.accounts.permissions import IsStaffMember
from kap_clinic.common.api import Pagination
from sessions_app.reports import services
from sessions_app.reports.serializers import ReportRequestSerializer, ReportSerializer
from sessions_app.reports.views import request_subject


class ReportListApi(APIView):
    permission_classes = [IsStaffMember]
    pagination_class = Pagination  # documents the page envelope and ?page= in the schema

    @extend_schema(responses=ReportSerializer(many=True))
    def get(self, request):
        """The reports I asked for, newest first."""
        paginator = Pagination()
        page = paginator.paginate_queryset(
            services.report_list_for(request.user).select_related("requested_by"), request, view=self
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
        report = services.report_request(actor=request.user, kind=kind, **subject)
        return Response(ReportSerializer(report).data, status=status.HTTP_202_ACCEPTED)


class ReportDetailApi(APIView):
    permission_classes = [IsStaffMember]

    @extend_schema(responses=ReportSerializer)
    def get(self, request, public_id):
        return Response(ReportSerializer(services.report_get_for(user=request.user, public_id=public_id)).data)


class ReportDownloadApi(APIView):
    permission_classes = [IsStaffMember]

    @extend_schema(responses={(200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY)})
    def get(self, request, public_id):
        """The PDF (audited). 409 while the report is not done, or when its hash no longer matches."""
        report = services.report_get_for(user=request.user, public_id=public_id)
        data = services.report_download(actor=request.user, report=report)
        response = HttpResponse(data, content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{report.download_name}"'
        response["Cache-Control"] = "no-store"
        return response


class ReportRetryApi(APIView):
    permission_classes = [IsStaffMember]

    @extend_schema(request=None, responses={202: ReportSerializer})
    def post(self, request, public_id):
        report = services.report_get_for(user=request.user, public_id=public_id)
        report = services.report_retry(actor=request.user, report=report)
        return Response(ReportSerializer(report).data, status=status.HTTP_202_ACCEPTED)
