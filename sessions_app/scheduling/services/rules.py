"""The booking rules every session write enforces (the HTML pages, the calendar drag and the API
all reach them through ``sessions`` and ``courses``):

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
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format

from kap_clinic.accounts.models import User
from kap_clinic.accounts.permissions import (
    NURSE_DISCIPLINE,
    PRESCRIBER_DISCIPLINE,
    STAFF,
    THERAPIST_DISCIPLINE,
    is_active_clinician_of,
    user_has_role,
)
from kap_clinic.common import clock
from kap_clinic.common.errors import Conflict, PermissionDeniedError, ValidationFailed
from patients.models import Patient
from patients.selectors import care_team_for, patient_list_visible_to
from sessions_app.scheduling.models import (
    BOOKING_OVERLAP_CONSTRAINT,
    MAX_SESSION_MINUTES,
    Room,
    Session,
    SessionKind,
    SessionResourceBooking,
    SessionType,
    TimeOff,
    WorkingHours,
    overlapping,
)
from sessions_app.scheduling.services.clinic import session_types

ResourceKind = SessionResourceBooking.ResourceKind


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
        if self.resource.kind == ResourceKind.PATIENT:
            return f"The patient already has a {kind} session on {when}."
        return f"{self.resource.label} is already booked on {when} ({kind} session)."


def session_resources(
    *, patient: Patient, lead_clinician: User, additional_staff: Iterable[User] = (), room: Room | None = None
) -> list[Resource]:
    resources = [Resource(ResourceKind.CLINICIAN, lead_clinician.pk, lead_clinician.full_name, "lead_clinician")]
    resources += [Resource(ResourceKind.CLINICIAN, u.pk, u.full_name, "additional_staff") for u in additional_staff]
    if room is not None:
        resources.append(Resource(ResourceKind.ROOM, room.pk, f"Room {room.name}", "room"))
    resources.append(Resource(ResourceKind.PATIENT, patient.pk, "The patient", "starts_at"))
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
    qs = SessionResourceBooking.objects.filter(match, overlapping(starts_at, ends_at), active=True)
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


def check_clashes(resources: Sequence[Resource], starts_at: dt.datetime, ends_at: dt.datetime, exclude=None) -> None:
    clashes = find_clashes(resources, starts_at, ends_at, exclude=exclude)
    if clashes:
        raise _unavailable(clashes)


def lock_resources(resources: Sequence[Resource]) -> None:
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


def write_bookings(session: Session, resources: Sequence[Resource]) -> None:
    """Replace the session's bookings; the database refuses an overlap (see the module docstring)."""
    lock_resources(resources)
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


def require_staff(actor: Any) -> None:
    if not user_has_role(actor, STAFF):
        raise PermissionDeniedError("Only clinic staff may schedule sessions.")


def require_patient_access(actor: User, patient: Patient) -> None:
    if not patient_list_visible_to(actor).filter(pk=patient.pk).exists():
        raise PermissionDeniedError("You are not on this patient's care team.")


def session_type_for(kind: str) -> SessionType:
    if kind not in SessionKind.values:
        raise ValidationFailed(f"Unknown session kind {kind!r}.", field="kind")
    found = SessionType.objects.filter(kind=kind).first()
    return found if found is not None else session_types()[kind]


def validate_times(starts_at: dt.datetime, ends_at: dt.datetime, *, allow_past: bool, field: str = "starts_at") -> None:
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
        if not is_active_clinician_of(person):
            raise ValidationFailed(f"{person.full_name} is not an active clinician.", field=field)
    if lead_clinician in additional_staff:
        raise ValidationFailed("The lead clinician is listed twice.", field="additional_staff")
    on_team = set(care_team_for(patient).filter(clinician__in=staff).values_list("clinician_id", flat=True))
    for person, field in [(lead_clinician, "lead_clinician")] + [(u, "additional_staff") for u in additional_staff]:
        if person.pk not in on_team:
            raise ValidationFailed(f"{person.full_name} is not on this patient's care team.", field=field)
    name = session_type.name.lower()
    if session_type.requires_medical_staff and not any(
        is_active_clinician_of(p, PRESCRIBER_DISCIPLINE, NURSE_DISCIPLINE) for p in staff
    ):
        raise ValidationFailed(f"A {name} session needs a prescriber or a nurse.", field="lead_clinician")
    if session_type.requires_therapist and not any(is_active_clinician_of(p, THERAPIST_DISCIPLINE) for p in staff):
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


def check_hours(
    *, actor: User, staff: Sequence[User], starts_at, ends_at, override_hours: bool, override_reason: str
) -> bool:
    """True when the booking stands on an admin override (see the module docstring)."""
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
