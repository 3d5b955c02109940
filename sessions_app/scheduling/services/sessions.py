"""Booking, moving, cancelling sessions and moving them through their status machine.

Rules every write here enforces (the HTML pages, the calendar drag and the API all call these):
- No double booking: a clinician, a room or a patient is never in two overlapping sessions that
  are not cancelled. The service looks for clashes first (to name them); the database refuses
  what slips through a race (``booking_no_overlap`` on ``SessionResourceBooking``), and that
  refusal is turned into the same ``SlotUnavailable`` error naming the clash.
- Staffing: each session type says whether it needs a dosing-equipped room, a prescriber or
  nurse, and a therapist; every clinician on a session must be on the patient's care team.
- Working hours: booking a clinician outside their hours or into their time off is refused
  unless a practice admin overrides it with a reason (audited as ``session.hours_overridden``).
  Clashes are checked before hours, so an override is only ever asked for on a slot that is
  otherwise free (the calendar offers the admin an override on ``outside_working_hours`` only).
- Status: scheduled → confirmed → checked_in → in_progress → completed; cancelled or no_show.
  Anything else raises ``InvalidTransition``.
Every write records an audit event with the patient.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format

from kap_clinic.accounts.models import User
from kap_clinic.audit.services import audit_record
from kap_clinic.common import clock
from kap_clinic.common.errors import Conflict, InvalidTransition, PermissionDeniedError, ValidationFailed
from patients.models import CareTeamMembership, Patient
from patients.selectors import patient_list_visible_to
from sessions_app.reminders.services import reminders_replan_for_session
from sessions_app.scheduling.models import (
    BOOKING_OVERLAP_CONSTRAINT,
    Room,
    Session,
    SessionKind,
    SessionResourceBooking,
    SessionType,
    TimeOff,
    TreatmentCourse,
    WorkingHours,
)
from sessions_app.scheduling.services.clinic import session_types

MAX_SESSION_MINUTES = 12 * 60
R = SessionResourceBooking.ResourceKind


class SlotUnavailable(Conflict):
    """The time clashes with another session of the same clinician, room or patient."""

    code = "slot_unavailable"


class OutsideWorkingHours(Conflict):
    """A clinician is not working then (hours or time off) and no admin override was given."""

    code = "outside_working_hours"


# --- resources and clashes ----------------------------------------------------------------


@dataclass(frozen=True)
class Resource:
    kind: str  # SessionResourceBooking.ResourceKind
    key: int
    label: str  # how to name it in a message
    field: str  # the input it came from


@dataclass(frozen=True)
class Clash:
    resource: Resource
    starts_at: dt.datetime
    ends_at: dt.datetime
    session_kind: str

    @property
    def message(self) -> str:
        start, end = clock.to_local(self.starts_at), clock.to_local(self.ends_at)
        when = f"{date_format(start, 'D j M Y')} {start:%H:%M}–{end:%H:%M}"
        kind = SessionKind(self.session_kind).label.lower()
        if self.resource.kind == R.PATIENT:
            return f"The patient already has a {kind} session on {when}."
        return f"{self.resource.label} is already booked on {when} ({kind} session)."


def session_resources(
    *, patient: Patient, lead_clinician: User, additional_staff: Iterable[User] = (), room: Room | None = None
) -> list[Resource]:
    resources = [Resource(R.CLINICIAN, lead_clinician.pk, lead_clinician.full_name, "lead_clinician")]
    resources += [Resource(R.CLINICIAN, u.pk, u.full_name, "additional_staff") for u in additional_staff]
    if room is not None:
        resources.append(Resource(R.ROOM, room.pk, f"Room {room.name}", "room"))
    resources.append(Resource(R.PATIENT, patient.pk, "The patient", "starts_at"))
    return resources


def find_clashes(
    resources: Sequence[Resource], starts_at: dt.datetime, ends_at: dt.datetime, *, exclude: Session | None = None
) -> list[Clash]:
    """Active bookings of any of ``resources`` overlapping ``[starts_at, ends_at)``: one query."""
    if not resources:
        return []
    by_key = {(r.kind, r.key): r for r in resources}
    match = Q()
    for kind, key in by_key:
        match |= Q(resource_kind=kind, resource_id=key)
    qs = SessionResourceBooking.objects.filter(match, active=True, starts_at__lt=ends_at, ends_at__gt=starts_at)
    if exclude is not None and exclude.pk:
        qs = qs.exclude(session_id=exclude.pk)
    rows = qs.values_list("resource_kind", "resource_id", "starts_at", "ends_at", "session__kind").order_by("starts_at")
    return [Clash(by_key[(k, key)], s, e, kind) for k, key, s, e, kind in rows]


def _unavailable(clashes: Sequence[Clash]) -> SlotUnavailable:
    return SlotUnavailable(
        clashes[0].message,
        field=clashes[0].resource.field,
        extra={"clashes": [{"resource": c.resource.kind, "message": c.message} for c in clashes]},
    )


def _check_clashes(resources: Sequence[Resource], starts_at: dt.datetime, ends_at: dt.datetime, exclude=None) -> None:
    clashes = find_clashes(resources, starts_at, ends_at, exclude=exclude)
    if clashes:
        raise _unavailable(clashes)


def _lock_resources(resources: Sequence[Resource]) -> None:
    """PostgreSQL: take a transaction lock per resource, always in the same order, before inserting.

    Two transactions inserting overlapping rows under an exclusion constraint can each find the
    other's uncommitted row and wait for it: a deadlock, which PostgreSQL breaks by aborting one
    with an error (a 500 before this). With these locks the second booking of a clinician, room or
    patient waits for the first to commit, then meets its committed row as a plain constraint
    refusal that names the clash. Sorting the keys means two bookings never wait on each other.
    (SQLite serialises write transactions already.)
    """
    if connection.vendor != "postgresql":
        return
    keys = sorted({f"booking:{r.kind}:{r.key}" for r in resources})
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(hashtextextended(k, 0)) FROM (SELECT unnest(%s::text[]) AS k ORDER BY 1) s",
            [keys],
        )


def _write_bookings(session: Session, resources: Sequence[Resource]) -> None:
    """Replace the session's bookings; the database refuses an overlap (see module docstring)."""
    _lock_resources(resources)
    try:
        with transaction.atomic():
            SessionResourceBooking.objects.filter(session=session).delete()
            SessionResourceBooking.objects.bulk_create(
                [
                    SessionResourceBooking(
                        session=session,
                        resource_kind=r.kind,
                        resource_id=r.key,
                        starts_at=session.starts_at,
                        ends_at=session.ends_at,
                        active=True,
                    )
                    for r in {(r.kind, r.key): r for r in resources}.values()
                ]
            )
    except IntegrityError as exc:
        if BOOKING_OVERLAP_CONSTRAINT not in str(exc):
            raise
        # Another transaction booked the slot after our check and committed first. Its rows
        # are visible now, so the clash can be named; if not (it rolled back meanwhile), say so.
        clashes = find_clashes(resources, session.starts_at, session.ends_at, exclude=session)
        if clashes:
            raise _unavailable(clashes) from exc
        raise SlotUnavailable("Someone else booked an overlapping session just now. Please pick another time.") from exc


