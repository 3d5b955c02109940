"""Report and operations pages; included by sessions_app/urls.py into the ``sessions_app`` namespace."""

from __future__ import annotations

from django.urls import path

from sessions_app.reports import views

urlpatterns = [
    path("reports/", views.report_index, name="reports"),
    path("reports/new/", views.report_request, name="report_request"),
    path("reports/patient/<uuid:patient_id>/", views.report_patient, name="report_patient"),
    path("reports/<uuid:public_id>/", views.report_detail, name="report_detail"),
    path("reports/<uuid:public_id>/status/", views.report_status, name="report_status"),
    path("reports/<uuid:public_id>/download/", views.report_download, name="report_download"),
    path("reports/<uuid:public_id>/retry/", views.report_retry, name="report_retry"),
    path("operations/", views.operations, name="operations"),
    path("operations/reports/<uuid:public_id>/retry/", views.operations_report_retry, name="operations_report_retry"),
    path("operations/reminders/<uuid:public_id>/resend/", views.reminder_resend, name="reminder_resend"),
]
