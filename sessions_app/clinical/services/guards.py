"""Guards every dosing service applies before it writes: the record is open, the patient not yet
discharged, an override reason is well formed, a clinical time given for a late entry is
plausible, and the appointment moves along when it may.

**Late entry**: a dose, a vitals reading or an observation may carry the clinical time it
happened (``given_at``/``taken_at``/``observed_at``) when it is entered afterwards. That time is
never in the future (a minute of clock skew is let through and counted as now) and never before
the patient was checked in; the row keeps its entry time (``created_at``), and the page shows
it as "entered late". Gates and timers read the clinical time.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from typing import Any

from kap_clinic.accounts.models import User
from kap_clinic.common import clock
from kap_clinic.common.errors import Conflict, PermissionDeniedError, ValidationFailed
from sessions_app.clinical.gates import (
    DosingState,
)
from sessions_app.clinical.models.dosing import (
    LATE_ENTRY_AFTER,
    Discharge,
    DosingRecord,
)
from sessions_app.common.inputs import (
    RecordSigned,
    text,
)
from sessions_app.scheduling.models import Session
from sessions_app.scheduling.services import window
from sessions_app.scheduling.services.sessions import session_transition

CLOCK_SKEW = dt.timedelta(minutes=1)


def require_open(state: DosingState) -> None:
    if state.dosing.signed_at is not None:
        raise RecordSigned("This dosing record is signed; corrections are addenda.")


def require_not_discharged(dosing: DosingRecord) -> None:
    if Discharge.objects.filter(dosing=dosing).exists():
        raise Conflict("The patient has been discharged; add an addendum for anything after discharge.")


def override_reason_text(value: Any, field: str = "override_reason") -> str:
    return text(value, field=field, label="The reason", max_length=300)


def session_advance(actor: User, session: Session, to_status: str) -> None:
    """Move the appointment along its status machine when this actor may (scheduling owns the rules)."""
    # Only clinicians on the session start or complete it; another care-team clinician
    # recording a dose leaves the status for the session's own staff to move.
    with contextlib.suppress(PermissionDeniedError):
        session_transition(actor=actor, session=session, to_status=to_status)


def checked_in_since(session: Session) -> dt.datetime | None:
    """When the patient was checked in (sessions from before that was stamped: the window's opening)."""
    if session.checked_in_at is not None:
        return session.checked_in_at
    if session.status in (Session.Status.CHECKED_IN, Session.Status.IN_PROGRESS, Session.Status.COMPLETED):
        return window.check_in_opens_at(session)
    return None


def clinical_time(value: Any, *, field: str, label: str, session: Session, now: dt.datetime) -> dt.datetime:
    """The clinical time of an entry: ``now`` when none is given, else the given time, checked.

    Refused (naming ``field``) in the future beyond a minute of clock skew, and before check-in.
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return now
    at = clock.parse_datetime(value, field=field)
    if at > now + CLOCK_SKEW:
        raise ValidationFailed(f"{label} cannot be in the future (it is {clock.to_local(now):%H:%M} now).", field=field)
    at = min(at, now)
    since = checked_in_since(session)
    if since is None:
        raise ValidationFailed(f"{label} can only be given once the patient is checked in.", field=field)
    if at < since:
        raise ValidationFailed(
            f"{label} cannot be before the patient was checked in ({clock.to_local(since):%H:%M}).", field=field
        )
    return at


def late_fields(name: str, at: dt.datetime, now: dt.datetime) -> list[str]:
    """``[name]`` when the entry is dated back (the audit event says the clinical time was given)."""
    return [name] if now - at > LATE_ENTRY_AFTER else []