# --- validation ---------------------------------------------------------------------------


def _require_staff(actor: Any) -> None:
    if not (actor and actor.is_authenticated and actor.is_active and actor.is_staff_member):
        raise PermissionDeniedError("Only clinic staff may schedule sessions.")


def _require_patient_access(actor: User, patient: Patient) -> None:
    if not patient_list_visible_to(actor).filter(pk=patient.pk).exists():
        raise PermissionDeniedError("You are not on this patient's care team.")


def session_type_for(kind: str) -> SessionType:
    if kind not in SessionKind.values:
        raise ValidationFailed(f"Unknown session kind {kind!r}.", field="kind")
    found = SessionType.objects.filter(kind=kind).first()
    return found if found is not None else session_types()[kind]


def _validate_times(
    starts_at: dt.datetime, ends_at: dt.datetime, *, allow_past: bool, field: str = "starts_at"
) -> None:
    if timezone.is_naive(starts_at) or timezone.is_naive(ends_at):
        raise ValidationFailed("Times must include a time zone.", field=field)
    if ends_at <= starts_at:
        raise ValidationFailed("The session must end after it starts.", field="ends_at")
    if (ends_at - starts_at) > dt.timedelta(minutes=MAX_SESSION_MINUTES):
        raise ValidationFailed(f"A session cannot be longer than {MAX_SESSION_MINUTES // 60} hours.", field="ends_at")
    if not allow_past and starts_at < timezone.now() - dt.timedelta(minutes=5):
        raise ValidationFailed("A session cannot be booked in the past.", field=field)


