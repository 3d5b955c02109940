"""Patient-portal routes of this app, included under /portal/ in the `portal` namespace."""

from __future__ import annotations

from django.urls import path

from . import portal_views as views

urlpatterns = [
    path("consents/link/<str:token>/", views.consent_link, name="consent_link"),
    path("welcome/<str:token>/", views.invitation, name="invitation"),
    path("consents/", views.consent_list, name="consent_list"),
    path("consents/requests/<uuid:public_id>/", views.consent_sign, name="consent_sign"),
    path("consents/<uuid:public_id>/", views.consent_record, name="consent_record"),
    path("consents/<uuid:public_id>/pdf/", views.consent_record_pdf, name="consent_record_pdf"),
    path("consents/<uuid:public_id>/signature.png", views.consent_record_signature, name="consent_record_signature"),
    path("consents/<uuid:public_id>/revoke/", views.consent_revoke, name="consent_revoke"),
]
