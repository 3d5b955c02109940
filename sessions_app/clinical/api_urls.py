"""Clinical API routes (included from sessions_app/api_urls.py; names join the ``api`` namespace)."""

from __future__ import annotations

from django.urls import path

from sessions_app.clinical.api import dosing, notes, thresholds

urlpatterns = [
    path("sessions/<uuid:public_id>/dosing/", dosing.SessionDosingApi.as_view(), name="session_dosing"),
    path("sessions/<uuid:public_id>/preparation/", notes.SessionPreparationApi.as_view(), name="session_preparation"),
    path("sessions/<uuid:public_id>/integration/", notes.SessionIntegrationApi.as_view(), name="session_integration"),
    path(
        "sessions/<uuid:public_id>/follow-up-check/",
        notes.SessionFollowUpCheckApi.as_view(),
        name="session_follow_up_check",
    ),
    path("dosing-records/<uuid:public_id>/", dosing.DosingRecordApi.as_view(), name="dosing_record"),
    path("dosing-records/<uuid:public_id>/check-in/", dosing.DosingCheckInApi.as_view(), name="dosing_check_in"),
    path(
        "dosing-records/<uuid:public_id>/confirmations/", dosing.DosingConfirmApi.as_view(), name="dosing_confirmations"
    ),
    path("dosing-records/<uuid:public_id>/vitals/", dosing.DosingVitalsApi.as_view(), name="dosing_vitals"),
    path(
        "dosing-records/<uuid:public_id>/bp-decisions/",
        dosing.DosingBpDecisionApi.as_view(),
        name="dosing_bp_decisions",
    ),
    path(
        "dosing-records/<uuid:public_id>/administrations/",
        dosing.DosingAdministrationApi.as_view(),
        name="dosing_administrations",
    ),
    path(
        "dosing-records/<uuid:public_id>/observations/",
        dosing.DosingObservationApi.as_view(),
        name="dosing_observations",
    ),
    path(
        "dosing-records/<uuid:public_id>/adverse-events/",
        dosing.DosingAdverseEventApi.as_view(),
        name="dosing_adverse_events",
    ),
    path("dosing-records/<uuid:public_id>/discharge/", dosing.DosingDischargeApi.as_view(), name="dosing_discharge"),
    path("vitals/<uuid:public_id>/acknowledge/", dosing.VitalsAcknowledgeApi.as_view(), name="vitals_acknowledge"),
    path("vitals/<uuid:public_id>/void/", dosing.VitalsVoidApi.as_view(), name="vitals_void"),
    path(
        "administrations/<uuid:public_id>/<slug:action>/",
        dosing.AdministrationActionApi.as_view(),
        name="administration_action",
    ),
    path(
        "clinical-records/<slug:kind>/<uuid:public_id>/sign/",
        notes.ClinicalRecordSignApi.as_view(),
        name="clinical_record_sign",
    ),
    path(
        "clinical-records/<slug:kind>/<uuid:public_id>/addenda/",
        notes.ClinicalRecordAddendaApi.as_view(),
        name="clinical_record_addenda",
    ),
    path("psychotherapy-notes/", notes.PsychotherapyNoteListApi.as_view(), name="psychotherapy_notes"),
    path("psychotherapy-notes/<uuid:public_id>/", notes.PsychotherapyNoteApi.as_view(), name="psychotherapy_note"),
    path(
        "psychotherapy-notes/<uuid:public_id>/<slug:action>/",
        notes.PsychotherapyNoteActionApi.as_view(),
        name="psychotherapy_note_action",
    ),
    path("clinical-settings/", thresholds.ClinicalSettingsApi.as_view(), name="clinical_settings"),
]
