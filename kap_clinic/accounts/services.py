"""Staff account management: create staff, change roles, deactivate and reactivate; two-factor sign-in."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from kap_clinic.audit.services import audit_record
from kap_clinic.common.errors import Conflict, PermissionDeniedError, ValidationFailed

from . import totp
from .models import TotpDevice, User
from .permissions import ADMIN, user_has_role

EMAIL_MAX_LENGTH = User._meta.get_field("email").max_length


def _require_admin(actor: User) -> None:
    if not user_has_role(actor, ADMIN):
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


# --- Two-factor sign-in (TOTP, RFC 6238) ---------------------------------------------------------
# One message for a wrong, reused or expired code, so a guesser learns nothing from the wording.
MFA_INVALID_MESSAGE = "That code is not valid. Type the 6-digit code your authenticator app shows now."
MFA_LOCKED_MESSAGE = "Too many wrong codes. Wait 15 minutes and try again, or ask a practice admin for help."


def user_totp_device(user: User) -> TotpDevice | None:
    """The user's confirmed authenticator, if any (an enrolment still in progress does not count)."""
    if not getattr(user, "pk", None):
        return None
    return TotpDevice.objects.filter(user=user, confirmed_at__isnull=False).first()


def user_needs_second_factor(user: User) -> bool:
    """Staff with a confirmed authenticator, or every staff member when STAFF_MFA_REQUIRED. Never patients."""
    if not user.is_staff_member:
        return False
    return bool(settings.STAFF_MFA_REQUIRED) or user_totp_device(user) is not None


def _mfa_failure_key(user: User) -> str:
    digest = hashlib.sha256(f"mfa|{user.pk}".encode()).hexdigest()
    return f"mfa-failures:{digest}"


def _check_code(user: User, device: TotpDevice, code: str) -> int:
    """The accepted time step for ``code``, or ValidationFailed(field="otp"); wrong codes are counted and audited.

    Not atomic on purpose: the audit events of a refusal must survive the raised error.
    """
    key = _mfa_failure_key(user)
    if cache.get(key, 0) >= settings.MFA_FAILURE_LIMIT:
        audit_record(actor=user, action="mfa.locked", target=user, outcome="denied")
        raise ValidationFailed(MFA_LOCKED_MESSAGE, field="otp")
    step = totp.matching_step(device.secret, code)
    # A code is good once: the same step (or an older one) after a successful sign-in is a replay.
    if step is None or (device.last_used_step is not None and step <= device.last_used_step):
        cache.add(key, 0, settings.MFA_FAILURE_WINDOW_SECONDS)
        cache.incr(key)
        audit_record(actor=user, action="mfa.failed", target=user, outcome="denied")
        raise ValidationFailed(MFA_INVALID_MESSAGE, field="otp")
    # Claim the step atomically: two requests racing with the same code cannot both win.
    claimed = (
        TotpDevice.objects.filter(pk=device.pk)
        .filter(Q(last_used_step__isnull=True) | Q(last_used_step__lt=step))
        .update(last_used_step=step)
    )
    if not claimed:
        audit_record(actor=user, action="mfa.failed", target=user, outcome="denied")
        raise ValidationFailed(MFA_INVALID_MESSAGE, field="otp")
    device.last_used_step = step
    cache.delete(key)
    return step


def user_verify_second_factor(*, user: User, code: str) -> TotpDevice:
    """Check the code of a user's confirmed authenticator at sign-in (web code step or API token).

    Raises ValidationFailed naming field ``otp`` for a wrong/reused code, a lock-out, or no authenticator.
    """
    device = user_totp_device(user)
    if device is None:
        audit_record(actor=user, action="mfa.failed", target=user, outcome="denied")
        raise ValidationFailed(
            "This account has no authenticator app set up yet: sign in on the website once to set one up.",
            field="otp",
        )
    _check_code(user, device, code)
    audit_record(actor=user, action="mfa.verified", target=user)
    return device


def user_begin_totp_enrolment(*, user: User) -> TotpDevice:
    """Start (or continue) setting up an authenticator: an unconfirmed device with a fresh secret.

    The secret stays the same while enrolment is unfinished (a reload shows the same QR code); once
    confirmed it is never shown again. Staff only; refused if an authenticator is already confirmed.
    """
    if not user.is_staff_member:
        raise PermissionDeniedError("Two-factor sign-in is for staff accounts.")
    device = TotpDevice.objects.filter(user=user).first()
    if device is not None and device.is_confirmed:
        raise Conflict("An authenticator app is already set up for this account.", field="otp")
    if device is None:
        device = TotpDevice.objects.create(user=user, secret=totp.generate_secret())
    return device


def user_confirm_totp_enrolment(*, user: User, code: str) -> TotpDevice:
    """Finish enrolment: the first code typed back from the app proves it holds the secret."""
    device = TotpDevice.objects.filter(user=user, confirmed_at__isnull=True).first()
    if device is None:
        raise ValidationFailed("Start setting up your authenticator app again: open this page once more.", field="otp")
    _check_code(user, device, code)
    device.confirmed_at = timezone.now()
    device.save(update_fields=["confirmed_at"])
    audit_record(actor=user, action="mfa.enrolled", target=user)
    return device


def user_enrol_totp_in_session(*, user: User, current_password: str, code: str) -> TotpDevice:
    """Voluntary set-up from the account menu of an existing session: the current password is asked again,
    so someone at an unattended, signed-in computer cannot tie the account to their own phone."""
    if not current_password or not user.check_password(current_password):
        audit_record(actor=user, action="mfa.failed", target=user, outcome="denied")
        raise ValidationFailed("The current password is not correct.", field="password")
    return user_confirm_totp_enrolment(user=user, code=code)


def user_disable_totp(*, user: User, password: str, code: str) -> None:
    """A staff member turns their own two-factor sign-in off: current password and a valid code needed.

    Refused while the clinic requires it (STAFF_MFA_REQUIRED): then only an admin reset removes it.
    """
    if settings.STAFF_MFA_REQUIRED:
        raise PermissionDeniedError(
            "Your clinic requires two-factor sign-in for all staff, so it cannot be turned off. "
            "If you lost your phone, ask a practice admin to reset it."
        )
    device = user_totp_device(user)
    if device is None:
        raise Conflict("Two-factor sign-in is not set up for this account.", field="otp")
    if not password or not user.check_password(password):
        audit_record(actor=user, action="mfa.failed", target=user, outcome="denied")
        raise ValidationFailed("The current password is not correct.", field="password")
    _check_code(user, device, code)
    with transaction.atomic():
        TotpDevice.objects.filter(user=user).delete()
        audit_record(actor=user, action="mfa.disabled", target=user)


@transaction.atomic
def user_reset_totp(*, actor: User, user: User) -> None:
    """A practice admin removes a staff member's authenticator (lost phone). With STAFF_MFA_REQUIRED the
    staff member sets up a new one at their next sign-in; their current sessions are not ended here."""
    _require_admin(actor)
    if user.is_patient:
        raise ValidationFailed("Patient accounts do not use two-factor sign-in.", field="user")
    deleted, _ = TotpDevice.objects.filter(user=user).delete()
    if not deleted:
        raise Conflict(f"{user.full_name} has no authenticator app set up.", field="user")
    cache.delete(_mfa_failure_key(user))
    audit_record(actor=actor, action="mfa.reset", target=user)
