"""Writes to patient records and care teams."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from kap_clinic.accounts.models import User
from kap_clinic.audit.services import audit_record
from kap_clinic.common.errors import PermissionDeniedError, ValidationFailed

from .models import CareTeamMembership, Patient


def _require_staff(actor: Any) -> None:
    if not (actor and actor.is_authenticated and actor.is_active and actor.is_staff_member):
        raise PermissionDeniedError("Only clinic staff may change patient records.")


@transaction.atomic
def patient_create(
    *,
    actor: User,
    legal_first_name: str,
    legal_last_name: str,
    date_of_birth: dt.date,
    email: str = "",
    preferred_name: str = "",
) -> Patient:
    """Register a referred patient. A clinician who registers a patient joins their care team."""
    _require_staff(actor)
    if not legal_first_name.strip():
        raise ValidationFailed("Legal first name is required.", field="legal_first_name")
    if not legal_last_name.strip():
        raise ValidationFailed("Legal last name is required.", field="legal_last_name")
    if date_of_birth > timezone.localdate():
        raise ValidationFailed("Date of birth cannot be in the future.", field="date_of_birth")
    patient = Patient.objects.create(
        legal_first_name=legal_first_name.strip(),
        legal_last_name=legal_last_name.strip(),
        preferred_name=preferred_name.strip(),
        date_of_birth=date_of_birth,
        email=email.strip().lower(),
    )
    audit_record(
        actor=actor,
        action="patient.created",
        target=patient,
        patient=patient,
        changed_fields=["legal_first_name", "legal_last_name", "date_of_birth", "email"],
    )
    if actor.is_clinician:
        CareTeamMembership.objects.create(patient=patient, clinician=actor, is_lead=True)
    return patient


@transaction.atomic
def care_team_assign(*, actor: User, patient: Patient, clinician: User, is_lead: bool = False) -> CareTeamMembership:
    """Put a clinician on a patient's care team (admins only). Idempotent for an existing member."""
    if not (actor.is_authenticated and actor.is_active and actor.is_practice_admin):
        raise PermissionDeniedError("Only a practice admin assigns care teams.")
    if not (clinician.is_clinician and clinician.is_active):
        raise ValidationFailed("Only active clinicians can join a care team.", field="clinician")
    membership = CareTeamMembership.objects.filter(patient=patient, clinician=clinician, active=True).first()
    if membership:
        return membership
    membership = CareTeamMembership.objects.create(patient=patient, clinician=clinician, is_lead=is_lead)
    audit_record(
        actor=actor, action="care_team.assigned", target=membership, patient=patient, changed_fields=["clinician"]
    )
    return membership


@transaction.atomic
def care_team_remove(*, actor: User, membership: CareTeamMembership) -> None:
    """End a care-team membership. The row stays, inactive, as history."""
    if not (actor.is_authenticated and actor.is_active and actor.is_practice_admin):
        raise PermissionDeniedError("Only a practice admin assigns care teams.")
    if not membership.active:
        return
    membership.active = False
    membership.save(update_fields=["active", "updated_at"])
    audit_record(
        actor=actor,
        action="care_team.removed",
        target=membership,
        patient=membership.patient,
        changed_fields=["active"],
    )
