"""Clinic set-up by practice admins (locations, rooms, hours, time off, session types) and the
clinicians' own calendar feeds. Every change is audited; none of it is patient data."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.utils import timezone

from kap_clinic.accounts.models import User
from kap_clinic.accounts.permissions import ADMIN, CLINICIAN, is_active_clinician_of, user_has_role
from kap_clinic.audit.services import audit_record
from kap_clinic.common.errors import PermissionDeniedError, ValidationFailed
from sessions_app.scheduling.models import CalendarFeed, Location, Room, SessionType, TimeOff, WorkingHours

# Mirrors migration 0002 (reference data). Kept here too because transactional tests and
# ``flush`` empty the table, and scheduling must never fail on missing reference rows.
DEFAULT_SESSION_TYPES: dict[str, dict[str, Any]] = {
    "consultation": {"name": "Consultation", "default_duration_minutes": 60, "colour": "#6c757d", "sort_order": 1},
    "preparation": {"name": "Preparation", "default_duration_minutes": 60, "colour": "#3a7ca5", "sort_order": 2},
    "dosing": {
        "name": "Dosing",
        "default_duration_minutes": 120,
        "requires_dosing_room": True,
        "requires_medical_staff": True,
        "requires_therapist": True,
        "colour": "#8e44ad",
        "sort_order": 3,
    },
    "integration": {"name": "Integration", "default_duration_minutes": 60, "colour": "#2a9d8f", "sort_order": 4},
    "follow_up": {"name": "Follow-up", "default_duration_minutes": 30, "colour": "#c07a1f", "sort_order": 5},
}


def session_types() -> dict[str, SessionType]:
    """Every session type by kind; restores a missing default row (one query when all exist)."""
    types = {t.kind: t for t in SessionType.objects.all()}
    for kind, defaults in DEFAULT_SESSION_TYPES.items():
        if kind not in types:
            types[kind], _ = SessionType.objects.get_or_create(kind=kind, defaults=defaults)
    return types


def _require_admin(actor: Any) -> None:
    if not user_has_role(actor, ADMIN):
        raise PermissionDeniedError("Only a practice admin may change the clinic set-up.")


def _name(value: str, field: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationFailed("A name is required.", field=field)
    return value


@transaction.atomic
def location_create(*, actor: User, name: str, address: str = "") -> Location:
    _require_admin(actor)
    name = _name(name, "name")
    if Location.objects.filter(name__iexact=name).exists():
        raise ValidationFailed(f"There is already a location called {name}.", field="name")
    location = Location.objects.create(name=name, address=address.strip())
    audit_record(actor=actor, action="location.created", target=location, changed_fields=["name", "address"])
    return location


@transaction.atomic
def room_save(
    *,
    actor: User,
    location: Location,
    name: str,
    dosing_equipped: bool = False,
    active: bool = True,
    room: Room | None = None,
) -> Room:
    """Create a room, or change one. A room that still has upcoming sessions stays in use."""
    _require_admin(actor)
    name = _name(name, "name")
    clash = Room.objects.filter(location=location, name__iexact=name)
    if room is not None:
        clash = clash.exclude(pk=room.pk)
    if clash.exists():
        raise ValidationFailed(f"{location.name} already has a room called {name}.", field="name")
    if room is not None and not active and room.active:
        upcoming = room.sessions.filter(starts_at__gte=timezone.now()).exclude(status="cancelled").count()
        if upcoming:
            raise ValidationFailed(
                f"Room {room.name} has {upcoming} upcoming session(s); move them before retiring the room.",
                field="active",
            )
    if room is not None and room.dosing_equipped and not dosing_equipped:
        upcoming = room.sessions.filter(starts_at__gte=timezone.now(), kind="dosing").exclude(status="cancelled")
        if upcoming.exists():
            raise ValidationFailed(
                f"Room {room.name} has upcoming dosing sessions; it must stay dosing-equipped.", field="dosing_equipped"
            )
    values = {"location": location, "name": name, "dosing_equipped": dosing_equipped, "active": active}
    if room is None:
        room = Room.objects.create(**values)
        changed = list(values)
        action = "room.created"
    else:
        changed = [k for k, v in values.items() if getattr(room, k) != v]
        for k, v in values.items():
            setattr(room, k, v)
        room.save()
        action = "room.updated"
    audit_record(actor=actor, action=action, target=room, changed_fields=changed)
    return room


@transaction.atomic
def working_hours_set(
    *, actor: User, clinician: User, blocks: Sequence[tuple[int, dt.time, dt.time]]
) -> list[WorkingHours]:
    """Replace a clinician's regular week with ``blocks`` of (weekday, start, end), wall-clock.

    Already-booked sessions are not touched: changing hours only affects new bookings.
    """
    _require_admin(actor)
    if not is_active_clinician_of(clinician):
        raise ValidationFailed("Working hours are for active clinicians.", field="clinician")
    cleaned = []
    for weekday, start, end in blocks:
        if weekday not in range(7):
            raise ValidationFailed("Weekday must be 0 (Monday) to 6 (Sunday).", field="weekday")
        if start >= end:
            raise ValidationFailed(f"{start:%H:%M}–{end:%H:%M}: the end must be after the start.", field="end_time")
        cleaned.append((weekday, start, end))
    by_day: dict[int, list[tuple[dt.time, dt.time]]] = {}
    for weekday, start, end in sorted(cleaned):
        previous = by_day.setdefault(weekday, [])
        if previous and start < previous[-1][1]:
            raise ValidationFailed(
                f"{WorkingHours.Weekday(weekday).label}: blocks overlap ({start:%H:%M}).", field="start_time"
            )
        previous.append((start, end))
    WorkingHours.objects.filter(clinician=clinician).delete()
    rows = WorkingHours.objects.bulk_create(
        [WorkingHours(clinician=clinician, weekday=d, start_time=s, end_time=e) for d, s, e in sorted(cleaned)]
    )
    audit_record(
        actor=actor,
        action="working_hours.set",
        target_type="accounts.user",
        target_public_id=clinician.public_id,
        changed_fields=["working_hours"],
    )
    return rows


@transaction.atomic
def time_off_add(
    *, actor: User, clinician: User, starts_at: dt.datetime, ends_at: dt.datetime, reason: str = ""
) -> TimeOff:
    """Block a clinician's time. Sessions already booked then are listed for the admin to move."""
    _require_admin(actor)
    if not clinician.is_clinician:
        raise ValidationFailed("Time off is for clinicians.", field="clinician")
    if ends_at <= starts_at:
        raise ValidationFailed("Time off must end after it starts.", field="ends_at")
    off = TimeOff.objects.create(clinician=clinician, starts_at=starts_at, ends_at=ends_at, reason=reason.strip()[:200])
    audit_record(actor=actor, action="time_off.added", target=off, changed_fields=["starts_at", "ends_at", "reason"])
    return off


