"""Permission-scoped reads of patients. Every view and API endpoint fetches patients through here.

Access rules (PRODUCT.md, roles):
- a clinician sees the patients whose care team they are on; anyone else is a 404;
- a practice admin sees every patient's demographics and schedule, but clinical content is a 403;
- a patient sees only their own record, read-only, through the portal.

Each object-level rule is one function here, called by every service, selector, view and API view
that needs it (role-only rules live in ``kap_clinic.accounts.permissions``):
- the care team: ``care_team_memberships_of`` (the one query) and ``user_is_on_care_team``;
- admins see no clinical content: ``clinical_content_refused``.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from kap_clinic.accounts.models import User
from kap_clinic.accounts.permissions import CLINICIAN, is_active_clinician_of, user_has_role, user_is_active
from kap_clinic.audit.models import AuditEvent
from kap_clinic.audit.services import audit_record
from kap_clinic.common.errors import PermissionDeniedError, ValidationFailed

from . import instruments
from .models import (
    Assessment,
    CareTeamMembership,
    Condition,
    EligibilityDecision,
    IntakeAssessment,
    InteractionClass,
    Medication,
    Patient,
    PatientCondition,
    SafetyFlag,
    WeightMeasurement,
)


def care_team_memberships_of(user: Any) -> QuerySet[CareTeamMembership]:
    """The care-team rule, as a query: the active memberships of an active clinician (none for anyone else).

    The only place the care-team query is written; filter it by patient (or ``OuterRef``) to ask
    about one patient or to scope a list.
    """
    if not is_active_clinician_of(user):
        return CareTeamMembership.objects.none()
    return CareTeamMembership.objects.filter(clinician=user, active=True)


def user_is_on_care_team(*, user: Any, patient: Patient) -> bool:
    """Whether ``user`` is an active clinician on ``patient``'s active care team."""
    return care_team_memberships_of(user).filter(patient=patient).exists()


def clinical_content_refused(user: Any) -> bool:
    """The "practice admins see no clinical content" rule (PRODUCT.md roles).

    Clinical content is assessment answers, intake, notes: anything beyond demographics and
    schedule. Callers turn a True into their 403 (or simply leave the content out).
    """
    return bool(getattr(user, "is_practice_admin", False))


def patient_list_visible_to(user: Any) -> QuerySet[Patient]:
    """Patients the user has a relationship to (see the module docstring)."""
    qs = Patient.objects.all()
    if not user_is_active(user):
        return qs.none()
    if user.is_practice_admin:
        return qs
    if user.is_clinician:
        return qs.filter(Exists(care_team_memberships_of(user).filter(patient=OuterRef("pk"))))
    if user.is_patient:
        return qs.filter(user=user)
    return qs.none()


def patient_get_for(*, user: Any, public_id: uuid.UUID | str, write: bool = False, clinical: bool = False) -> Patient:
    """The patient, if ``user`` may use it the way asked.

    404 when the user has no relationship to the patient (the attempt is audited), 403 when
    they may see it but not like this: an admin asking for clinical content, a patient asking
    to write. ``clinical`` means assessment answers, intake, notes: anything beyond
    demographics and schedule.
    """
    try:
        patient = patient_list_visible_to(user).get(public_id=public_id)
    except (Patient.DoesNotExist, ValueError, TypeError, ValidationError):
        if user_is_active(user):
            audit_record(
                actor=user,
                action="patient.access_denied",
                target_type="patients.patient",
                target_public_id=str(public_id),
                outcome=AuditEvent.Outcome.DENIED,
            )
        raise Http404("No patient matches the given query.") from None
    if clinical and clinical_content_refused(user):
        raise PermissionDenied("Practice admins do not see clinical content.")
    if write and user.is_patient:
        raise PermissionDenied("Patients cannot change their record here.")
    return patient


def patient_open_chart(*, user: Any, public_id: uuid.UUID | str) -> Patient:
    """Fetch a patient for their chart page and record that the chart was viewed."""
    patient = patient_get_for(user=user, public_id=public_id)
    audit_record(actor=user, action="patient.viewed", target=patient, patient=patient)
    return patient


def care_team_for(patient: Patient) -> QuerySet[CareTeamMembership]:
    return patient.care_team.filter(active=True).select_related("clinician").order_by("clinician__full_name")


