"""Panels the consent app puts on other apps' pages (see kap_clinic.common.panels)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from kap_clinic.accounts.permissions import PATIENT, STAFF, user_has_role
from patients.models import Patient

from . import selectors


def chart_status(request: HttpRequest, *, patient: Patient, **page: Any) -> dict | None:
    """Chart header: one badge per kind of consent (active, revoked, re-consent needed, pending, none)."""
    if not user_has_role(request.user, STAFF):
        return None
    return {"consent_statuses": selectors.consent_status_for_patient(patient=patient)}


def chart_consents(request: HttpRequest, *, patient: Patient, **page: Any) -> dict | None:
    """Chart body: signed documents with their PDFs and the open signing requests."""
    if not user_has_role(request.user, STAFF):
        return None
    return {
        "consent_records": selectors.records_for_patient_with_state(patient=patient)[:20],
        "consent_pending": list(selectors.pending_requests_for_patient(patient=patient)),
    }


def portal_home(request: HttpRequest, *, patient: Patient, **page: Any) -> dict | None:
    """Portal home: documents waiting for the patient's signature and those already signed."""
    if not (user_has_role(request.user, PATIENT) and patient.user_id == request.user.pk):
        return None
    return {
        "consent_pending": list(selectors.pending_requests_for_patient(patient=patient)),
        "consent_records": selectors.records_for_patient_with_state(patient=patient),
    }
