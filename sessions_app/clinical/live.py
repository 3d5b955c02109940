"""Cheap "anything new?" reads for live pages: a session's revision, and the board's version of today.

An open dosing page polls every two seconds, so the no-change answer must cost one query after
authentication: the revision is read together with the access rule (the care team) in a single
indexed SELECT. ``live_changes_since`` answers the API's "what changed since revision N".
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.db.models import Count, Exists, Max, OuterRef, Sum
from django.db.models.functions import Coalesce

from kap_clinic.common import clock
from patients.selectors import care_team_memberships_of
from sessions_app.clinical.models.live import LiveChange, LiveRevision
from sessions_app.clinical.selectors import _not_found, require_clinical_reader
from sessions_app.scheduling.models import Session


def session_revision(session_id: int) -> int:
    """The session's live revision (0 before its first change)."""
    found = LiveRevision.objects.filter(session_id=session_id).values_list("revision", flat=True).first()
    return found or 0


def dosing_revision_for(*, user: Any, public_id: uuid.UUID | str) -> int:
    """The live revision of a dosing session ``user`` may read: one query.

    The same rule as the dosing page (``clinical_session_get_for``): practice admins 403, patients
    404, clinicians only for patients whose care team they are on (404, audited, otherwise).
    """
    require_clinical_reader(user)
    row = (
        Session.objects.filter(public_id=public_id, kind=Session.Kind.DOSING)
        .filter(Exists(care_team_memberships_of(user).filter(patient=OuterRef("patient_id"))))
        .values_list("live_revision__revision")
        .first()
    )
    if row is None:
        raise _not_found(user, "sessions_app.session", public_id, "session")
    return row[0] or 0


def live_changes_since(session_id: int, since: int) -> list[LiveChange]:
    return list(LiveChange.objects.filter(session_id=session_id, revision__gt=since).order_by("revision"))


def board_day_bounds(day: dt.date | None = None) -> tuple[dt.datetime, dt.datetime]:
    return clock.day_bounds(day or clock.local_today())


def board_version(day: dt.date | None = None) -> str:
    """A token that changes whenever any of the day's sessions changes, appears or leaves: one query.

    Each session's revision only grows, so the sum grows with any change to a session of the day;
    a session booked into or moved out of the day changes the count and bumps a revision; the
    latest change time settles the rare case of one session leaving as another arrives.
    """
    start, end = board_day_bounds(day)
    agg = Session.objects.filter(starts_at__gte=start, starts_at__lt=end).aggregate(
        n=Count("id"),
        total=Coalesce(Sum("live_revision__revision"), 0),
        latest=Max("live_revision__changed_at"),
    )
    latest = agg["latest"].timestamp() if agg["latest"] else 0
    return f"{agg['n']}.{agg['total']}.{int(latest * 1000)}"