# --- patient list: search, filters, allow-listed sorting ----------------------------------------

# Sort keys the list pages and the API accept (anything else is refused): key -> ORDER BY.
PATIENT_SORTS: dict[str, tuple[str, ...]] = {
    "name": ("legal_last_name", "legal_first_name", "id"),
    "-name": ("-legal_last_name", "-legal_first_name", "-id"),
    "dob": ("date_of_birth", "id"),
    "-dob": ("-date_of_birth", "-id"),
    "mrn": ("mrn",),
    "-mrn": ("-mrn",),
    "status": ("status", "legal_last_name", "id"),
    "-status": ("-status", "legal_last_name", "id"),
    "created": ("created_at", "id"),
    "-created": ("-created_at", "-id"),
}
DEFAULT_SORT = "name"
_MRN_QUERY = re.compile(r"^(?:kap-?)?(\d{3,8})$", re.IGNORECASE)
_DATE_FORMATS = ("%Y-%m-%d", "%m/%d/%Y")


def _parse_date(text: str) -> dt.date | None:
    for fmt in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt).date()  # noqa: DTZ007 - a calendar date, no time
        except ValueError:
            continue
    return None


def patient_search(
    *, user: Any, q: str = "", status: str = "", condition: str = "", clinician: str = "", sort: str = ""
) -> QuerySet[Patient]:
    """Visible patients matching a search and filters, in an allow-listed order.

    ``q`` matches a date of birth (YYYY-MM-DD or MM/DD/YYYY), an MRN (with or without "KAP-"), or
    names: every word must start a legal first, legal last or preferred name. ``condition`` is
    clinical, so practice admins may not filter by it (403). Bad values raise ValidationFailed naming
    the parameter. Rows carry what the list shows without N+1 queries: conditions and the open-flag
    mark (clinicians only), and the care-team lead.
    """
    qs = patient_list_visible_to(user)
    q = (q or "").strip()
    if len(q) > 100:
        raise ValidationFailed("Search text is limited to 100 characters.", field="q")
    if q:
        when = _parse_date(q)
        mrn = _MRN_QUERY.match(q)
        if when:
            qs = qs.filter(date_of_birth=when)
        elif mrn:
            qs = qs.filter(mrn__icontains=mrn.group(1))
        else:
            for word in re.findall(r"[\w'-]+", q)[:5]:
                qs = qs.filter(
                    Q(legal_last_name__istartswith=word)
                    | Q(legal_first_name__istartswith=word)
                    | Q(preferred_name__istartswith=word)
                )
    if status:
        if status not in Patient.Status.values:
            raise ValidationFailed(
                f"Unknown status {status!r}; choose from {', '.join(Patient.Status.values)}.", field="status"
            )
        qs = qs.filter(status=status)
    if condition:
        if clinical_content_refused(user):
            raise PermissionDeniedError(
                "Practice admins cannot filter patients by clinical condition.", field="condition"
            )
        if condition not in Condition.values:
            raise ValidationFailed(
                f"Unknown condition {condition!r}; choose from {', '.join(Condition.values)}.", field="condition"
            )
        qs = qs.filter(Exists(PatientCondition.objects.filter(patient=OuterRef("pk"), condition=condition)))
    if clinician:
        try:
            clinician_id = uuid.UUID(str(clinician))
        except ValueError:
            raise ValidationFailed("clinician must be a staff member's id (a UUID).", field="clinician") from None
        on_team = CareTeamMembership.objects.filter(
            patient=OuterRef("pk"), clinician__public_id=clinician_id, active=True
        )
        qs = qs.filter(Exists(on_team))
    sort = sort or DEFAULT_SORT
    if sort not in PATIENT_SORTS:
        raise ValidationFailed(f"Unknown sort {sort!r}; choose from {', '.join(PATIENT_SORTS)}.", field="sort")
    qs = qs.order_by(*PATIENT_SORTS[sort])
    leads = CareTeamMembership.objects.filter(active=True, is_lead=True).select_related("clinician")
    qs = qs.prefetch_related(Prefetch("care_team", queryset=leads, to_attr="lead_memberships"))
    if user_has_role(user, CLINICIAN):
        open_flags = SafetyFlag.objects.filter(patient=OuterRef("pk"), acknowledged_at__isnull=True)
        qs = qs.annotate(has_open_safety_flag=Exists(open_flags)).prefetch_related("conditions")
    return qs


