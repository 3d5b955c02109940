"""API routes of the patients app, included under /api/v1/ in the `api` namespace."""

from __future__ import annotations

from django.urls import path

from . import api

urlpatterns = [
    path("patients/", api.PatientListApi.as_view(), name="patients"),
    path("patients/<uuid:public_id>/", api.PatientDetailApi.as_view(), name="patient_detail"),
]
