"""What calendars are fed: FullCalendar events (JSON) and the clinicians' iCalendar feed.

FullCalendar runs with the clinic's named time zone and no time-zone plugin, so it shows event
times exactly as given: we send clinic wall-clock times without an offset, and the calendar's
drag-and-drop sends wall-clock times back (see static/js/calendar.js and ``clock.parse_datetime``).
The feed also says which hours the time grid must show (``visible_hours``), so no session is clipped.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar, Event

from kap_clinic.accounts.models import User
from kap_clinic.common import clock
from sessions_app.scheduling import selectors
from sessions_app.scheduling.models import Session
from sessions_app.scheduling.services.clinic import session_types
from sessions_app.scheduling.services.sessions import MOVABLE


def _wall(value) -> str:
    return clock.to_local(value).replace(tzinfo=None).isoformat(timespec="minutes")


_PLACEHOLDER = "00000000-0000-0000-0000-000000000000"
KIND_LABELS = dict(Session.Kind.choices)
STATUS_LABELS = dict(Session.Status.choices)


class _Urls:
    """URL patterns resolved once per response, not twice per event (reverse() is slow at 2,000)."""

    def __init__(self) -> None:
        self.detail = reverse("sessions_app:session_detail", args=[_PLACEHOLDER])
        self.move = reverse("sessions_app:session_move", args=[_PLACEHOLDER])

    def __call__(self, pattern: str, public_id: object) -> str:
        return pattern.replace(_PLACEHOLDER, str(public_id))


def _event(
    *,
    public_id: object,
    kind: str,
    status: str,
    starts_at,
    ends_at,
    patient_name: str,
    room: str | None,
    staff: list[str],
    colour: str,
    can_edit: bool,
    urls: _Urls,
) -> dict[str, Any]:
    room = room or "No room"
    return {
        "id": str(public_id),
        "title": f"{KIND_LABELS[kind]} · {patient_name} · {room}",
        "start": _wall(starts_at),
        "end": _wall(ends_at),
        "url": urls(urls.detail, public_id),
        "backgroundColor": colour,
        "borderColor": colour,
        "classNames": [f"kind-{kind}", f"status-{status}"],
        "editable": can_edit and status in MOVABLE,
        "extendedProps": {
            "kind": kind,
            "status": status,
            "statusLabel": STATUS_LABELS[status],
            "room": room,
            "staff": staff,
            "moveUrl": urls(urls.move, public_id),
        },
    }


def event(session: Session, *, user: User) -> dict[str, Any]:
    """One session as a calendar event (the answer to a drag)."""
    colour = session_types()[session.kind].colour
    return _event(
        public_id=session.public_id,
        kind=session.kind,
        status=session.status,
        starts_at=session.starts_at,
        ends_at=session.ends_at,
        patient_name=session.patient.display_name,
        room=session.room.name if session.room else None,
        staff=[session.lead_clinician.full_name, *(u.full_name for u in session.additional_staff.all())],
        colour=colour,
        can_edit=user.is_staff_member,
        urls=_Urls(),
    )


def events(sessions: QuerySet[Session], *, user: User) -> list[dict[str, Any]]:
    """Events for a calendar range: four queries whatever the number of sessions.

    Rows are read as tuples, not model instances: a busy week is thousands of sessions and
    building four model objects per row would dominate the response time.
    """
    colours = {k: t.colour for k, t in session_types().items()}
    others = selectors.additional_staff_names(sessions)
    urls = _Urls()
    can_edit = user.is_staff_member
    rows = sessions.values_list(
        "pk",
        "public_id",
        "kind",
        "status",
        "starts_at",
        "ends_at",
        "patient__preferred_name",
        "patient__legal_first_name",
        "patient__legal_last_name",
        "room__name",
        "lead_clinician__full_name",
    )
    return [
        _event(
            public_id=public_id,
            kind=kind,
            status=status,
            starts_at=starts_at,
            ends_at=ends_at,
            patient_name=f"{preferred or first} {last}",
            room=room,
            staff=[lead, *others.get(pk, [])],
            colour=colours.get(kind, "#2d5f73"),
            can_edit=can_edit,
            urls=urls,
        )
        for pk, public_id, kind, status, starts_at, ends_at, preferred, first, last, room, lead in rows
    ]


# The hours the week grid shows when every session fits in them (FullCalendar durations).
DEFAULT_HOURS = ("07:00:00", "20:00:00")


def visible_hours(items: Iterable[dict[str, Any]], *, default: tuple[str, str] = DEFAULT_HOURS) -> tuple[str, str]:
    """The time grid's (slotMinTime, slotMaxTime) for these events: the default hours, widened to
    whole hours so that every event shows in full (a 05:45 start opens the grid at 05:00).

    Events carry clinic wall-clock times. One that runs past midnight shows on both days, so the grid
    then runs from 00:00 to 24:00 (FullCalendar's "24:00:00" is the end of the day).
    """
    earliest = _minutes(default[0])
    latest = _minutes(default[1])
    for item in items:
        start, end = dt.datetime.fromisoformat(item["start"]), dt.datetime.fromisoformat(item["end"])
        earliest = min(earliest, start.hour * 60 + start.minute)
        if end.date() > start.date():
            latest = 24 * 60
            if end.time() != dt.time(0):
                earliest = 0
        else:
            latest = max(latest, end.hour * 60 + end.minute)
    return _duration(earliest // 60 * 60), _duration(-(-latest // 60) * 60)


def _minutes(duration: str) -> int:
    hours, minutes = duration.split(":")[:2]
    return int(hours) * 60 + int(minutes)


def _duration(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}:00"


def ical(sessions: Iterable[Session], *, clinician: User) -> bytes:
    """Times, room and patient initials only: a phone's calendar is not a place for PHI."""
    cal = Calendar()
    cal.add("prodid", "-//KAP Clinic//Schedule//EN")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", f"KAP Clinic · {clinician.get_short_name()}")
    now = timezone.now()
    for session in sessions:
        item = Event()
        item.add("uid", f"{session.public_id}@kap-clinic")
        item.add("dtstamp", now)
        item.add("dtstart", session.starts_at)
        item.add("dtend", session.ends_at)
        # No session kind either: "Dosing" on a lock screen says what the visit is for.
        item.add("summary", f"Session · {session.patient.initials}")
        if session.room:
            item.add("location", session.room.name)
        item.add("status", "CONFIRMED" if session.status != Session.Status.SCHEDULED else "TENTATIVE")
        cal.add_component(item)
    return cal.to_ical()
