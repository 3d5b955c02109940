"""Moving a session's live revision on (see ``sessions_app.clinical.models.live``).

Every clinical service that writes to a dosing record or a row under it calls ``live_bump`` inside
its transaction, after the write; scheduling tells us about bookings, moves and status changes
through its ``on_session_changed`` hook (``session_changed_bump``). Because the counter moves in
the writer's transaction, a page that reads revision N and then the record can never miss a change:
a change it did not see is still uncommitted, and commits with N + 1.
"""

from __future__ import annotations

import uuid

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from sessions_app.clinical.models.live import LiveChange, LiveRevision
from sessions_app.scheduling.models import Session


def live_bump(*, session_id: int, kind: str, action: str, object_id: uuid.UUID | None = None) -> int:
    """Add one to the session's revision and note what changed; returns the new revision.

    The UPDATE takes the row lock, so concurrent writers to one session queue here and each gets
    its own number (the unique constraint on ``LiveChange`` would refuse a duplicate). The first
    bump of a session creates its row.
    """
    now = timezone.now()
    moved = LiveRevision.objects.filter(session_id=session_id).update(revision=F("revision") + 1, changed_at=now)
    if not moved:
        try:
            with transaction.atomic():
                LiveRevision.objects.create(session_id=session_id, revision=1, changed_at=now)
        except IntegrityError:  # another writer created it first: take the next number after theirs
            LiveRevision.objects.filter(session_id=session_id).update(revision=F("revision") + 1, changed_at=now)
    revision = LiveRevision.objects.filter(session_id=session_id).values_list("revision", flat=True).get()
    LiveChange.objects.create(
        session_id=session_id, revision=revision, kind=kind, object_id=object_id, action=action, at=now
    )
    return revision


def dosing_bump(dosing, *, kind: str, action: str, row=None) -> int:  # noqa: ANN001 - DosingRecord and any row
    """``live_bump`` for a write on a dosing record (``row`` is the vitals reading, dose, ... written)."""
    object_id = getattr(row, "public_id", None) if row is not None else dosing.public_id
    return live_bump(session_id=dosing.session_id, kind=kind, action=action, object_id=object_id)


def session_changed_bump(*, session: Session) -> None:
    """The ``on_session_changed`` listener: a booking, move, cancellation or status change."""
    live_bump(
        session_id=session.pk,
        kind=LiveChange.Kind.SESSION,
        action=f"session.{session.status}",
        object_id=session.public_id,
    )
