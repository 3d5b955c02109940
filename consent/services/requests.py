"""Signing requests and portal invitations: the emailed, single-use, expiring links.

Only the SHA-256 of a link token is stored (see ``selectors.make_token``). Emails go out from a
Celery task after commit, carrying the link and nothing clinical (``emails.py``; the minute sweep
hands over again any the broker lost).
"""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from kap_clinic.accounts.models import User
from kap_clinic.accounts.permissions import user_is_active
from kap_clinic.audit.services import audit_record
from kap_clinic.common.errors import Conflict, ValidationFailed
from kap_clinic.common.jobs import enqueue_after_commit
from patients.models import Patient

from .. import selectors
from ..models import ConsentDocument, ConsentKind, PortalInvitation, SigningRequest
from ..tasks import consent_request_email_task, portal_invitation_email_task
from ._common import require_staff_for

REQUEST_VALID_DAYS_DEFAULT = 14
INVITATION_VALID_DAYS_DEFAULT = 14


def request_valid_for() -> dt.timedelta:
    return dt.timedelta(days=getattr(settings, "CONSENT_REQUEST_VALID_DAYS", REQUEST_VALID_DAYS_DEFAULT))


def invitation_valid_for() -> dt.timedelta:
    return dt.timedelta(days=getattr(settings, "CONSENT_INVITATION_VALID_DAYS", INVITATION_VALID_DAYS_DEFAULT))


def _new_token_fields(salt: str, public_id: Any) -> tuple[str, str]:
    nonce = secrets.token_hex(16)
    token = selectors.make_token(salt=salt, public_id=public_id, nonce=nonce)
    return nonce, selectors.token_hash(token)


# --- Portal accounts ---------------------------------------------------------------------------


def _ensure_portal_user(*, actor: User, patient: Patient) -> User:
    """The patient's portal login, created (without a usable password) and linked if missing."""
    if patient.user_id is not None:
        return patient.user
    email = (patient.email or "").strip().lower()
    if not email:
        raise ValidationFailed("The patient has no email address on record; add one first.", field="email")
    if User.objects.filter(email=email).exists():
        raise ValidationFailed(
            "Another account already uses this patient's email address; ask an admin to resolve it.", field="email"
        )
    user = User.objects.create_user(email, None, full_name=patient.full_name, role=User.Role.PATIENT)
    patient.user = user
    patient.save(update_fields=["user", "updated_at"])
    audit_record(
        actor=actor, action="patient.portal_account_created", target=patient, patient=patient, changed_fields=["user"]
    )
    return user


@transaction.atomic
def patient_portal_invite(*, actor: User, patient: Patient) -> PortalInvitation:
    """Invite a patient to the portal: create their account (no password yet) and email a set-password link.

    Staff who may see the patient only. Raises ValidationFailed without an email (or when the
    email belongs to another account) and Conflict when the patient already has a password.
    """
    require_staff_for(actor, patient)
    patient = Patient.objects.select_for_update(of=("self",)).select_related("user").get(pk=patient.pk)
    if patient.user_id is not None and patient.user.has_usable_password():
        raise Conflict("This patient already has a portal account; they can use 'Forgot password'.")
    user = _ensure_portal_user(actor=actor, patient=patient)
    invitation = PortalInvitation(patient=patient, user=user, created_by=actor)
    invitation.nonce, invitation.token_hash = _new_token_fields(selectors.INVITATION_SALT, invitation.public_id)
    invitation.expires_at = timezone.now() + invitation_valid_for()
    invitation.save()
    audit_record(actor=actor, action="patient.portal_invited", target=invitation, patient=patient)
    enqueue_after_commit(portal_invitation_email_task, invitation.id)
    return invitation


def _set_first_password(*, user: User, password: str, password2: str) -> None:
    if not password:
        raise ValidationFailed("Choose a password.", field="password")
    if password != password2:
        raise ValidationFailed("The two passwords do not match.", field="password2")
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ValidationFailed(" ".join(exc.messages), field="password") from exc
    user.set_password(password)
    user.save(update_fields=["password"])


@transaction.atomic
def portal_invitation_accept(*, token: str, password: str, password2: str) -> User:
    """Set the first password from an invitation link; the link then stops working.

    Raises Conflict for an unknown, used or expired link (the page shows no data) and
    ValidationFailed for a weak or mismatched password.
    """
    invitation = selectors.portal_invitation_by_token(token)
    if invitation is None:
        raise Conflict("This link is not valid.", field="token")
    invitation = (
        PortalInvitation.objects.select_for_update(of=("self",)).select_related("user", "patient").get(pk=invitation.pk)
    )
    if not invitation.is_usable() or invitation.user.has_usable_password() or not user_is_active(invitation.user):
        raise Conflict("This link has already been used or has expired.", field="token")
    _set_first_password(user=invitation.user, password=password, password2=password2)
    invitation.used_at = timezone.now()
    invitation.save(update_fields=["used_at", "updated_at"])
    audit_record(
        actor=invitation.user,
        action="patient.portal_password_set",
        target=invitation,
        patient=invitation.patient,
        changed_fields=["password"],
    )
    return invitation.user