@transaction.atomic
def time_off_remove(*, actor: User, time_off: TimeOff) -> None:
    _require_admin(actor)
    audit_record(actor=actor, action="time_off.removed", target=time_off, changed_fields=["starts_at", "ends_at"])
    time_off.delete()


@transaction.atomic
def session_type_update(
    *,
    actor: User,
    session_type: SessionType,
    default_duration_minutes: int,
    requires_dosing_room: bool,
    requires_medical_staff: bool,
    requires_therapist: bool,
    colour: str,
    name: str | None = None,
) -> SessionType:
    """Change a session type's duration, staffing or colour. Booked sessions keep their times."""
    _require_admin(actor)
    if not 5 <= default_duration_minutes <= 12 * 60:
        raise ValidationFailed("Durations run from 5 minutes to 12 hours.", field="default_duration_minutes")
    if len(colour) != 7 or not colour.startswith("#") or any(c not in "0123456789abcdefABCDEF" for c in colour[1:]):
        raise ValidationFailed("Colour is a hex value like #2d5f73.", field="colour")
    values = {
        "default_duration_minutes": default_duration_minutes,
        "requires_dosing_room": requires_dosing_room,
        "requires_medical_staff": requires_medical_staff,
        "requires_therapist": requires_therapist,
        "colour": colour,
        "name": _name(name, "name") if name is not None else session_type.name,
    }
    changed = [k for k, v in values.items() if getattr(session_type, k) != v]
    for k, v in values.items():
        setattr(session_type, k, v)
    session_type.save()
    audit_record(actor=actor, action="session_type.updated", target=session_type, changed_fields=changed)
    return session_type


def feed_token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def calendar_feed_create(*, actor: User) -> tuple[CalendarFeed, str]:
    """A new secret feed URL token for the clinician (returned once); revokes the previous one."""
    if not user_has_role(actor, CLINICIAN):
        raise PermissionDeniedError("Calendar feeds are for clinicians.")
    calendar_feed_revoke(actor=actor)
    token = secrets.token_urlsafe(32)
    feed = CalendarFeed.objects.create(clinician=actor, token_hash=feed_token_hash(token))
    audit_record(actor=actor, action="calendar_feed.created", target=feed)
    return feed, token


@transaction.atomic
def calendar_feed_revoke(*, actor: User) -> int:
    """Revoke the clinician's active feed (its URL stops working at once)."""
    count = CalendarFeed.objects.filter(clinician=actor, revoked_at__isnull=True).update(revoked_at=timezone.now())
    if count:
        audit_record(
            actor=actor,
            action="calendar_feed.revoked",
            target_type="sessions_app.calendarfeed",
            changed_fields=["revoked_at"],
        )
    return count
