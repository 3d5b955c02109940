"""Permission-scoped reads of patients. Every view and API endpoint fetches patients through here.

Access rules (PRODUCT.md, roles):
- a clinician sees the patients whose care team they are on; anyone else is a 404;
- a practice admin sees every patient's demographics and schedule, but clinical content is a 403;
- a patient sees only their own record, read-only, through the portal.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, QuerySet
from django.http import Http404

from kap_clinic.audit.models import AuditEvent
from kap_clinic.audit.services import audit_record

from .models import CareTeamMembership, Patient


def _active(user: Any) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def patient_list_visible_to(user: Any) -> QuerySet[Patient]:
    """Patients the user has a relationship to (see the module docstring)."""
    qs = Patient.objects.all()
    if not _active(user):
        return qs.none()
    if user.is_practice_admin:
        return qs
    if user.is_clinician:
        on_team = CareTeamMembership.objects.filter(patient=OuterRef("pk"), clinician=user, active=True)
        return qs.filter(Exists(on_team))
    if user.is_patient:
        return qs.filter(user=user)
    return qs.none()


def user_is_on_care_team(*, user: Any, patient: Patient) -> bool:
    return (
        _active(user)
        and user.is_clinician
        and CareTeamMembership.objects.filter(patient=patient, clinician=user, active=True).exists()
    )


def patient_get_for(*, user: Any, public_id: uuid.UUID | str, write: bool = False, clinical: bool = False) -> Patient:
    """The patient, if ``user`` may use it the way asked.

    404 when the user has no relationship to the patient (the attempt is audited), 403 when
    they may see it but not like this: an admin asking for clinical content, a patient asking
    to write. ``clinical`` means assessment answers, intake, notes: anything beyond
    demographics and schedule.
    """
    try:
        patient = patient_list_visible_to(user).get(public_id=public_id)
    except (Patient.DoesNotExist, ValueError, TypeError):
        if _active(user):
            audit_record(
                actor=user,
                action="patient.access_denied",
                target_type="patients.patient",
                target_public_id=str(public_id),
                outcome=AuditEvent.Outcome.DENIED,
            )
        raise Http404("No patient matches the given query.") from None
    if clinical and user.is_practice_admin:
        raise PermissionDenied("Practice admins do not see clinical content.")
    if write and user.is_patient:
        raise PermissionDenied("Patients cannot change their record here.")
    return patient


def patient_open_chart(*, user: Any, public_id: uuid.UUID | str) -> Patient:
    """Fetch a patient for their chart page and record that the chart was viewed."""
    patient = patient_get_for(user=user, public_id=public_id)
    audit_record(actor=user, action="patient.viewed", target=patient, patient=patient)
    return patient


def care_team_for(patient: Patient) -> QuerySet[CareTeamMembership]:
    return patient.care_team.filter(active=True).select_related("clinician").order_by("clinician__full_name")
