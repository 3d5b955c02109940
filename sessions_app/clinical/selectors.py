"""Permission-scoped reads of clinical records: dosing pages, notes, the chart's dosing history.

Who sees what (PRODUCT.md roles; reliability.md A3):
- clinical records (dosing, preparation, integration, follow-up checks) are read by clinicians on
  the patient's care team; a clinician without that relationship gets a 404 (audited), a
  practice admin a 403 (no clinical content), a patient a 404 (the portal does not show them);
- psychotherapy notes are read by their author only: 404 for everyone else, whatever the role;
Reads that load a page run a fixed number of queries whatever the number of rows.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum
from django.http import Http404
from django.utils import timezone

from kap_clinic.accounts.models import User
from kap_clinic.accounts.permissions import CLINICIAN, user_has_role, user_is_active
from kap_clinic.audit.models import AuditEvent
from kap_clinic.audit.services import audit_record
from kap_clinic.common import clock
from patients.models import Patient
from patients.selectors import care_team_for, clinical_content_refused, patient_list_visible_to
from sessions_app.clinical import gates
from sessions_app.clinical.models.dosing import (
    Administration,
    AdverseEvent,
    Discharge,
    DosingRecord,
    GateOverride,
    Medication,
    Observation,
    Route,
    VitalsReading,
)
from sessions_app.clinical.models.followup import FollowUpCheck
from sessions_app.clinical.models.notes import (
    Addendum,
    IntegrationRecord,
    PreparationRecord,
    PsychotherapyNote,
)
from sessions_app.inventory.models import InventoryLot
from sessions_app.inventory.selectors import usable_lots
from sessions_app.scheduling.models import Session
from sessions_app.scheduling.selectors import session_get_for


def _not_found(user: Any, target_type: str, public_id: Any, what: str) -> Http404:
    if user_is_active(user):
        audit_record(
            actor=user,
            action="clinical_record.access_denied",
            target_type=target_type,
            target_public_id=str(public_id),
            outcome=AuditEvent.Outcome.DENIED,
        )
    return Http404(f"No {what} matches the given query.")


def require_clinical_reader(user: Any) -> None:
    """Clinical pages are for clinicians: an admin gets 403, a patient 404 (nothing to see here)."""
    if not user_is_active(user):
        raise Http404
    if clinical_content_refused(user):
        raise PermissionDenied("Practice admins do not see clinical content.")
    if not user_has_role(user, CLINICIAN):
        raise Http404


def clinical_session_get_for(*, user: Any, public_id: uuid.UUID | str, kind: str | None = None) -> Session:
    """A session whose clinical record the user may read (see the module docstring)."""
    require_clinical_reader(user)
    session = session_get_for(user=user, public_id=public_id)
    if kind is not None and session.kind != kind:
        raise Http404("No session of this kind matches the given query.")
    return session


def clinical_patients(user: Any) -> QuerySet[Patient]:
    if not user_has_role(user, CLINICIAN):
        return Patient.objects.none()
    return patient_list_visible_to(user)


def _scoped_get(qs: QuerySet, *, user: Any, public_id: Any, patient_path: str, what: str) -> Any:
    require_clinical_reader(user)
    try:
        return qs.filter(**{f"{patient_path}__in": clinical_patients(user)}).get(public_id=public_id)
    except (qs.model.DoesNotExist, ValueError, TypeError, ValidationError):
        raise _not_found(user, qs.model._meta.label_lower, public_id, what) from None


def dosing_record_get_for(*, user: Any, public_id: Any) -> DosingRecord:
    qs = DosingRecord.objects.select_related("session", "patient")
    return _scoped_get(qs, user=user, public_id=public_id, patient_path="patient", what="dosing record")


def vitals_get_for(*, user: Any, public_id: Any) -> VitalsReading:
    qs = VitalsReading.objects.select_related("dosing", "dosing__patient")
    return _scoped_get(qs, user=user, public_id=public_id, patient_path="dosing__patient", what="reading")


def administration_get_for(*, user: Any, public_id: Any) -> Administration:
    qs = Administration.objects.select_related("dosing", "dosing__patient", "lot")
    return _scoped_get(qs, user=user, public_id=public_id, patient_path="dosing__patient", what="dose")


def preparation_get_for(*, user: Any, public_id: Any) -> PreparationRecord:
    qs = PreparationRecord.objects.select_related("session", "patient", "author", "signed_by")
    return _scoped_get(qs, user=user, public_id=public_id, patient_path="patient", what="preparation record")


def integration_get_for(*, user: Any, public_id: Any) -> IntegrationRecord:
    qs = IntegrationRecord.objects.select_related("session", "patient", "author", "signed_by", "dosing_record")
    return _scoped_get(qs, user=user, public_id=public_id, patient_path="patient", what="integration record")


def integration_dosing_for(session: Session) -> DosingRecord | None:
    """The dosing record an integration session follows: its ``follows`` session, else the latest before it."""
    if session.follows_id:
        found = DosingRecord.objects.filter(session_id=session.follows_id).first()
        if found is not None:
            return found
    return (
        DosingRecord.objects.filter(patient_id=session.patient_id, session__starts_at__lt=session.starts_at)
        .order_by("-session__starts_at")
        .first()
    )


# --- the dosing page ---------------------------------------------------------------------------------


@dataclass
class Reminder:
    due_at: dt.datetime | None
    overdue: bool
    label: str


def vitals_reminder(state: gates.DosingState, *, discharged: bool = False) -> Reminder:
    """When the next reading is due: every 15 min after the dose starts, and the 40-minute BP
    re-check after an esketamine or IV start (settings). Nothing is due before the dose or after
    discharge."""
    start = state.first_dose_at
    if start is None or discharged:
        return Reminder(None, False, "")
    settings = state.settings
    readings = [v for v in state.live_vitals if v.taken_at >= start]
    last = readings[-1].taken_at if readings else start
    due = last + dt.timedelta(minutes=settings.vitals_interval_minutes)
    label = "Vitals"
    if state.dosing.is_esketamine or state.dosing.route == Route.IV:
        recheck = start + dt.timedelta(minutes=settings.bp_recheck_minutes)
        window = dt.timedelta(minutes=5)
        recheck_done = any(abs(v.taken_at - recheck) <= window and v.systolic is not None for v in readings)
        if not recheck_done and recheck <= due and (state.at <= recheck + window):
            due, label = recheck, f"{settings.bp_recheck_minutes}-minute BP re-check"
    return Reminder(due, state.at >= due, label)


def bp_at(state: gates.DosingState, minutes: int, window: int = 10) -> VitalsReading | None:
    """The reading closest to ``minutes`` after the first dose (within ``window`` minutes)."""
    start = state.first_dose_at
    if start is None:
        return None
    target = start + dt.timedelta(minutes=minutes)
    candidates = [
        v
        for v in state.live_vitals
        if v.systolic is not None and abs(v.taken_at - target) <= dt.timedelta(minutes=window)
    ]
    return min(candidates, key=lambda v: abs(v.taken_at - target), default=None)


@dataclass
class DosingPage:
    """What the live dosing page shows, built in a fixed number of queries."""

    state: gates.DosingState
    checks: list[gates.Check]
    gate: gates.BpGate
    reminder: Reminder
    discharge: Discharge | None
    observations: list[Observation]
    adverse_events: list[AdverseEvent]
    addenda: list[Addendum]
    lots: list[InventoryLot]
    prescribers: list[User]
    earliest_discharge: dt.datetime | None
    minimum_observation: int
    dose_range: tuple[Decimal, Decimal, str]
    latest_weight: Any
    rems: dict[str, Any] = field(default_factory=dict)

    @property
    def dosing(self) -> DosingRecord:
        return self.state.dosing

    @property
    def vitals_newest_first(self) -> list[VitalsReading]:
        return list(reversed(self.state.vitals))

    @property
    def unmet(self) -> list[gates.Check]:
        return gates.unmet_hard_checks(self.checks)

    @property
    def can_dose(self) -> bool:
        return not self.unmet and self.discharge is None and self.dosing.signed_at is None

    @property
    def running(self) -> list[Administration]:
        return [a for a in self.state.doses if a.ended_at is None]

    @property
    def minutes_since_start(self) -> int | None:
        start = self.state.first_dose_at
        return None if start is None else int((self.state.at - start).total_seconds() // 60)

    @property
    def minutes_since_end(self) -> int | None:
        end = self.state.dose_ended_at
        return None if end is None else int((self.state.at - end).total_seconds() // 60)

    @property
    def discharge_ready_in(self) -> int | None:
        if self.earliest_discharge is None:
            return None
        return max(0, int((self.earliest_discharge - self.state.at).total_seconds() // 60 + 0.999))

    @property
    def dose_range_text(self) -> str:
        low, high, unit = self.dose_range
        return f"{format(low.normalize(), 'f')}–{format(high.normalize(), 'f')} {unit}"

    @property
    def total_dose_mg(self) -> Decimal:
        return sum((a.dose_mg for a in self.state.doses), Decimal(0))

    @property
    def overrides(self) -> list[GateOverride]:
        return self.state.overrides


def dosing_page(dosing: DosingRecord, *, at: dt.datetime | None = None) -> DosingPage:
    """Everything for the dosing page: record, vitals, doses, overrides, checks, discharge, lots."""
    state = gates.load_state(dosing, at=at)
    discharge = Discharge.objects.filter(dosing=dosing).select_related("discharged_by").first()
    observations = list(Observation.objects.filter(dosing=dosing).select_related("recorded_by"))
    events = list(AdverseEvent.objects.filter(dosing=dosing).select_related("recorded_by"))
    addenda = list(Addendum.objects.filter(dosing_record=dosing).select_related("author"))
    checks = gates.predose_checks(state) if dosing.signed_at is None or state.doses else []
    today = clock.to_local(state.at).date()
    lots = list(usable_lots(dosing.medication, today)) if dosing.signed_at is None and discharge is None else []
    prescribers = list(care_team_prescribers(state.dosing.patient)) if dosing.signed_at is None else []
    page = DosingPage(
        state=state,
        checks=checks,
        gate=gates.bp_gate(state),
        reminder=vitals_reminder(state, discharged=discharge is not None),
        discharge=discharge,
        observations=observations,
        adverse_events=events,
        addenda=addenda,
        lots=lots,
        prescribers=prescribers,
        earliest_discharge=gates.earliest_discharge(state),
        minimum_observation=gates.minimum_observation_minutes(state.dosing, state.settings),
        dose_range=gates.dose_range(state.dosing, state.settings),
        latest_weight=state.weight_on(today),
    )
    if state.dosing.is_esketamine:
        page.rems = rems_summary(state)
    return page


def rems_summary(state: gates.DosingState) -> dict[str, Any]:
    """What the esketamine REMS patient monitoring form asks, read from the record."""
    pre = gates.latest_predose_bp(state)
    at40 = bp_at(state, state.settings.bp_recheck_minutes)
    last = next((v for v in reversed(state.live_vitals) if v.systolic is not None), None)
    doses = state.doses
    return {
        "dose_mg": sum((a.dose_mg for a in doses), Decimal(0)),
        "devices": len(state.devices),
        "lots": sorted({a.lot.lot_number for a in doses}),
        "bp_before": pre,
        "bp_at_40": at40,
        "bp_at_end": last,
    }


def care_team_prescribers(patient: Patient) -> QuerySet[User]:
    on_team = care_team_for(patient).filter(clinician=OuterRef("pk"))
    return User.objects.filter(
        Exists(on_team), is_active=True, role=User.Role.CLINICIAN, discipline=User.Discipline.PRESCRIBER
    ).order_by("full_name")


# --- notes -------------------------------------------------------------------------------------------


def psychotherapy_notes_for(user: Any, *, patient: Patient | None = None) -> QuerySet[PsychotherapyNote]:
    """The user's own psychotherapy notes (nobody reads anyone else's)."""
    if not user_has_role(user, CLINICIAN):
        return PsychotherapyNote.objects.none()
    qs = PsychotherapyNote.objects.filter(author=user).select_related("patient", "session")
    if patient is not None:
        qs = qs.filter(patient=patient)
    return qs.order_by("-created_at")


def psychotherapy_note_get_for(*, user: Any, public_id: Any) -> PsychotherapyNote:
    """A psychotherapy note, for its author only: 404 (audited) for everyone else, whatever the role."""
    try:
        return (
            psychotherapy_notes_for(user)
            .prefetch_related("addenda__author")
            .select_related("signed_by", "author")
            .get(public_id=public_id)
        )
    except (PsychotherapyNote.DoesNotExist, ValueError, TypeError, ValidationError):
        raise _not_found(user, "sessions_app.psychotherapynote", public_id, "note") from None


@dataclass
class UnsignedItem:
    kind: str
    label: str
    patient: Patient
    created_at: dt.datetime
    url_name: str
    url_id: uuid.UUID


def unsigned_records_for(user: Any, *, older_than_hours: int, limit: int = 50) -> list[UnsignedItem]:
    """Records the user must sign that have waited longer than ``older_than_hours`` (the dashboard)."""
    if not user_has_role(user, CLINICIAN):
        return []
    cutoff = timezone.now() - dt.timedelta(hours=older_than_hours)
    items: list[UnsignedItem] = []
    for dosing in DosingRecord.objects.filter(
        responsible_clinician=user, signed_at__isnull=True, created_at__lt=cutoff
    ).select_related("patient", "session")[:limit]:
        items.append(
            UnsignedItem(
                "dosing",
                "Dosing record",
                dosing.patient,
                dosing.created_at,
                "sessions_app:dosing",
                dosing.session.public_id,
            )
        )
    for prep in PreparationRecord.objects.filter(
        author=user, signed_at__isnull=True, created_at__lt=cutoff
    ).select_related("patient", "session")[:limit]:
        items.append(
            UnsignedItem(
                "preparation",
                "Preparation record",
                prep.patient,
                prep.created_at,
                "sessions_app:preparation",
                prep.session.public_id,
            )
        )
    for rec in IntegrationRecord.objects.filter(
        author=user, signed_at__isnull=True, created_at__lt=cutoff
    ).select_related("patient", "session")[:limit]:
        items.append(
            UnsignedItem(
                "integration",
                "Integration record",
                rec.patient,
                rec.created_at,
                "sessions_app:integration",
                rec.session.public_id,
            )
        )
    for note in PsychotherapyNote.objects.filter(
        author=user, signed_at__isnull=True, created_at__lt=cutoff
    ).select_related("patient")[:limit]:
        items.append(
            UnsignedItem(
                "psychotherapy",
                "Psychotherapy note",
                note.patient,
                note.created_at,
                "sessions_app:psychotherapy_note",
                note.public_id,
            )
        )
    return sorted(items, key=lambda i: i.created_at)[:limit]


# --- chart: cumulative dose, follow-up ---------------------------------------------------------------


@dataclass
class CumulativeDose:
    medication: str
    label: str
    total_mg: Decimal
    sessions: int
    doses: int

    @property
    def total_text(self) -> str:
        return format(self.total_mg.normalize(), "f")


def cumulative_doses(patient: Patient) -> list[CumulativeDose]:
    """Total ketamine and esketamine given to the patient (voided doses excluded). One query."""
    rows = (
        Administration.objects.filter(dosing__patient=patient, voided_at__isnull=True)
        .values("medication")
        .annotate(total=Sum("dose_mg"), sessions=Count("dosing", distinct=True), doses=Count("id"))
        .order_by("medication")
    )
    return [
        CumulativeDose(r["medication"], Medication(r["medication"]).label, r["total"], r["sessions"], r["doses"])
        for r in rows
    ]


def dosing_history(patient: Patient, *, limit: int = 20) -> list[DosingRecord]:
    """The patient's dosing records, newest first, each with ``total_text`` (mg given, voided doses excluded)."""
    records = list(
        DosingRecord.objects.filter(patient=patient)
        .select_related("session", "discharge")
        .annotate(total_mg=Sum("administrations__dose_mg", filter=Q(administrations__voided_at__isnull=True)))
        .order_by("-session__starts_at")[:limit]
    )
    for record in records:
        record.total_text = format(record.total_mg.normalize(), "f") if record.total_mg is not None else ""
    return records


