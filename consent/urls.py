from __future__ import annotations

from django.urls import path

from . import views

app_name = "consent"

urlpatterns = [
    path("documents/", views.document_list, name="document_list"),
    path("documents/new/", views.document_create, name="document_create"),
    path("documents/<uuid:public_id>/", views.document_detail, name="document_detail"),
    path("documents/<uuid:public_id>/edit/", views.document_edit, name="document_edit"),
    path("documents/<uuid:public_id>/publish/", views.document_publish, name="document_publish"),
    path("patients/<uuid:public_id>/", views.patient_consents, name="patient_consents"),
    path("patients/<uuid:public_id>/requests/", views.request_create, name="request_create"),
    path("patients/<uuid:public_id>/invite/", views.portal_invite, name="portal_invite"),
    path("records/<uuid:public_id>/", views.record_detail, name="record_detail"),
    path("records/<uuid:public_id>/signature.png", views.record_signature, name="record_signature"),
    path("records/<uuid:public_id>/pdf/", views.record_pdf, name="record_pdf"),
    path("records/<uuid:public_id>/countersign/", views.record_countersign, name="record_countersign"),
    path("records/<uuid:public_id>/revoke/", views.record_revoke, name="record_revoke"),
    path("records/<uuid:public_id>/verify/", views.record_verify, name="record_verify"),
]