@transaction.atomic
def signing_link_set_password(*, token: str, password: str, password2: str) -> User:
    """A newly invited patient opens a signing link: they choose their password first.

    The link keeps working for the signature itself (it is used up by signing, not by this).
    """
    request = selectors.signing_request_by_token(token)
    if request is None or request.status != SigningRequest.Status.PENDING:
        raise Conflict("This link has already been used or has expired.", field="token")
    user = request.patient.user
    if user is None or user.has_usable_password() or not user_is_active(user):
        raise Conflict("This account already has a password; please log in.", field="token")
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.has_usable_password():
        raise Conflict("This account already has a password; please log in.", field="token")
    _set_first_password(user=user, password=password, password2=password2)
    audit_record(
        actor=user,
        action="patient.portal_password_set",
        target=request,
        patient=request.patient,
        changed_fields=["password"],
    )
    return user


# --- Signing requests ----------------------------------------------------------------------------


def create_signing_request(
    *, actor: User, patient: Patient, document: ConsentDocument, reason: str, now: dt.datetime
) -> SigningRequest:
    """Create a request (no permission check: callers check) and schedule its email.

    Older pending requests of the same kind for the patient are cancelled, so only the newest
    link works. The email goes out only when the patient has an email and has not withdrawn
    consent to electronic records; otherwise the request waits in the portal and the chart. The
    decision is kept on the row (``email_wanted``) for the sweep's relay.
    """
    for old in SigningRequest.objects.select_for_update().filter(
        patient=patient, document__kind_id=document.kind_id, used_at__isnull=True, cancelled_at__isnull=True
    ):
        old.cancelled_at = now
        old.save(update_fields=["cancelled_at", "updated_at"])
        audit_record(
            actor=actor,
            action="consent.request_cancelled",
            target=old,
            patient=patient,
            changed_fields=["cancelled_at"],
        )
    deliver = bool(patient.email) and not selectors.electronic_records_withdrawn(patient=patient)
    if deliver and patient.user_id is None:
        try:
            with transaction.atomic():
                _ensure_portal_user(actor=actor, patient=patient)
        except ValidationFailed:
            deliver = False  # e.g. the email is taken by another account: staff resolve it from the chart
    request = SigningRequest(patient=patient, document=document, created_by=actor, reason=reason, email_wanted=deliver)
    request.nonce, request.token_hash = _new_token_fields(selectors.REQUEST_SALT, request.public_id)
    request.expires_at = now + request_valid_for()
    request.save()
    audit_record(actor=actor, action="consent.requested", target=request, patient=patient, changed_fields=["document"])
    if deliver:
        enqueue_after_commit(consent_request_email_task, request.id)
    return request


@transaction.atomic
def consent_request_signature(*, actor: User, patient: Patient, kind: ConsentKind | str) -> SigningRequest:
    """Ask a patient to sign the current version of a kind; they get an emailed link to the portal.

    Staff who may see the patient only. Creates the patient's portal account if they have none
    (the link then lets them choose a password first). Raises ValidationFailed when no version is
    published or the patient has no email; Conflict when they already have this version in force
    or withdrew consent to electronic records (use paper).
    """
    require_staff_for(actor, patient)
    try:
        kind = selectors.kind_get(kind)
    except ValueError:
        raise ValidationFailed("Unknown kind of consent.", field="kind") from None
    document = selectors.document_current(kind)
    if document is None:
        raise ValidationFailed(f"No published version of '{kind.name}' exists yet.", field="kind")
    patient = Patient.objects.select_for_update(of=("self",)).select_related("user").get(pk=patient.pk)
    if not patient.email:
        raise ValidationFailed("The patient has no email address on record; add one first.", field="email")
    if selectors.electronic_records_withdrawn(patient=patient):
        raise Conflict(
            "The patient withdrew consent to electronic records; use a paper form.", field="electronic_records"
        )
    active = selectors.active_consent_record(patient=patient, kind=kind)
    if active is not None and active.document_id == document.id:
        raise Conflict(f"The patient has already signed version {document.version} of this document.", field="kind")
    if patient.user_id is None:
        _ensure_portal_user(actor=actor, patient=patient)
    return create_signing_request(
        actor=actor, patient=patient, document=document, reason="requested", now=timezone.now()
    )


def kind_choices() -> list[tuple[str, str]]:
    return [(k.code, k.name) for k in ConsentKind.objects.filter(active=True).order_by("order", "name")]
