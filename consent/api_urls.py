"""API routes of this app, included under /api/v1/ in the `api` namespace."""

from __future__ import annotations

from django.urls import path

from . import api

RECORD = "patients/<uuid:public_id>/consents/<uuid:record_id>/"

urlpatterns = [
    path("consent-documents/", api.DocumentListApi.as_view(), name="consent_documents"),
    path("consent-documents/<uuid:public_id>/", api.DocumentDetailApi.as_view(), name="consent_document_detail"),
    path(
        "consent-documents/<uuid:public_id>/publish/", api.DocumentPublishApi.as_view(), name="consent_document_publish"
    ),
    path("patients/<uuid:public_id>/consents/", api.PatientConsentListApi.as_view(), name="patient_consents"),
    path(
        "patients/<uuid:public_id>/consent-status/",
        api.PatientConsentStatusApi.as_view(),
        name="patient_consent_status",
    ),
    path(
        "patients/<uuid:public_id>/consent-requests/",
        api.PatientConsentRequestListApi.as_view(),
        name="patient_consent_requests",
    ),
    path(RECORD, api.PatientConsentDetailApi.as_view(), name="patient_consent_detail"),
    path(f"{RECORD}revoke/", api.PatientConsentRevokeApi.as_view(), name="patient_consent_revoke"),
    path(f"{RECORD}countersign/", api.PatientConsentCountersignApi.as_view(), name="patient_consent_countersign"),
    path(f"{RECORD}verify/", api.PatientConsentVerifyApi.as_view(), name="patient_consent_verify"),
    path(f"{RECORD}pdf/", api.PatientConsentPdfApi.as_view(), name="patient_consent_pdf"),
]