def clinicians_for_filter() -> QuerySet[User]:
    """Active clinicians: the patient list's clinician filter and the care-team form's choices."""
    return User.objects.filter(role=User.Role.CLINICIAN, is_active=True).order_by("full_name")


# --- assessments and safety flags ------------------------------------------------------------


def latest_assessment(
    *, patient: Patient, instrument: str, since: dt.datetime | None = None, until: dt.datetime | None = None
) -> Assessment | None:
    """The patient's most recent non-voided result for ``instrument`` (administered in [since, until])."""
    qs = Assessment.objects.filter(patient=patient, instrument=instrument, voided_at__isnull=True)
    if since is not None:
        qs = qs.filter(administered_at__gte=since)
    if until is not None:
        qs = qs.filter(administered_at__lte=until)
    return qs.order_by("-administered_at", "-id").first()


def assessment_list_for(*, patient: Patient, instrument: str | None = None) -> QuerySet[Assessment]:
    """All results for the patient (voided ones included, marked), newest first."""
    qs = Assessment.objects.filter(patient=patient).select_related("recorded_by")
    if instrument and instrument not in instruments.REGISTRY:
        raise ValidationFailed(
            f"Unknown instrument {instrument!r}; choose from {', '.join(instruments.REGISTRY)}.", field="instrument"
        )
    if instrument:
        qs = qs.filter(instrument=instrument)
    return qs.order_by("-administered_at", "-id")


def assessment_get(*, patient: Patient, public_id: uuid.UUID | str) -> Assessment:
    """One of the patient's results (404 otherwise). Fetch the patient with patient_get_for(clinical=True) first."""
    try:
        return Assessment.objects.select_related("recorded_by", "voided_by").get(patient=patient, public_id=public_id)
    except (Assessment.DoesNotExist, ValueError, ValidationError):
        raise Http404("No assessment matches the given query.") from None


def open_safety_flags(patient: Patient) -> QuerySet[SafetyFlag]:
    return (
        SafetyFlag.objects.filter(patient=patient, acknowledged_at__isnull=True)
        .select_related("assessment")
        .order_by("-raised_at", "-id")
    )


def safety_flag_list_for(patient: Patient) -> QuerySet[SafetyFlag]:
    return SafetyFlag.objects.filter(patient=patient).select_related("assessment", "acknowledged_by")


def safety_flag_get(*, patient: Patient, public_id: uuid.UUID | str) -> SafetyFlag:
    try:
        return SafetyFlag.objects.select_related("patient", "assessment").get(patient=patient, public_id=public_id)
    except (SafetyFlag.DoesNotExist, ValueError, ValidationError):
        raise Http404("No safety flag matches the given query.") from None


def safety_flags_open_for_user(user: Any) -> QuerySet[SafetyFlag]:
    """Open alerts on the patients of the clinician's care teams (the dashboard panel). Nobody else sees them."""
    if not user_has_role(user, CLINICIAN):
        return SafetyFlag.objects.none()
    on_team = care_team_memberships_of(user).filter(patient=OuterRef("patient_id"))
    return (
        SafetyFlag.objects.filter(Exists(on_team), acknowledged_at__isnull=True)
        .select_related("patient", "assessment")
        .order_by("-raised_at", "-id")
    )


# --- intake and eligibility ----------------------------------------------------------------


def latest_intake(patient: Patient, at: dt.datetime | None = None) -> IntakeAssessment | None:
    qs = IntakeAssessment.objects.filter(patient=patient)
    if at is not None:
        qs = qs.filter(assessed_at__lte=at, created_at__lte=at)
    return qs.select_related("recorded_by").order_by("-assessed_at", "-id").first()


def intake_list_for(patient: Patient) -> QuerySet[IntakeAssessment]:
    return (
        IntakeAssessment.objects.filter(patient=patient).select_related("recorded_by").order_by("-assessed_at", "-id")
    )


