"""/api/v1/: every resource, deny-by-default (authenticated + a role or object check)."""

from __future__ import annotations

from django.urls import include, path
from drf_spectacular.utils import extend_schema
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView

from kap_clinic.accounts import api as accounts_api
from kap_clinic.audit import api as audit_api

app_name = "api"


class ApiRoot(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(exclude=True)
    def get(self, request, format=None):
        names = ["me", "patients", "staff", "audit_events"]
        return Response({n: reverse(f"api:{n}", request=request, format=format) for n in names})


urlpatterns = [
    path("", ApiRoot.as_view(), name="root"),
    path("auth/token/", accounts_api.TokenObtainApi.as_view(), name="auth_token"),
    path("me/", accounts_api.MeApi.as_view(), name="me"),
    path("staff/", accounts_api.StaffListApi.as_view(), name="staff"),
    path("staff/<uuid:public_id>/", accounts_api.StaffDetailApi.as_view(), name="staff_detail"),
    path("audit-events/", audit_api.AuditEventListApi.as_view(), name="audit_events"),
    # Each app owns its routes; they join the `api` namespace.
    path("", include("patients.api_urls")),
    path("", include("consent.api_urls")),
    path("", include("sessions_app.api_urls")),
]
