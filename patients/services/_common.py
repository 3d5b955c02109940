"""Checks shared by the patients services: who may write, and input that every service validates alike."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

import phonenumbers
from django.utils import timezone

from kap_clinic.accounts.permissions import PRESCRIBER_DISCIPLINE, STAFF, is_active_clinician_of, user_has_role
from kap_clinic.common.clock import clinic_date
from kap_clinic.common.errors import PermissionDeniedError, ValidationFailed

from ..models import Patient
from ..selectors import user_is_on_care_team

# Clocks drift between a tablet and the server; a result "from the future" beyond this is a typo.
FUTURE_TOLERANCE = dt.timedelta(minutes=5)


def require_staff(actor: Any) -> None:
    if not user_has_role(actor, STAFF):
        raise PermissionDeniedError("Only clinic staff may change patient records.")


def require_care_team(actor: Any, patient: Patient, what: str) -> None:
    """Clinical writes need a clinician on the patient's active care team."""
    if not user_is_on_care_team(user=actor, patient=patient):
        raise PermissionDeniedError(f"Only clinicians on the patient's care team may {what}.")


def require_prescriber_on_team(actor: Any, patient: Patient, what: str) -> None:
    if not is_active_clinician_of(actor, PRESCRIBER_DISCIPLINE):
        raise PermissionDeniedError(f"Only a prescriber may {what}.")
    require_care_team(actor, patient, what)


def require_text(value: str | None, *, field: str, label: str) -> str:
    text = (value or "").strip()
    if not text:
        raise ValidationFailed(f"{label} is required.", field=field)
    return text


def check_moment(value: Any, *, field: str, label: str, not_before: dt.date | None = None) -> dt.datetime:
    """An aware datetime, not in the future (beyond clock drift) and not before ``not_before``."""
    if not isinstance(value, dt.datetime):
        raise ValidationFailed(f"{label} must be a date and time.", field=field)
    if timezone.is_naive(value):
        raise ValidationFailed(f"{label} needs a time zone (ISO 8601 with an offset, e.g. …Z).", field=field)
    if value > timezone.now() + FUTURE_TOLERANCE:
        raise ValidationFailed(f"{label} cannot be in the future.", field=field)
    if not_before and clinic_date(value) < not_before:
        raise ValidationFailed(f"{label} cannot be before {not_before:%Y-%m-%d}.", field=field)
    return value


def check_number(
    value: Any, *, field: str, label: str, low: float, high: float, unit: str = "", decimal: bool = False
) -> Any:
    """``None`` passes (optional); anything else must be a number in [low, high]."""
    if value is None or value == "":
        return None
    try:
        number = Decimal(str(value)) if decimal else int(value)
    except (InvalidOperation, TypeError, ValueError):
        raise ValidationFailed(f"{label} must be a number.", field=field) from None
    if isinstance(value, bool) or not (low <= number <= high):
        raise ValidationFailed(f"{label} must be between {low:g} and {high:g}{unit}.", field=field)
    return number


def normalize_phone(value: str | None, *, field: str, label: str) -> str:
    """An E.164 number (``+15551234567``) from what staff type; blank stays blank."""
    raw = (value or "").strip()
    if not raw:
        return ""
    try:
        number = phonenumbers.parse(raw, None)
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_possible_number(number):
        raise ValidationFailed(
            f"{label} must be an international number starting with + and the country code, e.g. +15551234567.",
            field=field,
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