def intake_get(*, patient: Patient, public_id: uuid.UUID | str) -> IntakeAssessment:
    try:
        return IntakeAssessment.objects.select_related("recorded_by", "suicide_screen").get(
            patient=patient, public_id=public_id
        )
    except (IntakeAssessment.DoesNotExist, ValueError, ValidationError):
        raise Http404("No intake matches the given query.") from None


def eligibility_decision_list_for(patient: Patient) -> QuerySet[EligibilityDecision]:
    return (
        EligibilityDecision.objects.filter(patient=patient)
        .select_related("decided_by", "intake")
        .order_by("-decided_at", "-id")
    )


def eligibility_max_age() -> dt.timedelta:
    """How long an eligibility decision counts (settings.ELIGIBILITY_MAX_AGE_DAYS, default 365 days)."""
    return dt.timedelta(days=int(getattr(settings, "ELIGIBILITY_MAX_AGE_DAYS", 365)))


@dataclass(frozen=True)
class EligibilityState:
    decision: EligibilityDecision | None
    is_current: bool
    reason: str


def eligibility_state(patient: Patient, at: dt.datetime | None = None) -> EligibilityState:
    """The eligibility that holds at ``at`` (default now), and why it does or does not count.

    It counts when the latest decision made by then is "eligible", is younger than
    ``eligibility_max_age()``, and no newer intake had been recorded by then (a new intake can
    reveal a new contraindication, so it needs a new decision).
    """
    at = at or timezone.now()
    decision = (
        EligibilityDecision.objects.filter(patient=patient, decided_at__lte=at)
        .select_related("decided_by", "intake")
        .order_by("-decided_at", "-id")
        .first()
    )
    if decision is None:
        return EligibilityState(None, False, "No eligibility decision yet.")
    if decision.decision != EligibilityDecision.Decision.ELIGIBLE:
        return EligibilityState(decision, False, f"The latest decision is “{decision.get_decision_display()}”.")
    max_age = eligibility_max_age()
    if at - decision.decided_at > max_age:
        return EligibilityState(
            decision, False, f"The decision is older than {max_age.days} days; a new decision is needed."
        )
    newer_intake = IntakeAssessment.objects.filter(
        patient=patient, assessed_at__gt=decision.intake.assessed_at, created_at__lte=at
    ).exclude(pk=decision.intake_id)
    if newer_intake.exists():
        return EligibilityState(decision, False, "A newer intake was recorded after this decision; decide again.")
    return EligibilityState(decision, True, "Eligible.")


def eligibility_is_current(patient: Patient, at: dt.datetime | None = None) -> bool:
    """Whether an "eligible" decision counts at ``at`` (default now). Dosing gates on this.

    See ``eligibility_state`` for the rules (decision age, superseding intake).
    """
    return eligibility_state(patient, at).is_current


# --- medications and weights ---------------------------------------------------------------


def medication_list_for(patient: Patient, *, current_only: bool = False) -> QuerySet[Medication]:
    qs = Medication.objects.filter(patient=patient)
    if current_only:
        qs = qs.filter(stopped_at__isnull=True)
    return qs.order_by("stopped_at", "name")


def medication_get(*, patient: Patient, public_id: uuid.UUID | str) -> Medication:
    try:
        return Medication.objects.select_related("patient").get(patient=patient, public_id=public_id)
    except (Medication.DoesNotExist, ValueError, ValidationError):
        raise Http404("No medication matches the given query.") from None


def interacting_classes(medications: Any) -> list[str]:
    """Labels of the interacting classes among current medications (for the chart header)."""
    found = {m.interaction_class for m in medications if m.interaction_class and m.stopped_at is None}
    return [InteractionClass(c).label for c in InteractionClass.values if c in found]


def latest_weight(patient: Patient, on: dt.date | None = None) -> WeightMeasurement | None:
    """The latest weight measured on or before ``on`` (default today) — the one mg/kg dosing uses."""
    qs = WeightMeasurement.objects.filter(patient=patient)
    if on is not None:
        qs = qs.filter(measured_on__lte=on)
    return qs.order_by("-measured_on", "-id").first()


def weight_list_for(patient: Patient) -> QuerySet[WeightMeasurement]:
    return WeightMeasurement.objects.filter(patient=patient).order_by("-measured_on", "-id")
