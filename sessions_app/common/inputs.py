"""Helpers shared by the clinical services (dosing, notes, inventory): who may act, input parsing,
and the refusal errors the gates raise (each with its own code, so the API and tests can tell
them apart)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from kap_clinic.accounts.permissions import (
    NURSE_DISCIPLINE,
    PRESCRIBER_DISCIPLINE,
    THERAPIST_DISCIPLINE,
    is_active_clinician_of,
)
from kap_clinic.accounts.permissions import user_is_active as is_active_user
from kap_clinic.common.errors import ApplicationError, Conflict, PermissionDeniedError, ValidationFailed
from patients.models import Patient
from patients.selectors import user_is_on_care_team


class GateRefused(Conflict):
    """A safety gate refused the action (409). ``code`` names the gate."""

    code = "gate_refused"

    def __init__(self, code: str, message: str, *, field: str | None = None, extra: dict | None = None) -> None:
        super().__init__(message, field=field, extra=extra)
        self.code = code


class InputRefused(ValidationFailed):
    """Input a rule refuses (400), with a specific ``code`` (dose out of range, implausible vitals)."""

    def __init__(self, code: str, message: str, *, field: str | None = None, extra: dict | None = None) -> None:
        super().__init__(message, field=field, extra=extra)
        self.code = code


class RecordSigned(Conflict):
    code = "record_signed"


# Who may act: the clinical code calls these names; each delegates to the one function of its rule
# (``is_active_user`` is ``kap_clinic.accounts.permissions.user_is_active``).


def on_care_team(user: Any, patient: Patient) -> bool:
    return user_is_on_care_team(user=user, patient=patient)


def require_clinician_on_team(actor: Any, patient: Patient, what: str) -> None:
    if not on_care_team(actor, patient):
        raise PermissionDeniedError(f"Only a clinician on the patient's care team may {what}.")


def require_medical_on_team(actor: Any, patient: Patient, what: str) -> None:
    """Prescribers and nurses: vitals, doses, monitoring, discharge (PRODUCT.md roles)."""
    if not (on_care_team(actor, patient) and is_active_clinician_of(actor, PRESCRIBER_DISCIPLINE, NURSE_DISCIPLINE)):
        raise PermissionDeniedError(f"Only a prescriber or nurse on the patient's care team may {what}.")


def require_prescriber_on_team(actor: Any, patient: Patient, what: str) -> None:
    if not (on_care_team(actor, patient) and is_active_clinician_of(actor, PRESCRIBER_DISCIPLINE)):
        raise PermissionDeniedError(f"Only a prescriber on the patient's care team may {what}.")


def require_therapist_on_team(actor: Any, patient: Patient, what: str) -> None:
    if not (on_care_team(actor, patient) and is_active_clinician_of(actor, THERAPIST_DISCIPLINE)):
        raise PermissionDeniedError(f"Only a therapist on the patient's care team may {what}.")


def text(value: Any, *, field: str, label: str, max_length: int, required: bool = False) -> str:
    value = "" if value is None else str(value).strip()
    if required and not value:
        raise ValidationFailed(f"{label} is required.", field=field)
    if len(value) > max_length:
        raise ValidationFailed(f"{label} is longer than {max_length} characters.", field=field)
    return value


# Whole numbers fit a PostgreSQL integer; decimals have at most this many digits before the point
# (the widest clinical decimal column, a weight in grams or a dose in micrograms, needs far fewer).
LARGEST_WHOLE = 2_147_483_647
LARGEST_DECIMAL_DIGITS = 9


def whole_number(value: Any, *, field: str, label: str, required: bool = False) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise ValidationFailed(f"{label} is required.", field=field)
        return None
    if isinstance(value, bool):
        raise ValidationFailed(f"{label} must be a whole number.", field=field)
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ValidationFailed(f"{label} must be a whole number.", field=field) from None
    if not number.is_finite() or number != number.to_integral_value():
        raise ValidationFailed(f"{label} must be a whole number.", field=field)
    if abs(number) > LARGEST_WHOLE:
        raise ValidationFailed(f"{label} is too large (at most {LARGEST_WHOLE:,}).", field=field)
    return int(number)


def decimal_number(value: Any, *, field: str, label: str, places: int = 2) -> Decimal:
    if value is None or (isinstance(value, str) and not value.strip()) or isinstance(value, bool):
        raise ValidationFailed(f"{label} is required.", field=field)
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ValidationFailed(f"{label} must be a number.", field=field) from None
    if not number.is_finite():
        raise ValidationFailed(f"{label} must be a number.", field=field)
    if number and number.adjusted() >= LARGEST_DECIMAL_DIGITS:
        # Before quantize, which raises InvalidOperation for a number wider than the context (1e308).
        raise ValidationFailed(f"{label} is too large.", field=field)
    quantum = Decimal(1).scaleb(-places)
    if number != number.quantize(quantum):
        raise ValidationFailed(f"{label} allows at most {places} decimal places.", field=field)
    return number.quantize(quantum)


def boolean(value: Any, *, field: str, label: str, required: bool = False) -> bool | None:
    if value is None or value == "":
        if required:
            raise ValidationFailed(f"Answer “{label}” (yes or no).", field=field)
        return None
    if isinstance(value, bool):
        return value
    lowered = str(value).strip().lower()
    if lowered in ("true", "yes", "on", "1"):
        return True
    if lowered in ("false", "no", "off", "0"):
        return False
    raise ValidationFailed(f"“{label}” must be yes or no.", field=field)


def choice(value: Any, *, field: str, label: str, choices: Any, required: bool = True) -> str:
    value = "" if value is None else str(value).strip()
    if not value:
        if required:
            raise ValidationFailed(f"Choose {label}.", field=field)
        return ""
    if value not in choices.values:
        raise ValidationFailed(f"Unknown {label} {value!r}; choose from {', '.join(choices.values)}.", field=field)
    return value


def fmt(number: Decimal | int | float) -> str:
    """A number as people write it: 0.50 → 0.5, 28.00 → 28."""
    d = Decimal(str(number))
    text_ = format(d.normalize(), "f")
    return text_


__all__ = [
    "ApplicationError",
    "GateRefused",
    "InputRefused",
    "RecordSigned",
    "is_active_user",
]
