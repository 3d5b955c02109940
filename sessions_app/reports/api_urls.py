"""Reports API routes; included by sessions_app/api_urls.py (names join the ``api`` namespace)."""

from __future__ import annotations

from django.urls import path

from sessions_app.reports import api

urlpatterns = [
    path("reports/", api.ReportListApi.as_view(), name="reports"),
    path("reports/<uuid:public_id>/", api.ReportDetailApi.as_view(), name="report_detail"),
    path("reports/<uuid:public_id>/download/", api.ReportDownloadApi.as_view(), name="report_download"),
    path("reports/<uuid:public_id>/retry/", api.ReportRetryApi.as_view(), name="report_retry"),
]