def validate_staffing(
    *,
    session_type: SessionType,
    patient: Patient,
    lead_clinician: User,
    additional_staff: Sequence[User],
    room: Room | None,
    check_room: bool = True,
) -> None:
    """The session type's staffing and room rules, and care-team membership of every clinician."""
    staff = [lead_clinician, *additional_staff]
    for person, field in [(lead_clinician, "lead_clinician")] + [(u, "additional_staff") for u in additional_staff]:
        if not (person.is_active and person.is_clinician):
            raise ValidationFailed(f"{person.full_name} is not an active clinician.", field=field)
    if lead_clinician in additional_staff:
        raise ValidationFailed("The lead clinician is listed twice.", field="additional_staff")
    on_team = set(
        CareTeamMembership.objects.filter(patient=patient, active=True, clinician__in=staff).values_list(
            "clinician_id", flat=True
        )
    )
    for person, field in [(lead_clinician, "lead_clinician")] + [(u, "additional_staff") for u in additional_staff]:
        if person.pk not in on_team:
            raise ValidationFailed(f"{person.full_name} is not on this patient's care team.", field=field)
    name = session_type.name.lower()
    if session_type.requires_medical_staff and not any(p.is_prescriber or p.is_nurse for p in staff):
        raise ValidationFailed(f"A {name} session needs a prescriber or a nurse.", field="lead_clinician")
    if session_type.requires_therapist and not any(p.is_therapist for p in staff):
        raise ValidationFailed(f"A {name} session needs a therapist.", field="additional_staff")
    if not check_room:
        return
    if room is not None and not room.active:
        raise ValidationFailed(f"Room {room.name} is not in use.", field="room")
    if session_type.requires_dosing_room and (room is None or not room.dosing_equipped):
        raise ValidationFailed(f"A {name} session needs a dosing-equipped room.", field="room")


def working_hours_problems(staff: Sequence[User], starts_at: dt.datetime, ends_at: dt.datetime) -> list[str]:
    """Why each clinician is not available then by their hours or time off (empty: all fine)."""
    start, end = clock.to_local(starts_at), clock.to_local(ends_at)
    problems: list[str] = []
    blocks: dict[int, list[WorkingHours]] = {}
    for wh in WorkingHours.objects.filter(clinician__in=staff, weekday=start.weekday()):
        blocks.setdefault(wh.clinician_id, []).append(wh)
    away = set(
        TimeOff.objects.filter(clinician__in=staff, starts_at__lt=ends_at, ends_at__gt=starts_at).values_list(
            "clinician_id", flat=True
        )
    )
    same_day = start.date() == end.date() or (
        end.time() == dt.time.min and end.date() == start.date() + dt.timedelta(1)
    )
    end_time = dt.time.max if end.time() == dt.time.min else end.time()
    for person in staff:
        if person.pk in away:
            problems.append(f"{person.full_name} has time off then.")
        elif not same_day or not any(
            b.start_time <= start.time() and end_time <= b.end_time for b in blocks.get(person.pk, [])
        ):
            problems.append(f"{person.full_name} does not work {date_format(start, 'l')} {start:%H:%M}–{end:%H:%M}.")
    return problems


def _check_hours(
    *, actor: User, staff: Sequence[User], starts_at, ends_at, override_hours: bool, override_reason: str
) -> bool:
    """True when the booking stands on an admin override (see module docstring)."""
    problems = working_hours_problems(staff, starts_at, ends_at)
    if not problems:
        return False
    if not override_hours:
        raise OutsideWorkingHours(
            " ".join(problems) + " A practice admin may override this with a reason.", field="starts_at"
        )
    if not actor.is_practice_admin:
        raise PermissionDeniedError("Only a practice admin may book outside working hours or into time off.")
    if not override_reason.strip():
        raise ValidationFailed("Give a reason for booking outside working hours.", field="override_reason")
    return True


# --- booking ------------------------------------------------------------------------------


