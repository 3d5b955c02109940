"""Checks shared by the consent services."""

from __future__ import annotations

from typing import Any

from kap_clinic.accounts.permissions import ADMIN, STAFF, user_has_role
from kap_clinic.common.errors import PermissionDeniedError
from patients.models import Patient
from patients.selectors import patient_list_visible_to, user_is_on_care_team


def require_admin(actor: Any, what: str = "manage consent documents") -> None:
    if not user_has_role(actor, ADMIN):
        raise PermissionDeniedError(f"Only a practice admin may {what}.")


def require_staff_for(actor: Any, patient: Patient) -> None:
    """Staff who may see the patient: an admin, or a clinician on the care team."""
    if not user_has_role(actor, STAFF):
        raise PermissionDeniedError("Only clinic staff may do this.")
    if not patient_list_visible_to(actor).filter(pk=patient.pk).exists():
        raise PermissionDeniedError("You are not on this patient's care team.")


def require_care_team_clinician(actor: Any, patient: Patient) -> None:
    if not user_is_on_care_team(user=actor, patient=patient):
        raise PermissionDeniedError("Only a clinician on the patient's care team may do this.")
