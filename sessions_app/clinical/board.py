"""The treatment-room board: today's rooms in use, one card each, for a wall screen or a tablet.

Who sees what (PRODUCT.md roles):
- practice admins: every room's patient name, session kind, status, scheduled times and staff,
  and nothing clinical (no dose times, vitals, alerts or discharge);
- clinicians: the same schedule facts for every room, the patient's name and the clinical values
  (dose start and end, the last vitals and their age, vitals due, open alerts, earliest discharge)
  only for patients whose care team they are on; another team's patient shows as such, unnamed.
Built in a fixed number of queries whatever the number of rooms, sessions or readings.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Prefetch
from django.utils import timezone

from kap_clinic.accounts.models import User
from kap_clinic.accounts.permissions import CLINICIAN, user_has_role
from kap_clinic.common import clock
from patients.selectors import care_team_memberships_of, clinical_content_refused
from sessions_app.clinical import gates, thresholds
from sessions_app.clinical.models.dosing import Administration, Discharge, DosingRecord, VitalsReading
from sessions_app.clinical.selectors import Reminder, vitals_reminder
from sessions_app.scheduling.models import Room, Session

LIVE_STATUSES = (Session.Status.CHECKED_IN, Session.Status.IN_PROGRESS)
UPCOMING_STATUSES = (Session.Status.SCHEDULED, Session.Status.CONFIRMED)


@dataclass
class Clinical:
    """What a care-team clinician sees on a card beyond the schedule."""

    dosing: DosingRecord
    dose_started_at: dt.datetime | None
    dose_ended_at: dt.datetime | None
    running: bool
    minutes_since_start: int | None
    minutes_since_end: int | None
    last_vitals: VitalsReading | None
    vitals_age_minutes: int | None
    reminder: Reminder
    open_alerts: list[VitalsReading]
    earliest_discharge: dt.datetime | None
    discharged_at: dt.datetime | None


@dataclass
class BoardCard:
    room: Room
    session: Session
    patient_name: str | None
    staff: list[str]
    later: list[Session] = field(default_factory=list)
    clinical: Clinical | None = None

    @property
    def alert(self) -> bool:
        return bool(self.clinical and self.clinical.open_alerts)


@dataclass
class RoomBoard:
    day: dt.date
    now: dt.datetime
    cards: list[BoardCard]
    clinical_view: bool


def _todays_sessions(day: dt.date) -> list[Session]:
    start, end = clock.day_bounds(day)
    return list(
        Session.objects.filter(starts_at__gte=start, starts_at__lt=end, room__isnull=False)
        .exclude(status__in=(Session.Status.CANCELLED, Session.Status.NO_SHOW))
        .select_related("patient", "room__location", "lead_clinician", "dosing_record")
        .prefetch_related(Prefetch("additional_staff", queryset=User.objects.only("id", "full_name")))
        .order_by("starts_at", "id")
    )


def _current(sessions: list[Session], now: dt.datetime) -> Session:
    """The session a room's card is about: one under way, else the next, else the day's last."""
    for s in sessions:
        record = getattr(s, "dosing_record", None)
        open_dosing = record is not None and record.signed_at is None and s.status != Session.Status.COMPLETED
        if s.status in LIVE_STATUSES or open_dosing:
            return s
    upcoming = [s for s in sessions if s.status in UPCOMING_STATUSES and s.ends_at >= now]
    return upcoming[0] if upcoming else sessions[-1]


def _clinical_values(records: list[DosingRecord], now: dt.datetime) -> dict[int, Clinical]:
    """The clinical part of each card, from four queries for all the records together."""
    if not records:
        return {}
    settings = thresholds.current()
    vitals: dict[int, list[VitalsReading]] = defaultdict(list)
    for v in VitalsReading.objects.filter(dosing__in=records).order_by("taken_at", "id"):
        vitals[v.dosing_id].append(v)
    doses: dict[int, list[Administration]] = defaultdict(list)
    for a in Administration.objects.filter(dosing__in=records).order_by("started_at", "id"):
        doses[a.dosing_id].append(a)
    discharged = dict(Discharge.objects.filter(dosing__in=records).values_list("dosing_id", "discharged_at"))
    out = {}
    for record in records:
        state = gates.DosingState(
            dosing=record,
            settings=settings,
            vitals=vitals[record.pk],
            administrations=doses[record.pk],
            overrides=[],
            at=now,
        )
        last = state.live_vitals[-1] if state.live_vitals else None
        start, end = state.first_dose_at, state.dose_ended_at
        out[record.pk] = Clinical(
            dosing=record,
            dose_started_at=start,
            dose_ended_at=end,
            running=any(a.ended_at is None for a in state.doses),
            minutes_since_start=None if start is None else int((now - start).total_seconds() // 60),
            minutes_since_end=None if end is None else int((now - end).total_seconds() // 60),
            last_vitals=last,
            vitals_age_minutes=None if last is None else int((now - last.taken_at).total_seconds() // 60),
            reminder=vitals_reminder(state, discharged=record.pk in discharged),
            open_alerts=state.open_alerts,
            earliest_discharge=gates.earliest_discharge(state),
            discharged_at=discharged.get(record.pk),
        )
    return out


def room_board(*, user: Any, day: dt.date | None = None) -> RoomBoard:
    """Today's board as ``user`` may see it (see the module docstring)."""
    now = timezone.now()
    day = day or clock.local_today()
    by_room: dict[int, list[Session]] = defaultdict(list)
    for s in _todays_sessions(day):
        by_room[s.room_id].append(s)
    clinical_view = user_has_role(user, CLINICIAN) and not clinical_content_refused(user)
    team = set(care_team_memberships_of(user).values_list("patient_id", flat=True)) if clinical_view else set()
    cards = []
    for sessions in by_room.values():
        current = _current(sessions, now)
        named = not clinical_view or current.patient_id in team
        cards.append(
            BoardCard(
                room=current.room,
                session=current,
                patient_name=current.patient.display_name if named else None,
                staff=[current.lead_clinician.full_name] + [u.full_name for u in current.additional_staff.all()],
                later=[s for s in sessions if s.starts_at > current.starts_at],
            )
        )
    cards.sort(key=lambda c: (c.room.location.name, c.room.name))
    shown = [c for c in cards if clinical_view and c.session.patient_id in team]
    records = [c.session.dosing_record for c in shown if getattr(c.session, "dosing_record", None) is not None]
    values = _clinical_values(records, now)
    for card in shown:
        record = getattr(card.session, "dosing_record", None)
        card.clinical = values.get(record.pk) if record is not None else None
    return RoomBoard(day=day, now=now, cards=cards, clinical_view=clinical_view)
