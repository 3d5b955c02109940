"""Clinical pages under /sessions/ (included by sessions_app/urls.py; names join ``sessions_app``)."""

from __future__ import annotations

from django.urls import path

from sessions_app.clinical.views import dosing, live, notes, thresholds

urlpatterns = [
    path("<uuid:public_id>/dosing/", dosing.dosing, name="dosing"),
    path("<uuid:public_id>/dosing/status/", dosing.dosing_status, name="dosing_status"),
    # Before the action route: "live" would otherwise match its slug.
    path("<uuid:public_id>/dosing/live/", live.dosing_live, name="dosing_live"),
    path("<uuid:public_id>/dosing/<slug:action>/", dosing.dosing_action, name="dosing_action"),
    path("board/", live.room_board, name="board"),
    path("board/live/", live.room_board_live, name="board_live"),
    path("<uuid:public_id>/preparation/", notes.preparation, name="preparation"),
    path("<uuid:public_id>/integration/", notes.integration, name="integration"),
    path("<uuid:public_id>/follow-up-check/", notes.follow_up_check, name="follow_up_check"),
    path("notes/psychotherapy/", notes.psychotherapy_notes, name="psychotherapy_notes"),
    path(
        "notes/psychotherapy/new/<uuid:patient_id>/", notes.psychotherapy_note_create, name="psychotherapy_note_create"
    ),
    path("notes/psychotherapy/<uuid:public_id>/", notes.psychotherapy_note, name="psychotherapy_note"),
    path("clinical-settings/", thresholds.clinical_settings_page, name="clinical_settings"),
]
