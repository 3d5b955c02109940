"""Staff account management: create staff, change roles, deactivate and reactivate."""

from __future__ import annotations

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from kap_clinic.audit.services import audit_record
from kap_clinic.common.errors import PermissionDeniedError, ValidationFailed

from .models import User

EMAIL_MAX_LENGTH = User._meta.get_field("email").max_length


def _require_admin(actor: User) -> None:
    if not (actor.is_authenticated and actor.is_active and actor.is_practice_admin):
        raise PermissionDeniedError("Only a practice admin may manage staff accounts.")


def _check_role_discipline(role: str, discipline: str) -> None:
    if role not in User.Role.values:
        raise ValidationFailed(f"Unknown role {role!r}.", field="role")
    if role == User.Role.CLINICIAN and discipline not in User.Discipline.values:
        raise ValidationFailed("A clinician needs a discipline: prescriber, nurse or therapist.", field="discipline")
    if role != User.Role.CLINICIAN and discipline:
        raise ValidationFailed("Only clinicians have a discipline.", field="discipline")


@transaction.atomic
def user_create_staff(
    *,
    actor: User,
    email: str,
    full_name: str,
    role: str,
    discipline: str = "",
    credentials: str = "",
    password: str | None = None,
) -> User:
    """Create a staff account (admin or clinician). Patients get accounts through the portal invitation.

    Without a password the account cannot log in until the user sets one by password reset.
    Raises ValidationFailed for a duplicate email, a bad role/discipline pair or a weak password.
    """
    _require_admin(actor)
    email = User.objects.normalize_email(email).strip().lower()
    if not email:
        raise ValidationFailed("Email is required.", field="email")
    if len(email) > EMAIL_MAX_LENGTH:
        # SQLite would store it; PostgreSQL's varchar(254) would refuse it with a 500.
        raise ValidationFailed(f"Email must be at most {EMAIL_MAX_LENGTH} characters.", field="email")
    if not full_name.strip():
        raise ValidationFailed("Full name is required.", field="full_name")
    if role == User.Role.PATIENT:
        raise ValidationFailed("Patient accounts are created by inviting the patient to the portal.", field="role")
    _check_role_discipline(role, discipline)
    if User.objects.filter(email=email).exists():
        raise ValidationFailed("A user with this email already exists.", field="email")
    user = User(email=email, full_name=full_name.strip(), role=role, discipline=discipline, credentials=credentials)
    if password:
        try:
            validate_password(password, user)
        except ValidationError as exc:
            raise ValidationFailed(" ".join(exc.messages), field="password") from exc
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    audit_record(actor=actor, action="user.created", target=user, changed_fields=["email", "full_name", "role"])
    return user


@transaction.atomic
def user_update_staff(
    *, actor: User, user: User, full_name: str, role: str, discipline: str = "", credentials: str = ""
) -> User:
    """Change a staff member's name, role or discipline. A role change takes effect on their next request."""
    _require_admin(actor)
    if user.is_patient:
        raise ValidationFailed("Patient accounts are not managed here.", field="role")
    if role == User.Role.PATIENT:
        raise ValidationFailed("A staff account cannot be turned into a patient account.", field="role")
    _check_role_discipline(role, discipline)
    if user.pk == actor.pk and role != User.Role.ADMIN:
        raise ValidationFailed("You cannot remove your own admin role.", field="role")
    changed = [
        name
        for name, value in (
            ("full_name", full_name.strip()),
            ("role", role),
            ("discipline", discipline),
            ("credentials", credentials),
        )
        if getattr(user, name) != value
    ]
    if not changed:
        return user
    user.full_name, user.role, user.discipline, user.credentials = full_name.strip(), role, discipline, credentials
    user.save(
        update_fields=[
            *changed,
        ]
    )
    action = "role.changed" if {"role", "discipline"} & set(changed) else "user.updated"
    audit_record(actor=actor, action=action, target=user, changed_fields=changed)
    return user


@transaction.atomic
def user_set_active(*, actor: User, user: User, active: bool) -> User:
    """Deactivate or reactivate an account. A deactivated user is refused on their next request."""
    _require_admin(actor)
    if user.pk == actor.pk and not active:
        raise ValidationFailed("You cannot deactivate your own account.", field="is_active")
    if user.is_active == active:
        return user
    user.is_active = active
    user.deactivated_at = None if active else timezone.now()
    user.save(update_fields=["is_active", "deactivated_at"])
    audit_record(
        actor=actor,
        action="user.reactivated" if active else "user.deactivated",
        target=user,
        changed_fields=["is_active"],
    )
    return user


@transaction.atomic
def user_change_password(*, user: User, current_password: str, new_password: str) -> User:
    """A signed-in user replaces their own password; the current one must be re-entered."""
    if not current_password or not user.check_password(current_password):
        raise ValidationFailed("The current password is not correct.", field="old_password")
    if new_password == current_password:
        raise ValidationFailed("The new password must differ from the current one.", field="new_password1")
    try:
        validate_password(new_password, user=user)
    except ValidationError as exc:
        raise ValidationFailed(" ".join(exc.messages), field="new_password1") from exc
    user.set_password(new_password)
    user.save(update_fields=["password"])
    audit_record(actor=user, action="user.password_changed", target=user, changed_fields=["password"])
    return user
