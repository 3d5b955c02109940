"""Writes to the patient record: registration, demographics and clinical details, status, care team,
medications and weights."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from kap_clinic.accounts.models import User
from kap_clinic.accounts.permissions import ADMIN, CLINICIAN, PATIENT, is_active_clinician_of, user_has_role
from kap_clinic.audit.services import audit_record
from kap_clinic.common.clock import clinic_date
from kap_clinic.common.errors import Conflict, InvalidTransition, PermissionDeniedError, ValidationFailed

from ..medications import guess_interaction_class
from ..models import (
    CareTeamMembership,
    Condition,
    InteractionClass,
    Medication,
    Patient,
    PatientCondition,
    PatientStatusChange,
    WeightMeasurement,
)
from ..selectors import care_team_memberships_of, eligibility_is_current
from ._common import (
    check_number,
    normalize_phone,
    require_care_team,
    require_staff,
    require_text,
)

Status = Patient.Status

# Demographics and contact details: any staff member who may see the patient (admins included).
DEMOGRAPHIC_FIELDS = (
    "legal_first_name",
    "legal_last_name",
    "preferred_name",
    "date_of_birth",
    "sex_at_birth",
    "gender",
    "email",
    "mobile",
    "address_line1",
    "address_line2",
    "city",
    "region",
    "postal_code",
    "country",
    "emergency_contact_name",
    "emergency_contact_relationship",
    "emergency_contact_phone",
    "reminder_email_opt_in",
    "reminder_sms_opt_in",
    "referring_provider",
    "referring_provider_contact",
)
# Clinical details: clinicians on the care team only (admins do not see them).
CLINICAL_FIELDS = ("conditions", "condition_other", "allergies", "no_known_allergies", "height_cm")

# Every status move the clinic allows. Anything else is refused with InvalidTransition naming both ends.
ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
    Status.REFERRED: frozenset({Status.SCREENING, Status.DISCHARGED}),
    Status.SCREENING: frozenset({Status.ELIGIBLE, Status.NOT_ELIGIBLE, Status.DISCHARGED}),
    Status.ELIGIBLE: frozenset({Status.IN_TREATMENT, Status.NOT_ELIGIBLE, Status.SCREENING, Status.DISCHARGED}),
    Status.NOT_ELIGIBLE: frozenset({Status.ELIGIBLE, Status.SCREENING, Status.DISCHARGED}),
    Status.IN_TREATMENT: frozenset({Status.MAINTENANCE, Status.NOT_ELIGIBLE, Status.DISCHARGED}),
    Status.MAINTENANCE: frozenset({Status.IN_TREATMENT, Status.NOT_ELIGIBLE, Status.DISCHARGED}),
    Status.DISCHARGED: frozenset({Status.REFERRED}),
}
# "Eligible" and "not eligible" follow a prescriber's eligibility decision; nobody sets them by hand.
DECISION_STATUSES = frozenset({Status.ELIGIBLE, Status.NOT_ELIGIBLE})
_STATUS_ORDER = list(Status.values)


def allowed_next_statuses(patient: Patient) -> list[str]:
    """Statuses a person may move this patient to by hand (for the chart's status menu)."""
    allowed = ALLOWED_TRANSITIONS.get(patient.status, frozenset()) - DECISION_STATUSES
    return sorted(allowed, key=_STATUS_ORDER.index)


def _label(status: str) -> str:
    return Status(status).label if status in Status.values else repr(status)


def _clean_fields(fields: dict[str, Any]) -> dict[str, Any]:
    """Validate and normalise record fields; raises ValidationFailed naming the field."""
    unknown = set(fields) - set(DEMOGRAPHIC_FIELDS) - set(CLINICAL_FIELDS)
    if unknown:
        name = sorted(unknown)[0]
        raise ValidationFailed(f"{name} is not a patient field that can be set.", field=name)
    cleaned: dict[str, Any] = {}
    for name, value in fields.items():
        if name in ("legal_first_name", "legal_last_name"):
            value = require_text(value, field=name, label=name.replace("_", " ").capitalize())
        elif name == "date_of_birth":
            if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
                raise ValidationFailed("Date of birth must be a date.", field=name)
            if value > clinic_date():
                raise ValidationFailed("Date of birth cannot be in the future.", field=name)
            if value.year < 1900:
                raise ValidationFailed("Date of birth cannot be before 1900.", field=name)
        elif name == "email":
            value = (value or "").strip().lower()
        elif name in ("mobile", "emergency_contact_phone"):
            label = "Mobile" if name == "mobile" else "Emergency contact phone"
            value = normalize_phone(value, field=name, label=label)
        elif name == "sex_at_birth":
            value = value or ""
            if value and value not in Patient.SexAtBirth.values:
                raise ValidationFailed(
                    f"Sex at birth must be one of {', '.join(Patient.SexAtBirth.values)}.", field=name
                )
        elif name == "country":
            value = (value or "").strip().upper()
            if value and not (len(value) == 2 and value.isalpha()):
                raise ValidationFailed("Country must be a two-letter ISO code, e.g. US.", field=name)
        elif name in ("reminder_email_opt_in", "reminder_sms_opt_in", "no_known_allergies"):
            if not isinstance(value, bool):
                raise ValidationFailed(f"{name} must be true or false.", field=name)
        elif name == "height_cm":
            value = check_number(value, field=name, label="Height", low=40, high=250, unit=" cm", decimal=True)
        elif name == "conditions":
            value = list(dict.fromkeys(value or []))
            for code in value:
                if code not in Condition.values:
                    raise ValidationFailed(
                        f"Unknown condition {code!r}; choose from {', '.join(Condition.values)}.", field=name
                    )
        elif isinstance(value, str) or value is None:
            value = (value or "").strip()
        cleaned[name] = value
    return cleaned


def _check_record_rules(patient: Patient) -> None:
    if patient.reminder_sms_opt_in and not patient.mobile:
        raise ValidationFailed("SMS reminders need a mobile number.", field="reminder_sms_opt_in")
    if patient.no_known_allergies and patient.allergies:
        raise ValidationFailed("Clear “no known allergies” or the allergy list: not both.", field="no_known_allergies")


def _save_conditions(patient: Patient, codes: list[str] | None, other: str | None) -> bool:
    """Replace the patient's primary conditions; True when anything changed."""
    current = {c.condition: c for c in patient.conditions.all()}
    wanted = list(current) if codes is None else codes
    changed = False
    for code, row in current.items():
        if code not in wanted:
            row.delete()
            changed = True
    for code in wanted:
        detail = (other or "") if code == Condition.OTHER else ""
        row = current.get(code)
        if row is None:
            PatientCondition.objects.create(patient=patient, condition=code, detail=detail)
            changed = True
        elif code == Condition.OTHER and other is not None and row.detail != detail:
            row.detail = detail
            row.save(update_fields=["detail", "updated_at"])
            changed = True
    return changed


@transaction.atomic
def patient_create(
    *,
    actor: User,
    legal_first_name: str,
    legal_last_name: str,
    date_of_birth: dt.date,
    email: str = "",
    preferred_name: str = "",
    **fields: Any,
) -> Patient:
    """Register a referred patient (status "referred").

    Any staff member may register a patient; clinical details (conditions, allergies, height)
    only a clinician. A clinician who registers a patient joins their care team as lead.
    Raises PermissionDeniedError, ValidationFailed (naming the field).
    """
    require_staff(actor)
    if not user_has_role(actor, CLINICIAN) and any(name in CLINICAL_FIELDS for name in fields):
        raise PermissionDeniedError(
            "Only clinicians record clinical details.", field=next(n for n in fields if n in CLINICAL_FIELDS)
        )
    cleaned = _clean_fields(
        {
            "legal_first_name": legal_first_name,
            "legal_last_name": legal_last_name,
            "date_of_birth": date_of_birth,
            "email": email,
            "preferred_name": preferred_name,
            **fields,
        }
    )
    conditions = cleaned.pop("conditions", [])
    condition_other = cleaned.pop("condition_other", "")
    patient = Patient(**cleaned)
    _check_record_rules(patient)
    patient.save()
    _save_conditions(patient, conditions, condition_other)
    audit_record(actor=actor, action="patient.created", target=patient, patient=patient, changed_fields=list(cleaned))
    if user_has_role(actor, CLINICIAN):
        CareTeamMembership.objects.create(patient=patient, clinician=actor, is_lead=True)
    return patient


@transaction.atomic
def patient_update(*, actor: User, patient: Patient, **fields: Any) -> Patient:
    """Change demographics (any staff member who sees the patient) or clinical details (care team only).

    Only the fields passed are touched; the audit event names the ones that actually changed.
    """
    require_staff(actor)
    clinical = [name for name in fields if name in CLINICAL_FIELDS]
    if clinical:
        require_care_team(actor, patient, "change clinical details")
    cleaned = _clean_fields(fields)
    conditions = cleaned.pop("conditions", None)
    condition_other = cleaned.pop("condition_other", None)
    patient = Patient.objects.select_for_update().get(pk=patient.pk)
    changed = [name for name, value in cleaned.items() if getattr(patient, name) != value]
    for name in changed:
        setattr(patient, name, cleaned[name])
    _check_record_rules(patient)
    if changed:
        patient.save(update_fields=[*changed, "updated_at"])
    if _save_conditions(patient, conditions, condition_other):
        changed.append("conditions")
    if changed:
        audit_record(actor=actor, action="patient.updated", target=patient, patient=patient, changed_fields=changed)
    return patient


@transaction.atomic
def patient_reminder_channels_set(*, actor: User, patient: Patient, email: bool, sms: bool) -> Patient:
    """A patient chooses, in the portal, the channels their reminders come by (per channel opt-out).

    Only the patient themself (staff change the same fields through ``patient_update``). SMS needs
    a mobile number on file (ValidationFailed on ``reminder_sms_opt_in``); email needs an address
    (on ``reminder_email_opt_in``). Reminders already planned are checked against the choice when
    they fall due, and the sessions app plans a newly chosen channel for upcoming sessions. Audited
    with the fields that changed.
    """
    if not (user_has_role(actor, PATIENT) and patient.user_id == actor.pk):
        raise PermissionDeniedError("Only the patient can change their own reminder choices here.")
    for name, value in (("reminder_email_opt_in", email), ("reminder_sms_opt_in", sms)):
        if not isinstance(value, bool):
            raise ValidationFailed(f"{name} must be true or false.", field=name)
    patient = Patient.objects.select_for_update().get(pk=patient.pk)
    if sms and not patient.mobile:
        raise ValidationFailed(
            "SMS reminders need a mobile number; please ask the clinic to add yours.", field="reminder_sms_opt_in"
        )
    if email and not patient.email:
        raise ValidationFailed(
            "Email reminders need an email address; please ask the clinic to add yours.",
            field="reminder_email_opt_in",
        )
    wanted = {"reminder_email_opt_in": email, "reminder_sms_opt_in": sms}
    changed = [name for name, value in wanted.items() if getattr(patient, name) != value]
    if changed:
        for name in changed:
            setattr(patient, name, wanted[name])
        patient.save(update_fields=[*changed, "updated_at"])
        audit_record(actor=actor, action="patient.updated", target=patient, patient=patient, changed_fields=changed)
    return patient


def _move_status(*, actor: User, patient: Patient, to_status: str, reason: str = "") -> PatientStatusChange | None:
    """Apply one move from the transition table (callers hold the row lock). No-op when already there."""
    if to_status not in Status.values:
        raise ValidationFailed(f"Unknown status {to_status!r}.", field="status")
    if patient.status == to_status:
        return None
    allowed = ALLOWED_TRANSITIONS[patient.status]
    if to_status not in allowed:
        options = ", ".join(_label(s) for s in sorted(allowed, key=_STATUS_ORDER.index))
        raise InvalidTransition(
            f"A patient cannot move from {_label(patient.status)} to {_label(to_status)}. "
            f"From {_label(patient.status)} the next status can be: {options}.",
            field="status",
            extra={"from": patient.status, "to": to_status},
        )
    change = PatientStatusChange.objects.create(
        patient=patient,
        from_status=patient.status,
        to_status=to_status,
        reason=reason,
        changed_by=actor,
        changed_at=timezone.now(),
    )
    patient.status = to_status
    patient.save(update_fields=["status", "updated_at"])
    audit_record(
        actor=actor, action="patient.status_changed", target=patient, patient=patient, changed_fields=["status"]
    )
    return change


@transaction.atomic
def patient_change_status(*, actor: User, patient: Patient, to_status: str, reason: str = "") -> Patient:
    """Move a patient along referred → screening → eligible / not eligible → in treatment → maintenance →
    discharged, following ``ALLOWED_TRANSITIONS``.

    Rules: only clinicians on the care team move a patient; "eligible" and "not eligible" come from a
    prescriber's eligibility decision (``eligibility_decide``), never by hand; starting treatment needs
    a current eligibility decision; discharge needs a reason. Each move is a PatientStatusChange row
    and an audit event. Raises InvalidTransition (409, naming from and to), Conflict, PermissionDeniedError.
    """
    require_care_team(actor, patient, "change a patient's status")
    patient = Patient.objects.select_for_update().get(pk=patient.pk)
    reason = (reason or "").strip()
    if to_status in DECISION_STATUSES and to_status != patient.status:
        raise InvalidTransition(
            f"{_label(to_status)} is set by a prescriber's eligibility decision, not by changing the status "
            f"(from {_label(patient.status)} to {_label(to_status)}).",
            field="status",
            extra={"from": patient.status, "to": to_status},
        )
    if to_status == Status.IN_TREATMENT and patient.status != to_status and not eligibility_is_current(patient):
        raise Conflict(
            "Treatment cannot start without a current eligibility decision of “eligible”.",
            field="status",
            extra={"from": patient.status, "to": to_status},
        )
    if to_status == Status.DISCHARGED and not reason:
        raise ValidationFailed("Give a reason for the discharge.", field="reason")
    _move_status(actor=actor, patient=patient, to_status=to_status, reason=reason)
    return patient


@transaction.atomic
def care_team_assign(*, actor: User, patient: Patient, clinician: User, is_lead: bool = False) -> CareTeamMembership:
    """Put a clinician on a patient's care team (admins only). Idempotent for an existing member.

    Making someone lead moves the lead role from the previous lead.
    """
    if not user_has_role(actor, ADMIN):
        raise PermissionDeniedError("Only a practice admin assigns care teams.")
    if not is_active_clinician_of(clinician):
        raise ValidationFailed("Only active clinicians can join a care team.", field="clinician")
    membership = care_team_memberships_of(clinician).filter(patient=patient).first()
    if membership and membership.is_lead == is_lead:
        return membership
    if is_lead:
        CareTeamMembership.objects.filter(patient=patient, active=True, is_lead=True).update(
            is_lead=False, updated_at=timezone.now()
        )
    if membership:
        membership.is_lead = is_lead
        membership.save(update_fields=["is_lead", "updated_at"])
        changed = ["is_lead"]
    else:
        membership = CareTeamMembership.objects.create(patient=patient, clinician=clinician, is_lead=is_lead)
        changed = ["clinician", "is_lead"]
    audit_record(actor=actor, action="care_team.assigned", target=membership, patient=patient, changed_fields=changed)
    return membership


@transaction.atomic
def care_team_remove(*, actor: User, membership: CareTeamMembership) -> None:
    """End a care-team membership. The row stays, inactive, as history."""
    if not user_has_role(actor, ADMIN):
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


@transaction.atomic
def medication_add(
    *,
    actor: User,
    patient: Patient,
    name: str,
    dose: str = "",
    interaction_class: str | None = None,
    started_on: dt.date | None = None,
) -> Medication:
    """Add a current medication (care team only).

    Without ``interaction_class`` the class is looked up from the name (benzodiazepines, lamotrigine,
    MAOIs, stimulants, opioids change ketamine monitoring); pass "" to record no class.
    """
    require_care_team(actor, patient, "record medications")
    name = require_text(name, field="name", label="Medication name")
    if interaction_class is None:
        interaction_class = guess_interaction_class(name)
    if interaction_class and interaction_class not in InteractionClass.values:
        raise ValidationFailed(
            f"Unknown interacting class {interaction_class!r}; choose from {', '.join(InteractionClass.values)}.",
            field="interaction_class",
        )
    if started_on and started_on > clinic_date():
        raise ValidationFailed("Start date cannot be in the future.", field="started_on")
    medication = Medication.objects.create(
        patient=patient,
        name=name,
        dose=(dose or "").strip(),
        interaction_class=interaction_class,
        started_on=started_on,
        recorded_by=actor,
    )
    audit_record(
        actor=actor,
        action="medication.added",
        target=medication,
        patient=patient,
        changed_fields=["name", "dose", "interaction_class", "started_on"],
    )
    return medication


@transaction.atomic
def medication_stop(*, actor: User, medication: Medication, reason: str) -> Medication:
    """Mark a medication stopped (the row stays, with who, when and why)."""
    require_care_team(actor, medication.patient, "record medications")
    reason = require_text(reason, field="reason", label="Reason for stopping")
    medication = Medication.objects.select_for_update().get(pk=medication.pk)
    if medication.stopped_at:
        raise Conflict("This medication is already recorded as stopped.", field="medication")
    medication.stopped_at = timezone.now()
    medication.stopped_by = actor
    medication.stop_reason = reason[:300]
    medication.save(update_fields=["stopped_at", "stopped_by", "stop_reason", "updated_at"])
    audit_record(
        actor=actor,
        action="medication.stopped",
        target=medication,
        patient=medication.patient,
        changed_fields=["stopped_at", "stop_reason"],
    )
    return medication


@transaction.atomic
def weight_record(
    *, actor: User, patient: Patient, weight_kg: Decimal | float | str, measured_on: dt.date | None = None
) -> WeightMeasurement:
    """Record a dated weight (care team only); mg/kg dosing uses the latest one."""
    require_care_team(actor, patient, "record weights")
    weight = check_number(weight_kg, field="weight_kg", label="Weight", low=20, high=400, unit=" kg", decimal=True)
    if weight is None:
        raise ValidationFailed("Weight is required.", field="weight_kg")
    measured_on = measured_on or clinic_date()
    if measured_on > clinic_date():
        raise ValidationFailed("The measurement date cannot be in the future.", field="measured_on")
    row = WeightMeasurement.objects.create(
        patient=patient, measured_on=measured_on, weight_kg=weight.quantize(Decimal("0.1")), recorded_by=actor
    )
    audit_record(
        actor=actor, action="weight.recorded", target=row, patient=patient, changed_fields=["weight_kg", "measured_on"]
    )
    return row
