"""Role checks shared by HTML views (decorators), the API (permission classes) and services.

Object-level access (a patient's records, the care team, clinical content) lives in
``patients.selectors``; this module only answers role-only questions, each in one function:
"is the user active" (``user_is_active``), "has the user this role" (``user_has_role``: staff,
practice admin, clinician, patient, prescriber) and "is the user an active clinician of this
discipline" (``is_active_clinician_of``). Every service, selector, view and API view asks these
rather than reading ``user.is_active`` or ``user.role`` itself.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from rest_framework.permissions import BasePermission

from .models import User

STAFF = "staff"  # admin or clinician
ADMIN = "admin"
CLINICIAN = "clinician"
PATIENT = "patient"
PRESCRIBER = "prescriber"
# Clinician disciplines, for ``is_active_clinician_of`` (the values of User.Discipline).
PRESCRIBER_DISCIPLINE = User.Discipline.PRESCRIBER
NURSE_DISCIPLINE = User.Discipline.NURSE
THERAPIST_DISCIPLINE = User.Discipline.THERAPIST


def user_is_active(user: Any) -> bool:
    """A signed-in account that has not been deactivated: the first condition of every access rule."""
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.is_active)


def is_active_clinician_of(user: Any, *disciplines: str) -> bool:
    """An active clinician whose discipline is one of ``disciplines`` (any discipline when none is named).

    PRODUCT.md roles: prescribers decide eligibility and dose, nurses record vitals and
    administration, therapists write preparation and integration notes.
    """
    if not (user_is_active(user) and user.is_clinician):
        return False
    return not disciplines or user.discipline in disciplines


def user_has_role(user: Any, role: str) -> bool:
    """Whether an active ``user`` has ``role`` (STAFF, ADMIN, CLINICIAN, PATIENT or PRESCRIBER)."""
    if not user_is_active(user):
        return False
    return {
        STAFF: user.is_staff_member,
        ADMIN: user.is_practice_admin,
        CLINICIAN: user.is_clinician,
        PATIENT: user.is_patient,
        PRESCRIBER: is_active_clinician_of(user, PRESCRIBER_DISCIPLINE),
    }[role]


def role_required(*roles: str) -> Callable:
    """View decorator: anonymous users go to the login page; users without any of ``roles`` get 403."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not any(user_has_role(request.user, r) for r in roles):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


class _RolePermission(BasePermission):
    roles: tuple[str, ...] = ()

    def has_permission(self, request: Any, view: Any) -> bool:
        return any(user_has_role(request.user, r) for r in self.roles)


class IsStaffMember(_RolePermission):
    roles = (STAFF,)


class IsPracticeAdmin(_RolePermission):
    roles = (ADMIN,)


class IsClinician(_RolePermission):
    roles = (CLINICIAN,)


class IsPatient(_RolePermission):
    roles = (PATIENT,)
