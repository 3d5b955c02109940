"""Treatment-course planning: propose a course, let the admin adjust it, then book it in one go.

A course is preparation session(s), then N dosing sessions on a weekly pattern (e.g. Monday and
Thursday, six sessions), each followed 1–3 days later by an integration session. The proposal
checks every slot against staff hours and time off, existing bookings of the clinicians, the
rooms and the patient, and the proposal's own earlier slots. A slot that does not fit moves to
the next free one, and the proposal says why it moved. Integration always comes after its
dosing session, and the next dosing comes after the previous integration.

The dosing pattern is kept as an RFC 5545 ``RRULE`` evaluated in clinic wall-clock time, so the
series keeps its local time across daylight-saving changes.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from dateutil import rrule
from django.db import transaction
from django.db.models import Q
from django.utils.formats import date_format

from kap_clinic.accounts.models import User
from kap_clinic.audit.services import audit_record
from kap_clinic.common import clock
from kap_clinic.common.errors import ApplicationError, ValidationFailed
from patients.models import Patient
from sessions_app.scheduling.models import (
    Room,
    Session,
    SessionKind,
    SessionResourceBooking,
    TimeOff,
    TreatmentCourse,
    WorkingHours,
    overlapping,
)
from sessions_app.scheduling.services.clinic import session_types
from sessions_app.scheduling.services.rules import (
    ResourceKind,
    require_patient_access,
    require_staff,
    session_type_for,
    validate_staffing,
)
from sessions_app.scheduling.services.sessions import session_schedule

WEEKDAY_CODES = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]
SEARCH_STEP = dt.timedelta(minutes=30)
SEARCH_DAYS = 28  # how far a slot may be pushed before the planner gives up on it


@dataclass(frozen=True)
class CourseRequest:
    patient: Patient
    start_date: dt.date
    medical_clinician: User
    therapist: User | None
    dosing_count: int = 6
    dosing_weekdays: tuple[int, ...] = (0, 3)  # Monday and Thursday
    dosing_time: dt.time = dt.time(9, 0)
    preparation_count: int = 1
    preparation_time: dt.time = dt.time(10, 0)
    integration_time: dt.time = dt.time(10, 0)
    integration_min_days: int = 1
    integration_max_days: int = 3


@dataclass
class ProposedSession:
    kind: str
    sequence: int
    starts_at: dt.datetime
    ends_at: dt.datetime
    lead_clinician: User
    additional_staff: list[User]
    room: Room | None
    wanted_at: dt.datetime
    moved_because: str = ""
    warning: str = ""
    follows_sequence: int | None = None  # integration k follows dosing k

    @property
    def moved(self) -> bool:
        return self.starts_at != self.wanted_at

    @property
    def label(self) -> str:
        return f"{SessionKind(self.kind).label} {self.sequence}"


@dataclass
class CourseProposal:
    request: CourseRequest
    recurrence: str
    sessions: list[ProposedSession] = field(default_factory=list)


def dosing_rule(*, first: dt.datetime, weekdays: Sequence[int], count: int) -> rrule.rrule:
    """The dosing series in naive clinic wall-clock time (so DST never shifts the hour)."""
    return rrule.rrule(rrule.WEEKLY, dtstart=first.replace(tzinfo=None), byweekday=sorted(weekdays), count=count)


def recurrence_text(*, first: dt.datetime, weekdays: Sequence[int], count: int) -> str:
    zone = clock.clinic_zone().key
    local = clock.to_local(first) if first.tzinfo else first
    days = ",".join(WEEKDAY_CODES[d] for d in sorted(weekdays))
    return f"DTSTART;TZID={zone}:{local:%Y%m%dT%H%M%S}\nRRULE:FREQ=WEEKLY;BYDAY={days};COUNT={count}"


def recurrence_occurrences(recurrence: str) -> list[dt.datetime]:
    """The aware instants of a stored course recurrence (wall-clock times in its TZID)."""
    rule = rrule.rrulestr(recurrence, forceset=False, ignoretz=True)
    return [clock.make_local(naive) for naive in rule]


class _Planner:
    """In-memory view of who is busy when, loaded once for the planning window."""

    def __init__(self, req: CourseRequest, window_start: dt.datetime, window_end: dt.datetime) -> None:
        self.req = req
        self.staff = [u for u in (req.medical_clinician, req.therapist) if u is not None]
        self.rooms = list(Room.objects.filter(active=True).order_by("name"))
        self.busy: dict[tuple[str, int], list[tuple[dt.datetime, dt.datetime, str]]] = defaultdict(list)
        keys = [(ResourceKind.PATIENT, req.patient.pk)] + [(ResourceKind.CLINICIAN, u.pk) for u in self.staff]
        keys += [(ResourceKind.ROOM, r.pk) for r in self.rooms]
        match = Q()
        for kind, key in keys:
            match |= Q(resource_kind=kind, resource_id=key)
        rows = SessionResourceBooking.objects.filter(
            match, overlapping(window_start, window_end), active=True
        ).values_list("resource_kind", "resource_id", "starts_at", "ends_at", "session__kind")
        for kind, key, start, end, session_kind in rows:
            self.busy[(kind, key)].append((start, end, SessionKind(session_kind).label.lower()))
        self.hours: dict[tuple[int, int], list[tuple[dt.time, dt.time]]] = defaultdict(list)
        for wh in WorkingHours.objects.filter(clinician__in=self.staff):
            self.hours[(wh.clinician_id, wh.weekday)].append((wh.start_time, wh.end_time))
        self.time_off = defaultdict(list)
        for off in TimeOff.objects.filter(clinician__in=self.staff, starts_at__lt=window_end, ends_at__gt=window_start):
            self.time_off[off.clinician_id].append((off.starts_at, off.ends_at))
        self.types = session_types()

    # Why a slot does not work ("" when it does), and which room it would get.
    def problem(self, kind: str, staff: list[User], start: dt.datetime, end: dt.datetime) -> tuple[str, Room | None]:
        local_start, local_end = clock.to_local(start), clock.to_local(end)
        for person in staff:
            blocks = self.hours.get((person.pk, local_start.weekday()), [])
            if local_start.date() != local_end.date() or not any(
                a <= local_start.time() and local_end.time() <= b for a, b in blocks
            ):
                return f"{person.full_name} does not work then", None
            if any(s < end and start < e for s, e in self.time_off.get(person.pk, [])):
                return f"{person.full_name} has time off then", None
        for person in staff:
            hit = self._hit((ResourceKind.CLINICIAN, person.pk), start, end)
            if hit:
                return f"{person.full_name} is booked {hit}", None
        hit = self._hit((ResourceKind.PATIENT, self.req.patient.pk), start, end)
        if hit:
            return f"the patient has another session {hit}", None
        room = self._free_room(kind, start, end)
        if room is None:
            need = "dosing-equipped room" if self.types[kind].requires_dosing_room else "room"
            return f"no {need} is free", None
        return "", room

    def _hit(self, key: tuple[str, int], start: dt.datetime, end: dt.datetime) -> str:
        for s, e, what in self.busy.get(key, []):
            if s < end and start < e:
                ls, le = clock.to_local(s), clock.to_local(e)
                return f"{ls:%H:%M}–{le:%H:%M} ({what})"
        return ""

    def _free_room(self, kind: str, start: dt.datetime, end: dt.datetime) -> Room | None:
        needs_dosing = self.types[kind].requires_dosing_room
        # Keep dosing rooms for dosing: other sessions take an ordinary room first.
        candidates = (
            [r for r in self.rooms if r.dosing_equipped]
            if needs_dosing
            else sorted(self.rooms, key=lambda r: r.dosing_equipped)
        )
        for room in candidates:
            if not self._hit((ResourceKind.ROOM, room.pk), start, end):
                return room
        return None

    def hold(self, item: ProposedSession) -> None:
        label = SessionKind(item.kind).label.lower() + " (this course)"
        keys = [(ResourceKind.PATIENT, self.req.patient.pk)] + [
            (ResourceKind.CLINICIAN, u.pk) for u in [item.lead_clinician, *item.additional_staff]
        ]
        if item.room is not None:
            keys.append((ResourceKind.ROOM, item.room.pk))
        for key in keys:
            self.busy[key].append((item.starts_at, item.ends_at, label))

    def place(
        self,
        *,
        kind: str,
        sequence: int,
        staff: list[User],
        wanted: dt.datetime,
        earliest_day_start: dt.date | None = None,
        latest_day: dt.date | None = None,
    ) -> ProposedSession:
        """The wanted slot if free, else the next free one (same day later, then following days)."""
        duration = dt.timedelta(minutes=self.types[kind].default_duration_minutes)
        reason, room = self.problem(kind, staff, wanted, wanted + duration)
        start = wanted
        if reason:
            start, room = self._search(kind, staff, wanted, duration)
        lead, *others = staff
        item = ProposedSession(
            kind=kind,
            sequence=sequence,
            starts_at=start,
            ends_at=start + duration,
            lead_clinician=lead,
            additional_staff=others,
            room=room,
            wanted_at=wanted,
            moved_because=reason,
        )
        if latest_day is not None and clock.to_local(start).date() > latest_day:
            item.warning = f"No free slot within the window; the first free one is {_when(start)}."
        self.hold(item)
        return item

    def _search(
        self, kind: str, staff: list[User], after: dt.datetime, duration: dt.timedelta
    ) -> tuple[dt.datetime, Room | None]:
        day = clock.to_local(after).date()
        for offset in range(SEARCH_DAYS + 1):
            current = day + dt.timedelta(days=offset)
            for candidate in self._day_candidates(staff, current):
                if candidate <= after:
                    continue
                reason, room = self.problem(kind, staff, candidate, candidate + duration)
                if not reason:
                    return candidate, room
        raise ValidationFailed(
            f"No free slot for {SessionKind(kind).label.lower()} within {SEARCH_DAYS} days of {_when(after)}.",
            field="start_date",
        )

    def _day_candidates(self, staff: list[User], day: dt.date) -> list[dt.datetime]:
        """Half-hour starts inside the working hours every one of ``staff`` has that weekday."""
        starts: set[dt.datetime] = set()
        for a, b in self.hours.get((staff[0].pk, day.weekday()), []):
            t = clock.combine(day, a)
            end = clock.combine(day, b)
            while t < end:
                starts.add(t)
                t += SEARCH_STEP
        return sorted(starts)


def _when(value: dt.datetime) -> str:
    local = clock.to_local(value)
    return f"{date_format(local, 'D j M')} {local:%H:%M}"


def _validate_request(req: CourseRequest, *, allow_past: bool = False) -> None:
    if not 1 <= req.dosing_count <= 24:
        raise ValidationFailed("A course has between 1 and 24 dosing sessions.", field="dosing_count")
    if not 0 <= req.preparation_count <= 4:
        raise ValidationFailed("Plan between 0 and 4 preparation sessions.", field="preparation_count")
    if not req.dosing_weekdays or any(d not in range(7) for d in req.dosing_weekdays):
        raise ValidationFailed("Pick the weekdays for dosing.", field="dosing_weekdays")
    if not 1 <= req.integration_min_days <= req.integration_max_days <= 7:
        raise ValidationFailed("Integration follows dosing by 1 to 7 days (min ≤ max).", field="integration_min_days")
    if not allow_past and req.start_date < clock.local_today():
        raise ValidationFailed("A course cannot start in the past.", field="start_date")
    if not (req.medical_clinician.is_prescriber or req.medical_clinician.is_nurse):
        raise ValidationFailed("Dosing is led by a prescriber or a nurse.", field="medical_clinician")
    if req.therapist is not None and not req.therapist.is_therapist:
        raise ValidationFailed(f"{req.therapist.full_name} is not a therapist.", field="therapist")


def _staff_for(req: CourseRequest, kind: str) -> list[User]:
    if kind == SessionKind.DOSING:
        return [req.medical_clinician] + ([req.therapist] if req.therapist else [])
    # Preparation and integration are psychotherapy: the therapist leads when there is one.
    return [req.therapist] if req.therapist else [req.medical_clinician]


def course_propose(*, actor: User, request: CourseRequest, allow_past: bool = False) -> CourseProposal:
    """Propose the sessions of a course (nothing is written; see the module docstring).

    ``allow_past`` lets the demo seed lay out a course that began before today.
    """
    require_staff(actor)
    require_patient_access(actor, request.patient)
    _validate_request(request, allow_past=allow_past)
    for kind in (SessionKind.PREPARATION, SessionKind.DOSING, SessionKind.INTEGRATION):
        staff = _staff_for(request, kind)
        validate_staffing(
            session_type=session_type_for(kind),
            patient=request.patient,
            lead_clinician=staff[0],
            additional_staff=staff[1:],
            room=None,
            check_room=False,  # the planner picks the rooms
        )
    window_start = clock.combine(request.start_date, dt.time.min)
    weeks = request.dosing_count // max(1, len(request.dosing_weekdays)) + 2
    window_end = window_start + dt.timedelta(weeks=weeks + 1, days=SEARCH_DAYS + request.integration_max_days)
    planner = _Planner(request, window_start, window_end)
    items: list[ProposedSession] = []

    day = request.start_date
    for n in range(1, request.preparation_count + 1):
        wanted = clock.combine(day, request.preparation_time)
        prep = planner.place(
            kind=SessionKind.PREPARATION, sequence=n, staff=_staff_for(request, SessionKind.PREPARATION), wanted=wanted
        )
        items.append(prep)
        day = clock.to_local(prep.starts_at).date() + dt.timedelta(days=2)

    first_day = (clock.to_local(items[-1].starts_at).date() + dt.timedelta(days=1)) if items else request.start_date
    while first_day.weekday() not in request.dosing_weekdays:
        first_day += dt.timedelta(days=1)
    first = dt.datetime.combine(first_day, request.dosing_time)
    rule = dosing_rule(first=first, weekdays=request.dosing_weekdays, count=request.dosing_count)
    occurrences = [clock.make_local(naive, field="dosing_time") for naive in rule]

    not_before: dt.date | None = None
    for n, occurrence in enumerate(occurrences, start=1):
        wanted = occurrence
        if not_before is not None and clock.to_local(wanted).date() < not_before:
            wanted = clock.combine(not_before, request.dosing_time)
        dose = planner.place(
            kind=SessionKind.DOSING, sequence=n, staff=_staff_for(request, SessionKind.DOSING), wanted=wanted
        )
        if wanted != occurrence and not dose.moved_because:
            dose.moved_because = "it waits for the previous integration session"
        dose.wanted_at = occurrence
        items.append(dose)
        dose_day = clock.to_local(dose.starts_at).date()
        integ = planner.place(
            kind=SessionKind.INTEGRATION,
            sequence=n,
            staff=_staff_for(request, SessionKind.INTEGRATION),
            wanted=clock.combine(dose_day + dt.timedelta(days=request.integration_min_days), request.integration_time),
            latest_day=dose_day + dt.timedelta(days=request.integration_max_days),
        )
        integ.follows_sequence = n
        items.append(integ)
        not_before = clock.to_local(integ.starts_at).date() + dt.timedelta(days=1)

    return CourseProposal(
        request=request,
        recurrence=recurrence_text(first=first, weekdays=request.dosing_weekdays, count=request.dosing_count),
        sessions=items,
    )


@dataclass(frozen=True)
class ConfirmedItem:
    """One session of the course as the admin confirmed it (possibly adjusted)."""

    kind: str
    sequence: int
    starts_at: dt.datetime
    room: Room | None
    ends_at: dt.datetime | None = None


@transaction.atomic
def course_confirm(
    *,
    actor: User,
    request: CourseRequest,
    items: Sequence[ConfirmedItem],
    recurrence: str | None = None,
    allow_past: bool = False,
) -> TreatmentCourse:
    """Book the course: every session through ``session_schedule``, all or nothing.

    Integration k is linked to dosing k and must start after it ends. A clash found now (someone
    booked meanwhile) refuses the whole course with the error naming the session; nothing is saved.
    """
    require_staff(actor)
    require_patient_access(actor, request.patient)
    _validate_request(request, allow_past=allow_past)
    doses = sorted((i for i in items if i.kind == SessionKind.DOSING), key=lambda i: i.sequence)
    if len(doses) != request.dosing_count or [d.sequence for d in doses] != list(range(1, len(doses) + 1)):
        raise ValidationFailed(f"The course needs dosing sessions 1 to {request.dosing_count}.", field="items")
    recurrence = _course_recurrence(request, first_dose=doses[0], recurrence=recurrence)
    course = TreatmentCourse.objects.create(
        patient=request.patient,
        recurrence=recurrence,
        time_zone=clock.clinic_zone().key,
        dosing_count=request.dosing_count,
        medical_clinician=request.medical_clinician,
        therapist=request.therapist,
        created_by=actor,
    )
    booked: dict[int, Session] = {}
    order = {SessionKind.PREPARATION: 0, SessionKind.DOSING: 1, SessionKind.INTEGRATION: 2}
    for index, item in sorted(enumerate(items), key=lambda p: (p[1].starts_at, order.get(p[1].kind, 3))):
        if item.kind not in order:
            raise ValidationFailed(f"A course has no {item.kind!r} sessions.", field=f"items.{index}.kind")
        follows = None
        if item.kind == SessionKind.INTEGRATION:
            follows = booked.get(item.sequence)
            if follows is None:
                raise ValidationFailed(
                    f"Integration {item.sequence} must come after dosing {item.sequence}.",
                    field=f"items.{index}.starts_at",
                )
        session = _book_course_session(
            actor=actor, request=request, course=course, item=item, index=index, follows=follows, allow_past=allow_past
        )
        if item.kind == SessionKind.DOSING:
            booked[item.sequence] = session
    audit_record(
        actor=actor,
        action="course.planned",
        target=course,
        patient=request.patient,
        changed_fields=["recurrence", "dosing_count", "sessions"],
    )
    return course


def _course_recurrence(request: CourseRequest, *, first_dose: ConfirmedItem, recurrence: str | None) -> str:
    """The course's RFC 5545 rule: the one given (checked), or one built from the request."""
    # The rule records the plan (the chosen weekday pattern and time), not where clashes pushed dose 1.
    first = dt.datetime.combine(clock.to_local(first_dose.starts_at).date(), request.dosing_time)
    while first.weekday() not in request.dosing_weekdays:
        first -= dt.timedelta(days=1)
    if not recurrence:
        recurrence = recurrence_text(first=first, weekdays=request.dosing_weekdays, count=request.dosing_count)
    try:
        rrule.rrulestr(recurrence, ignoretz=True)
        if "RRULE:" not in recurrence:
            raise ValueError("no RRULE line")
    except (ValueError, TypeError) as exc:
        raise ValidationFailed(f"The recurrence rule is not valid RFC 5545: {exc}", field="recurrence") from None
    return recurrence


def _book_course_session(
    *,
    actor: User,
    request: CourseRequest,
    course: TreatmentCourse,
    item: ConfirmedItem,
    index: int,
    follows: Session | None,
    allow_past: bool,
) -> Session:
    """Book one session of the course; an error names the session ("Dosing 2: ...") and its item."""
    staff = _staff_for(request, item.kind)
    try:
        return session_schedule(
            actor=actor,
            patient=request.patient,
            kind=item.kind,
            starts_at=item.starts_at,
            ends_at=item.ends_at,
            lead_clinician=staff[0],
            additional_staff=staff[1:],
            room=item.room,
            course=course,
            course_sequence=item.sequence,
            follows=follows,
            allow_past=allow_past,
        )
    except ApplicationError as exc:
        label = f"{SessionKind(item.kind).label} {item.sequence}"
        exc.message = f"{label}: {exc.message}"
        exc.args = (exc.message,)
        exc.field = f"items.{index}.{exc.field or 'starts_at'}"
        raise