@transaction.atomic
def session_schedule(
    *,
    actor: User,
    patient: Patient,
    kind: str,
    starts_at: dt.datetime,
    lead_clinician: User,
    ends_at: dt.datetime | None = None,
    additional_staff: Sequence[User] = (),
    room: Room | None = None,
    override_hours: bool = False,
    override_reason: str = "",
    course: TreatmentCourse | None = None,
    course_sequence: int | None = None,
    follows: Session | None = None,
    allow_past: bool = False,
) -> Session:
    """Book a session.

    ``ends_at`` defaults to the start plus the session type's duration. ``allow_past`` is for
    the demo seed and imports only; no page or endpoint passes it. An integration session may
    name the dosing session it ``follows`` and must start after that one ends.
    Raises ValidationFailed (bad input, staffing, room), OutsideWorkingHours, SlotUnavailable,
    PermissionDeniedError (not staff, not the patient's team, non-admin override).
    """
    _require_staff(actor)
    _require_patient_access(actor, patient)
    session_type = session_type_for(kind)
    additional_staff = list(dict.fromkeys(additional_staff))
    if ends_at is None:
        ends_at = starts_at + dt.timedelta(minutes=session_type.default_duration_minutes)
    _validate_times(starts_at, ends_at, allow_past=allow_past)
    validate_staffing(
        session_type=session_type,
        patient=patient,
        lead_clinician=lead_clinician,
        additional_staff=additional_staff,
        room=room,
    )
    if follows is not None:
        if follows.patient_id != patient.pk:
            raise ValidationFailed("A session can only follow a session of the same patient.", field="follows")
        if starts_at < follows.ends_at:
            raise ValidationFailed(
                "An integration session must start after its dosing session ends.", field="starts_at"
            )
    resources = session_resources(
        patient=patient, lead_clinician=lead_clinician, additional_staff=additional_staff, room=room
    )
    _check_clashes(resources, starts_at, ends_at)  # a clash first: no override can lift it
    overridden = _check_hours(
        actor=actor,
        staff=[lead_clinician, *additional_staff],
        starts_at=starts_at,
        ends_at=ends_at,
        override_hours=override_hours,
        override_reason=override_reason,
    )
    session = Session.objects.create(
        patient=patient,
        kind=kind,
        lead_clinician=lead_clinician,
        room=room,
        starts_at=starts_at,
        ends_at=ends_at,
        course=course,
        course_sequence=course_sequence,
        follows=follows,
        created_by=actor,
        hours_override_by=actor if overridden else None,
        hours_override_reason=override_reason.strip() if overridden else "",
    )
    if additional_staff:
        session.additional_staff.set(additional_staff)
    _write_bookings(session, resources)
    reminders_replan_for_session(session=session)  # reminder rows follow the session (issue 7)
    fields = ["kind", "patient", "lead_clinician", "room", "starts_at", "ends_at"]
    audit_record(
        actor=actor,
        action="session.scheduled",
        target=session,
        patient=patient,
        changed_fields=fields + (["additional_staff"] if additional_staff else []),
    )
    if overridden:
        audit_record(
            actor=actor,
            action="session.hours_overridden",
            target=session,
            patient=patient,
            changed_fields=["hours_override_reason"],
        )
    return session


_KEEP: Any = object()
MOVABLE = {Session.Status.SCHEDULED, Session.Status.CONFIRMED}


