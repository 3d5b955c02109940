"""What calendars are fed: FullCalendar events (JSON) and the clinicians' iCalendar feed.

FullCalendar runs with the clinic's named time zone and no time-zone plugin, so it shows event
times exactly as given: we send clinic wall-clock times without an offset, and the calendar's
drag-and-drop sends wall-clock times back (see static/js/calendar.js and ``clock.parse_datetime``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar, Event

from kap_clinic.accounts.models import User

from . import clock, selectors
from .models import Session
from .services.clinic import session_types
from .services.scheduling import MOVABLE


def _wall(value) -> str:
    return clock.to_local(value).replace(tzinfo=None).isoformat(timespec="minutes")


def event(
    session: Session, *, user: User, colours: dict[str, str] | None = None, others: list[str] | None = None
) -> dict[str, Any]:
    colours = colours or {k: t.colour for k, t in session_types().items()}
    colour = colours.get(session.kind, "#2d5f73")
    room = session.room.name if session.room else "No room"
    if others is None:
        others = [u.full_name for u in session.additional_staff.all()]
    staff = [session.lead_clinician.full_name, *others]
    return {
        "id": str(session.public_id),
        "title": f"{session.get_kind_display()} · {session.patient.display_name} · {room}",
        "start": _wall(session.starts_at),
        "end": _wall(session.ends_at),
        "url": reverse("sessions_app:session_detail", args=[session.public_id]),
        "backgroundColor": colour,
        "borderColor": colour,
        "classNames": [f"kind-{session.kind}", f"status-{session.status}"],
        "editable": session.status in MOVABLE and user.is_staff_member,
        "extendedProps": {
            "kind": session.kind,
            "status": session.status,
            "statusLabel": session.get_status_display(),
            "room": room,
            "staff": staff,
            "moveUrl": reverse("sessions_app:session_move", args=[session.public_id]),
        },
    }


def events(sessions: QuerySet[Session], *, user: User) -> list[dict[str, Any]]:
    """Events for a calendar range: four queries whatever the number of sessions."""
    colours = {k: t.colour for k, t in session_types().items()}
    others = selectors.additional_staff_names(sessions)
    return [event(s, user=user, colours=colours, others=others.get(s.pk, [])) for s in sessions]


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
        item.add("summary", f"{session.get_kind_display()} · {session.patient.initials}")
        if session.room:
            item.add("location", session.room.name)
        item.add("status", "CONFIRMED" if session.status != Session.Status.SCHEDULED else "TENTATIVE")
        cal.add_component(item)
    return cal.to_ical()
