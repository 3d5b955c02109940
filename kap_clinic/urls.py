from __future__ import annotations

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from kap_clinic.common import health
from kap_clinic.ops import views as ops_views
from patients.views import home as home_views

urlpatterns = [
    path("", home_views.home, name="home"),
    path("dashboard/", home_views.dashboard, name="dashboard"),
    path("healthz", health.healthz, name="healthz"),
    path("healthz/jobs", ops_views.healthz_jobs, name="healthz_jobs"),
    path("metrics", ops_views.metrics, name="metrics"),
    path("accounts/", include("kap_clinic.accounts.urls")),
    path("audit/", include("kap_clinic.audit.urls")),
    path("patients/", include("patients.urls")),
    path("consent/", include("consent.urls")),
    path("sessions/", include("sessions_app.urls")),
    path("portal/", include("kap_clinic.portal_urls")),
    path("api/v1/", include("kap_clinic.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api_schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api_schema"), name="api_docs"),
    path("django-admin/", admin.site.urls),
]

handler400 = "kap_clinic.common.views.bad_request"
handler403 = "kap_clinic.common.views.permission_denied"
handler404 = "kap_clinic.common.views.page_not_found"
handler500 = "kap_clinic.common.views.server_error"
