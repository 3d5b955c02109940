"""Permission-scoped reads of sessions, calendars and free slots.

Who sees which sessions (PRODUCT.md, roles):
- practice admins: every session's schedule (when, who, where, status), no clinical content;
- clinicians: sessions of patients whose care team they are on (anything else is a 404);
- patients: their own sessions, through the portal.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from kap_clinic.accounts.models import User
from kap_clinic.accounts.permissions import ADMIN, CLINICIAN, PATIENT, STAFF, user_has_role, user_is_active
from kap_clinic.audit.models import AuditEvent
from kap_clinic.audit.services import audit_record
from kap_clinic.common import clock
from patients.models import Patient
from patients.selectors import care_team_memberships_of
from sessions_app.scheduling.models import (
    MAX_SESSION_MINUTES,
    CalendarFeed,
    Room,
    Session,
    SessionResourceBooking,
    SessionType,
    TimeOff,
    WorkingHours,
    overlapping,
)
from sessions_app.scheduling.services.clinic import feed_token_hash, session_types


def session_list_visible_to(user: Any) -> QuerySet[Session]:
    qs = Session.objects.all()
    if not user_is_active(user):
        return qs.none()
    if user_has_role(user, ADMIN):
        return qs
    if user_has_role(user, CLINICIAN):
        return qs.filter(Exists(care_team_memberships_of(user).filter(patient=OuterRef("patient_id"))))
    if user_has_role(user, PATIENT):
        return qs.filter(patient__user=user)
    return qs.none()


def with_schedule_relations(qs: QuerySet[Session]) -> QuerySet[Session]:
    """Everything a list or calendar shows, in a fixed number of queries whatever the row count."""
    return qs.select_related("patient", "room__location", "lead_clinician").prefetch_related(
        Prefetch("additional_staff", queryset=User.objects.only("id", "full_name", "public_id", "discipline", "role"))
    )


def session_get_for(*, user: Any, public_id: uuid.UUID | str, write: bool = False) -> Session:
    """The session, if ``user`` may see it: 404 (audited) without a relationship; patients read only."""
    try:
        session = with_schedule_relations(session_list_visible_to(user)).get(public_id=public_id)
    except (Session.DoesNotExist, ValueError, TypeError):
        if user_is_active(user):
            audit_record(
                actor=user,
                action="session.access_denied",
                target_type="sessions_app.session",
                target_public_id=str(public_id),
                outcome=AuditEvent.Outcome.DENIED,
            )
        raise Http404("No session matches the given query.") from None
    if write and not user_has_role(user, STAFF):
        raise Http404("No session matches the given query.")
    return session


def session_open(*, user: Any, public_id: uuid.UUID | str, write: bool = False) -> Session:
    """Fetch a session for its page and record that it was viewed."""
    session = session_get_for(user=user, public_id=public_id, write=write)
    if not write:
        audit_record(actor=user, action="session.viewed", target=session, patient=session.patient)
    return session


def session_filter(
    qs: QuerySet[Session],
    *,
    start: dt.datetime | None = None,
    end: dt.datetime | None = None,
    clinician: User | None = None,
    room: Room | None = None,
    patient: Patient | None = None,
    status: str | list[str] | None = None,
    kind: str | list[str] | None = None,
    include_cancelled: bool = True,
) -> QuerySet[Session]:
    """Filters shared by the calendar and the API; a clinician matches as lead or additional staff."""
    if start is not None:
        # No session lasts longer than MAX_SESSION_MINUTES (a database guard): the lower bound on the
        # start lets the start-time indexes serve the range instead of every session that ends later.
        qs = qs.filter(ends_at__gt=start, starts_at__gt=start - dt.timedelta(minutes=MAX_SESSION_MINUTES))
    if end is not None:
        qs = qs.filter(starts_at__lt=end)
    if clinician is not None:
        qs = qs.filter(
            Q(lead_clinician=clinician)
            | Q(
                Exists(Session.additional_staff.through.objects.filter(session_id=OuterRef("pk"), user_id=clinician.pk))
            )
        )
    if room is not None:
        qs = qs.filter(room=room)
    if patient is not None:
        qs = qs.filter(patient=patient)
    if status:
        qs = qs.filter(status__in=[status] if isinstance(status, str) else status)
    if kind:
        qs = qs.filter(kind__in=[kind] if isinstance(kind, str) else kind)
    if not include_cancelled:
        qs = qs.exclude(status=Session.Status.CANCELLED)
    return qs


def calendar_sessions(
    *,
    user: Any,
    start: dt.datetime,
    end: dt.datetime,
    clinician: User | None = None,
    room: Room | None = None,
    include_cancelled: bool = False,
    prefetch_staff: bool = True,
) -> QuerySet[Session]:
    qs = session_filter(
        session_list_visible_to(user),
        start=start,
        end=end,
        clinician=clinician,
        room=room,
        include_cancelled=include_cancelled,
    )
    if not prefetch_staff:
        return qs.select_related("patient", "room", "lead_clinician").order_by("starts_at", "id")
    return with_schedule_relations(qs).order_by("starts_at", "id")


def additional_staff_names(sessions: QuerySet[Session]) -> dict[int, list[str]]:
    """Additional staff names per session id, in one query for any number of sessions.

    A subquery rather than ``prefetch_related``: a week of a busy clinic is thousands of ids,
    which SQLite would split into several IN (...) queries.
    """
    through = Session.additional_staff.through
    names: dict[int, list[str]] = {}
    rows = through.objects.filter(session_id__in=sessions.order_by().values("pk")).values_list(
        "session_id", "user__full_name"
    )
    for session_id, name in rows.order_by("user__full_name"):
        names.setdefault(session_id, []).append(name)
    return names


def upcoming_for_patient(patient: Patient, *, limit: int = 10) -> QuerySet[Session]:
    qs = Session.objects.filter(patient=patient, ends_at__gte=timezone.now()).exclude(status=Session.Status.CANCELLED)
    return with_schedule_relations(qs).order_by("starts_at")[:limit]


def sessions_on_day(*, user: Any, day: dt.date, clinician: User | None = None) -> QuerySet[Session]:
    start, end = clock.day_bounds(day)
    return calendar_sessions(user=user, start=start, end=end, clinician=clinician, include_cancelled=True)


def active_clinicians() -> QuerySet[User]:
    return User.objects.filter(role=User.Role.CLINICIAN, is_active=True).order_by("full_name")


def active_rooms() -> QuerySet[Room]:
    return Room.objects.filter(active=True).select_related("location").order_by("location__name", "name")


def session_type_map() -> dict[str, SessionType]:
    return session_types()


def feed_for_token(token: str) -> CalendarFeed | None:
    """The active feed a secret URL token opens, or None (unknown or revoked)."""
    if not token or len(token) > 100:
        return None
    return (
        CalendarFeed.objects.select_related("clinician")
        .filter(token_hash=feed_token_hash(token), revoked_at__isnull=True, clinician__is_active=True)
        .first()
    )


def feed_sessions(clinician: User, *, now: dt.datetime | None = None) -> QuerySet[Session]:
    now = now or timezone.now()
    qs = session_filter(
        Session.objects.all(),
        start=now - dt.timedelta(days=30),
        end=now + dt.timedelta(days=180),
        clinician=clinician,
        include_cancelled=False,
    )
    return qs.select_related("patient", "room").order_by("starts_at")


# --- availability -------------------------------------------------------------------------


@dataclass(frozen=True)
class Slot:
    starts_at: dt.datetime
    ends_at: dt.datetime
    rooms: tuple[Room, ...]


def available_slots(
    *,
    clinician: User,
    day: dt.date,
    session_type: SessionType,
    patient: Patient | None = None,
    step_minutes: int = 15,
    now: dt.datetime | None = None,
) -> list[Slot]:
    """Free starts for a session of ``session_type`` with ``clinician`` on ``day`` (clinic-local).

    A slot lies inside one of the clinician's working-hours blocks, outside their time off and
    their bookings (and the patient's, when given), and, when the type needs a dosing-equipped
    room, at a time one is free. Each slot lists the suitable rooms free for its whole span.
    Four queries whatever the size of the day.
    """
    now = now or timezone.now()
    duration = dt.timedelta(minutes=session_type.default_duration_minutes)
    day_start, day_end = clock.day_bounds(day)
    blocks = WorkingHours.objects.filter(clinician=clinician, weekday=day.weekday()).order_by("start_time")
    busy: list[tuple[dt.datetime, dt.datetime]] = list(
        TimeOff.objects.filter(clinician=clinician, starts_at__lt=day_end, ends_at__gt=day_start).values_list(
            "starts_at", "ends_at"
        )
    )
    rooms = list(active_rooms())
    if session_type.requires_dosing_room:
        rooms = [r for r in rooms if r.dosing_equipped]
    else:
        rooms.sort(key=lambda r: r.dosing_equipped)  # ordinary rooms first; keep dosing rooms free
    match = Q(resource_kind=SessionResourceBooking.ResourceKind.CLINICIAN, resource_id=clinician.pk) | Q(
        resource_kind=SessionResourceBooking.ResourceKind.ROOM, resource_id__in=[r.pk for r in rooms]
    )
    if patient is not None:
        match |= Q(resource_kind=SessionResourceBooking.ResourceKind.PATIENT, resource_id=patient.pk)
    room_busy: dict[int, list[tuple[dt.datetime, dt.datetime]]] = {r.pk: [] for r in rooms}
    for kind, key, s, e in SessionResourceBooking.objects.filter(
        match, overlapping(day_start, day_end), active=True
    ).values_list("resource_kind", "resource_id", "starts_at", "ends_at"):
        if kind == SessionResourceBooking.ResourceKind.ROOM:
            room_busy[key].append((s, e))
        else:
            busy.append((s, e))

    def free(spans: list[tuple[dt.datetime, dt.datetime]], s: dt.datetime, e: dt.datetime) -> bool:
        return not any(a < e and s < b for a, b in spans)

    slots: list[Slot] = []
    step = dt.timedelta(minutes=step_minutes)
    for block in blocks:
        start = clock.combine(day, block.start_time)
        block_end = clock.combine(day, block.end_time)
        while start + duration <= block_end:
            end = start + duration
            if start >= now and free(busy, start, end):
                open_rooms = tuple(r for r in rooms if free(room_busy[r.pk], start, end))
                if open_rooms or not session_type.requires_dosing_room:
                    slots.append(Slot(start, end, open_rooms))
            start += step
    return slots
