"""API routes of this app, included under /api/v1/ in the `api` namespace."""

from __future__ import annotations

from django.urls import include, path

from sessions_app.reports import api as api_reports
from sessions_app.scheduling import api

urlpatterns = [
    path("sessions/", api.SessionListApi.as_view(), name="sessions"),
    path("sessions/<uuid:public_id>/", api.SessionDetailApi.as_view(), name="session_detail"),
    path("sessions/<uuid:public_id>/cancel/", api.SessionCancelApi.as_view(), name="session_cancel"),
    path("sessions/<uuid:public_id>/status/", api.SessionStatusApi.as_view(), name="session_status"),
    path("rooms/", api.RoomListApi.as_view(), name="rooms"),
    path("session-types/", api.SessionTypeListApi.as_view(), name="session_types"),
    path("availability/", api.AvailabilityApi.as_view(), name="availability"),
    path("courses/propose/", api.CourseProposeApi.as_view(), name="course_propose"),
    path("courses/", api.CourseListApi.as_view(), name="courses"),
    path("reports/", api_reports.ReportListApi.as_view(), name="reports"),
    path("reports/<uuid:public_id>/", api_reports.ReportDetailApi.as_view(), name="report_detail"),
    path("reports/<uuid:public_id>/download/", api_reports.ReportDownloadApi.as_view(), name="report_download"),
    path("reports/<uuid:public_id>/retry/", api_reports.ReportRetryApi.as_view(), name="report_retry"),
    path("reminders/", api_reports.ReminderListApi.as_view(), name="reminders"),
    path("reminders/<uuid:public_id>/resend/", api_reports.ReminderResendApi.as_view(), name="reminder_resend"),
    path("", include("sessions_app.clinical.api_urls")),  # dosing records, notes, clinical thresholds
    path("", include("sessions_app.inventory.api_urls")),  # controlled-substance log
]
