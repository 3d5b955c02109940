"""API routes of the patients app, included under /api/v1/ in the `api` namespace."""

from __future__ import annotations

from django.urls import path

from . import api

P = "patients/<uuid:public_id>"

urlpatterns = [
    path("patients/", api.PatientListApi.as_view(), name="patients"),
    path(f"{P}/", api.PatientDetailApi.as_view(), name="patient_detail"),
    path(f"{P}/status/", api.PatientStatusApi.as_view(), name="patient_status"),
    path(f"{P}/care-team/", api.PatientCareTeamApi.as_view(), name="patient_care_team"),
    path(f"{P}/assessments/", api.PatientAssessmentListApi.as_view(), name="patient_assessments"),
    path(
        f"{P}/assessments/<uuid:assessment_id>/",
        api.PatientAssessmentDetailApi.as_view(),
        name="patient_assessment_detail",
    ),
    path(f"{P}/intakes/", api.PatientIntakeListApi.as_view(), name="patient_intakes"),
    path(f"{P}/intakes/<uuid:intake_id>/", api.PatientIntakeDetailApi.as_view(), name="patient_intake_detail"),
    path(f"{P}/eligibility/", api.PatientEligibilityApi.as_view(), name="patient_eligibility"),
    path(f"{P}/safety-flags/", api.PatientSafetyFlagListApi.as_view(), name="patient_safety_flags"),
    path(
        f"{P}/safety-flags/<uuid:flag_id>/acknowledge/",
        api.SafetyFlagAcknowledgeApi.as_view(),
        name="patient_safety_flag_acknowledge",
    ),
    path(f"{P}/medications/", api.PatientMedicationListApi.as_view(), name="patient_medications"),
    path(
        f"{P}/medications/<uuid:medication_id>/stop/", api.MedicationStopApi.as_view(), name="patient_medication_stop"
    ),
    path(f"{P}/weights/", api.PatientWeightListApi.as_view(), name="patient_weights"),
    path(f"{P}/outcomes/", api.PatientOutcomesApi.as_view(), name="patient_outcomes"),
    path("instruments/", api.InstrumentListApi.as_view(), name="instruments"),
    path("contraindications/", api.ContraindicationChecklistApi.as_view(), name="contraindications"),
]