@transaction.atomic
def session_update(
    *,
    actor: User,
    session: Session,
    starts_at: dt.datetime = _KEEP,
    ends_at: dt.datetime = _KEEP,
    lead_clinician: User = _KEEP,
    additional_staff: Sequence[User] = _KEEP,
    room: Room | None = _KEEP,
    override_hours: bool = False,
    override_reason: str = "",
) -> Session:
    """Move a session (new times) and/or change its staff or room, under the booking rules.

    Only scheduled or confirmed sessions change; a confirmed session whose time moves goes back
    to scheduled (the patient confirmed the old time). Moving only the start keeps the duration.
    A time change is audited as ``session.rescheduled``, other changes as ``session.updated``.
    """
    _require_staff(actor)
    session = (
        Session.objects.select_for_update(of=("self",))
        .select_related("patient", "room", "lead_clinician")
        .get(pk=session.pk)
    )
    _require_patient_access(actor, session.patient)
    if session.status not in MOVABLE:
        raise InvalidTransition(
            f"A session that is {session.get_status_display().lower()} cannot be changed.", field="status"
        )
    old = {
        "starts_at": session.starts_at,
        "ends_at": session.ends_at,
        "lead_clinician": session.lead_clinician,
        "room": session.room,
        "additional_staff": list(session.additional_staff.all()),
    }
    new = dict(old)
    if starts_at is not _KEEP:
        new["starts_at"] = starts_at
        new["ends_at"] = starts_at + (old["ends_at"] - old["starts_at"])
    if ends_at is not _KEEP:
        new["ends_at"] = ends_at
    if lead_clinician is not _KEEP:
        new["lead_clinician"] = lead_clinician
    if additional_staff is not _KEEP:
        new["additional_staff"] = list(dict.fromkeys(additional_staff))
    if room is not _KEEP:
        new["room"] = room
    changed = [k for k in new if (set(new[k]) != set(old[k]) if k == "additional_staff" else new[k] != old[k])]
    if not changed:
        return session
    moved = "starts_at" in changed or "ends_at" in changed
    _validate_times(new["starts_at"], new["ends_at"], allow_past=not moved)
    validate_staffing(
        session_type=session_type_for(session.kind),
        patient=session.patient,
        lead_clinician=new["lead_clinician"],
        additional_staff=new["additional_staff"],
        room=new["room"],
    )
    if session.follows_id and new["starts_at"] < session.follows.ends_at:
        raise ValidationFailed("An integration session must start after its dosing session ends.", field="starts_at")
    later = session.follow_up_sessions.exclude(status=Session.Status.CANCELLED).order_by("starts_at").first()
    if later is not None and new["ends_at"] > later.starts_at:
        raise ValidationFailed(
            "This session would end after the integration session that follows it.", field="starts_at"
        )
    resources = session_resources(
        patient=session.patient,
        lead_clinician=new["lead_clinician"],
        additional_staff=new["additional_staff"],
        room=new["room"],
    )
    _check_clashes(resources, new["starts_at"], new["ends_at"], exclude=session)  # before hours: not overridable
    overridden = _check_hours(
        actor=actor,
        staff=[new["lead_clinician"], *new["additional_staff"]],
        starts_at=new["starts_at"],
        ends_at=new["ends_at"],
        override_hours=override_hours,
        override_reason=override_reason,
    )
    session.starts_at, session.ends_at = new["starts_at"], new["ends_at"]
    session.lead_clinician, session.room = new["lead_clinician"], new["room"]
    update_fields = ["starts_at", "ends_at", "lead_clinician", "room", "hours_override_by", "hours_override_reason"]
    session.hours_override_by = actor if overridden else None
    session.hours_override_reason = override_reason.strip() if overridden else ""
    if moved and session.status == Session.Status.CONFIRMED:
        session.status = Session.Status.SCHEDULED
        session.status_changed_at = timezone.now()
        update_fields += ["status", "status_changed_at"]
        changed.append("status")
    session.save(update_fields=[*update_fields, "updated_at"])
    if "additional_staff" in changed:
        session.additional_staff.set(new["additional_staff"])
    _write_bookings(session, resources)
    reminders_replan_for_session(session=session)  # reminder rows follow the session (issue 7)
    audit_record(
        actor=actor,
        action="session.rescheduled" if moved else "session.updated",
        target=session,
        patient=session.patient,
        changed_fields=changed,
    )
    if overridden:
        audit_record(
            actor=actor,
            action="session.hours_overridden",
            target=session,
            patient=session.patient,
            changed_fields=["hours_override_reason"],
        )
    return session


def session_reschedule(
    *,
    actor: User,
    session: Session,
    starts_at: dt.datetime,
    ends_at: dt.datetime | None = None,
    override_hours: bool = False,
    override_reason: str = "",
) -> Session:
    """Move a session in time (the calendar drag and resize); see ``session_update``."""
    return session_update(
        actor=actor,
        session=session,
        starts_at=starts_at,
        ends_at=_KEEP if ends_at is None else ends_at,
        override_hours=override_hours,
        override_reason=override_reason,
    )


# --- status machine -----------------------------------------------------------------------

