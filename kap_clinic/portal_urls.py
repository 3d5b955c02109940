"""/portal/: the patient-facing site. Patients never reach staff pages; staff never use these."""

from __future__ import annotations

from django.urls import include, path

from patients.views import home as home_views

app_name = "portal"

urlpatterns = [
    path("", home_views.portal_home, name="home"),
    # Each app owns its portal pages; they join the `portal` namespace.
    path("", include("consent.portal_urls")),
    path("", include("sessions_app.portal_urls")),
]
