"""API routes of this app, included under /api/v1/ in the `api` namespace: one module per sub-package."""

from __future__ import annotations

from django.urls import include, path

urlpatterns = [
    path("", include("sessions_app.scheduling.api_urls")),
    path("", include("sessions_app.reports.api_urls")),
    path("", include("sessions_app.reminders.api_urls")),
    path("", include("sessions_app.clinical.api_urls")),  # dosing records, notes, clinical thresholds
    path("", include("sessions_app.inventory.api_urls")),  # controlled-substance log
]
