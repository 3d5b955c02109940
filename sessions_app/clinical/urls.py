"""Clinical pages under /sessions/ (included by sessions_app/urls.py; names join ``sessions_app``)."""

from __future__ import annotations

from django.urls import path

from sessions_app.clinical import views as v

urlpatterns = [
    path("<uuid:public_id>/dosing/", v.dosing, name="dosing"),
    path("<uuid:public_id>/dosing/status/", v.dosing_status, name="dosing_status"),
    path("<uuid:public_id>/dosing/<slug:action>/", v.dosing_action, name="dosing_action"),
    path("<uuid:public_id>/preparation/", v.preparation, name="preparation"),
    path("<uuid:public_id>/integration/", v.integration, name="integration"),
    path("<uuid:public_id>/follow-up-check/", v.follow_up_check, name="follow_up_check"),
    path("notes/psychotherapy/", v.psychotherapy_notes, name="psychotherapy_notes"),
    path("notes/psychotherapy/new/<uuid:patient_id>/", v.psychotherapy_note_create, name="psychotherapy_note_create"),
    path("notes/psychotherapy/<uuid:public_id>/", v.psychotherapy_note, name="psychotherapy_note"),
    path("inventory/", v.inventory, name="inventory"),
    path("inventory/reconciliation/", v.inventory_reconciliation, name="inventory_reconciliation"),
    path("inventory/lots/<uuid:public_id>/", v.inventory_lot, name="inventory_lot"),
    path("clinical-settings/", v.clinical_settings_page, name="clinical_settings"),
]
