"""Role checks shared by HTML views (decorators) and the API (permission classes).

Object-level access (a patient's records) lives in the selectors of the app that owns the
object; this module only answers "may this kind of user use this kind of page at all?".
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from rest_framework.permissions import BasePermission

STAFF = "staff"  # admin or clinician
ADMIN = "admin"
CLINICIAN = "clinician"
PATIENT = "patient"
PRESCRIBER = "prescriber"


def user_has_role(user: Any, role: str) -> bool:
    if not (user and user.is_authenticated and user.is_active):
        return False
    return {
        STAFF: user.is_staff_member,
        ADMIN: user.is_practice_admin,
        CLINICIAN: user.is_clinician,
        PATIENT: user.is_patient,
        PRESCRIBER: user.is_prescriber,
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