S = Session.Status
TRANSITIONS: dict[str, set[str]] = {
    S.SCHEDULED: {S.CONFIRMED, S.CANCELLED, S.NO_SHOW},
    S.CONFIRMED: {S.CHECKED_IN, S.CANCELLED, S.NO_SHOW},
    S.CHECKED_IN: {S.IN_PROGRESS, S.CANCELLED},
    S.IN_PROGRESS: {S.COMPLETED},
    S.COMPLETED: set(),
    S.CANCELLED: set(),
    S.NO_SHOW: set(),
}
STATUS_ACTIONS = {
    S.CONFIRMED: "session.confirmed",
    S.CHECKED_IN: "session.checked_in",
    S.IN_PROGRESS: "session.started",
    S.COMPLETED: "session.completed",
    S.NO_SHOW: "session.no_show",
}
# Starting and completing a session are clinical acts: only a clinician on the session does them.
CLINICIAN_ONLY = {S.IN_PROGRESS, S.COMPLETED}


def _late_cancel_hours() -> int:
    return int(getattr(settings, "SESSION_LATE_CANCEL_HOURS", 24))


@transaction.atomic
def session_transition(*, actor: User, session: Session, to_status: str) -> Session:
    """Move a session one step along its status machine (not to cancelled: see ``session_cancel``).

    A no-show can only be recorded once the session's start time has passed.
    Raises InvalidTransition for a step the machine does not allow.
    """
    _require_staff(actor)
    session = Session.objects.select_for_update(of=("self",)).select_related("patient").get(pk=session.pk)
    _require_patient_access(actor, session.patient)
    if to_status == S.CANCELLED:
        raise InvalidTransition("Cancel a session with a reason (session_cancel).", field="status")
    if to_status not in S.values or to_status not in TRANSITIONS[session.status]:
        target = S(to_status).label.lower() if to_status in S.values else repr(to_status)
        raise InvalidTransition(
            f"A {session.get_status_display().lower()} session cannot become {target}.", field="status"
        )
    if to_status in CLINICIAN_ONLY and not (
        actor.pk == session.lead_clinician_id or session.additional_staff.filter(pk=actor.pk).exists()
    ):
        raise PermissionDeniedError("Only a clinician on this session may start or complete it.")
    now = timezone.now()
    if to_status == S.NO_SHOW and now < session.starts_at:
        raise InvalidTransition("A no-show can only be recorded after the session's start time.", field="status")
    session.status = to_status
    session.status_changed_at = now
    session.save(update_fields=["status", "status_changed_at", "updated_at"])
    reminders_replan_for_session(session=session)  # reminder rows follow the session (issue 7)
    audit_record(
        actor=actor,
        action=STATUS_ACTIONS[to_status],
        target=session,
        patient=session.patient,
        changed_fields=["status"],
    )
    return session


@transaction.atomic
def session_cancel(*, actor: User, session: Session, reason: str) -> Session:
    """Cancel a session, recording who, when and why; frees its clinician, room and patient slot.

    A cancellation within SESSION_LATE_CANCEL_HOURS (default 24) of the start is flagged late:
    for a therapy practice a late cancellation is clinical information, not only admin.
    """
    _require_staff(actor)
    session = Session.objects.select_for_update(of=("self",)).select_related("patient").get(pk=session.pk)
    _require_patient_access(actor, session.patient)
    if S.CANCELLED not in TRANSITIONS[session.status]:
        raise InvalidTransition(
            f"A {session.get_status_display().lower()} session cannot be cancelled.", field="status"
        )
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("Give a reason for the cancellation.", field="reason")
    now = timezone.now()
    session.status = S.CANCELLED
    session.status_changed_at = now
    session.cancelled_at = now
    session.cancelled_by = actor
    session.cancellation_reason = reason[:300]
    session.late_cancel = now > session.starts_at - dt.timedelta(hours=_late_cancel_hours())
    session.save(
        update_fields=[
            "status",
            "status_changed_at",
            "cancelled_at",
            "cancelled_by",
            "cancellation_reason",
            "late_cancel",
            "updated_at",
        ]
    )
    session.bookings.update(active=False)
    reminders_replan_for_session(session=session)  # reminder rows follow the session (issue 7)
    audit_record(
        actor=actor,
        action="session.cancelled",
        target=session,
        patient=session.patient,
        changed_fields=["status", "cancelled_at", "cancelled_by", "cancellation_reason", "late_cancel"],
    )
    return session
