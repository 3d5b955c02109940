from __future__ import annotations

from django.urls import path

from . import views

app_name = "patients"

P = "<uuid:public_id>"

urlpatterns = [
    path("", views.patient_list, name="list"),
    path("new/", views.patient_create, name="create"),
    path(f"{P}/", views.patient_detail, name="detail"),
    path(f"{P}/edit/", views.patient_edit, name="edit"),
    path(f"{P}/status/", views.patient_status_change, name="status_change"),
    path(f"{P}/care-team/", views.care_team, name="care_team"),
    path(f"{P}/care-team/<uuid:membership_id>/remove/", views.care_team_remove, name="care_team_remove"),
    path(f"{P}/assessments/", views.assessment_list, name="assessment_list"),
    path(f"{P}/assessments/new/<slug:instrument>/", views.assessment_create, name="assessment_create"),
    path(f"{P}/assessments/<uuid:assessment_id>/", views.assessment_detail, name="assessment_detail"),
    path(f"{P}/assessments/<uuid:assessment_id>/void/", views.assessment_void, name="assessment_void"),
    path(f"{P}/intake/new/", views.intake_create, name="intake_create"),
    path(f"{P}/intake/<uuid:intake_id>/", views.intake_detail, name="intake_detail"),
    path(f"{P}/eligibility/new/", views.eligibility_decide, name="eligibility_decide"),
    path(
        f"{P}/safety-flags/<uuid:flag_id>/acknowledge/", views.safety_flag_acknowledge, name="safety_flag_acknowledge"
    ),
    path(f"{P}/medications/", views.medications, name="medications"),
    path(f"{P}/medications/<uuid:medication_id>/stop/", views.medication_stop, name="medication_stop"),
    path(f"{P}/weights/", views.weight_add, name="weight_add"),
    path(f"{P}/outcomes/<slug:instrument>.svg", views.outcome_svg, name="outcome_svg"),
]