def follow_up_checks(patient: Patient, *, limit: int = 5) -> QuerySet[FollowUpCheck]:
    return FollowUpCheck.objects.filter(patient=patient).select_related("recorded_by", "session")[:limit]


@dataclass
class RecordLink:
    """One clinical record reachable from a session page: what it is, where it is, its state."""

    label: str
    url_name: str
    session_public_id: uuid.UUID
    state: str  # "signed", "unsigned", "not written", "recorded"
    when: dt.datetime | None = None
    addenda: int = 0
    testid: str = ""


def session_clinical_records(*, user: Any, session: Session) -> list[RecordLink] | None:
    """The clinical records of a session and those linked to it, for the session page.

    None for anyone who does not read this patient's clinical record (practice admins, clinicians
    off the care team): the session page then shows no clinical links. Psychotherapy notes are
    never listed here (their author finds them on the chart and in their own list). A fixed
    number of queries.
    """
    if not user_has_role(user, CLINICIAN):
        return None
    if not clinical_patients(user).filter(pk=session.patient_id).exists():
        return None
    links: list[RecordLink] = []

    def state_of(record: Any, *, signable: bool = True) -> str:
        if record is None:
            return "not written"
        if not signable:
            return "recorded"
        return "signed" if record.signed_at else "unsigned"

    def add(label: str, url_name: str, linked: Session, record: Any, testid: str, *, signable: bool = True) -> None:
        addenda = getattr(record, "addenda_count", 0) if record is not None else 0
        links.append(
            RecordLink(
                label,
                url_name,
                linked.public_id,
                state_of(record, signable=signable),
                linked.starts_at,
                addenda,
                testid,
            )
        )

    if session.kind == Session.Kind.DOSING:
        dosing = DosingRecord.objects.filter(session=session).annotate(addenda_count=Count("addenda")).first()
        add("Dosing record", "sessions_app:dosing", session, dosing, "record-dosing")
        preparation = (
            PreparationRecord.objects.filter(patient_id=session.patient_id, session__starts_at__lt=session.starts_at)
            .select_related("session")
            .annotate(addenda_count=Count("addenda"))
            .order_by("-session__starts_at")
            .first()
        )
        if preparation is not None:
            add("Preparation before it", "sessions_app:preparation", preparation.session, preparation, "record-prep")
        if dosing is not None:
            for integration in (
                IntegrationRecord.objects.filter(dosing_record=dosing)
                .select_related("session")
                .annotate(addenda_count=Count("addenda"))
                .order_by("session__starts_at")
            ):
                add("Integration after it", "sessions_app:integration", integration.session, integration, "record-int")
    elif session.kind == Session.Kind.PREPARATION:
        record = PreparationRecord.objects.filter(session=session).annotate(addenda_count=Count("addenda")).first()
        add("Preparation record", "sessions_app:preparation", session, record, "record-prep")
    elif session.kind == Session.Kind.INTEGRATION:
        record = (
            IntegrationRecord.objects.filter(session=session)
            .select_related("dosing_record__session")
            .annotate(addenda_count=Count("addenda"))
            .first()
        )
        add("Integration record", "sessions_app:integration", session, record, "record-int")
        check = FollowUpCheck.objects.filter(session=session).first()
        add("Follow-up questions", "sessions_app:follow_up_check", session, check, "record-follow-up", signable=False)
        dosing = record.dosing_record if record is not None else integration_dosing_for(session)
        if dosing is not None:
            dosing.addenda_count = dosing.addenda.count()
            add("Dosing session it follows", "sessions_app:dosing", dosing.session, dosing, "record-dosing")
    elif session.kind == Session.Kind.FOLLOW_UP:
        check = FollowUpCheck.objects.filter(session=session).first()
        add("Follow-up questions", "sessions_app:follow_up_check", session, check, "record-follow-up", signable=False)
    return links
