"""Staff pages under /sessions/, one URL module per sub-package, all in the ``sessions_app`` namespace."""

from __future__ import annotations

from django.urls import include, path

app_name = "sessions_app"

urlpatterns = [
    path("", include("sessions_app.scheduling.urls")),
    path("", include("sessions_app.reports.urls")),
    path("", include("sessions_app.clinical.urls")),
    path("", include("sessions_app.inventory.urls")),
]
