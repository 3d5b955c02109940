"""The booked window: when a session may be checked in and its clinical work recorded.

Rules (times on the clinic's wall clock):
- **Check-in window**: a session is checked in, and a dose is recorded, on the day it is booked,
  from ``check_in_window_minutes`` (a clinical setting, default 120) before its start; never
  earlier, never on another day (a 01:00 session opens at midnight).
- **Completion**: a preparation or integration session is not completed before its start.
- **Override**: a prescriber may go past either rule with a reason. The decision is written on
  the session (who, when, why), audited as ``session.window_overridden``, and holds for the rest
  of that session. Anyone else is refused (403); a prescriber without a reason gets the refusal.
  The other way out is to move the session (``session_update``).
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from kap_clinic.accounts.models import User
from kap_clinic.accounts.permissions import PRESCRIBER_DISCIPLINE, is_active_clinician_of
from kap_clinic.audit.services import audit_record
from kap_clinic.common import clock
from kap_clinic.common.errors import PermissionDeniedError, ValidationFailed
from sessions_app.common.inputs import GateRefused
from sessions_app.common.vocabulary import SessionKind
from sessions_app.scheduling.hooks import check_in_window_minutes
from sessions_app.scheduling.models import Session

OVERRIDE_HINT = " A prescriber can override with a reason, or move the session."
# Sessions whose record is completed by signing it: completing them before they start is refused.
NOT_BEFORE_START = (SessionKind.PREPARATION, SessionKind.INTEGRATION)


def _day_month(value: dt.datetime) -> str:
    return f"{value.day} {value:%b}"


def booked_text(session: Session) -> str:
    """``Booked for 14:30 on 7 Dec`` (clinic time)."""
    start = clock.to_local(session.starts_at)
    return f"Booked for {start:%H:%M} on {_day_month(start)}"


def check_in_opens_at(session: Session) -> dt.datetime:
    """The window's start: the setting's minutes (real time) before the booked start, but not before
    that day began."""
    day_start, _ = clock.day_bounds(clock.to_local(session.starts_at).date())
    # Real minutes (in UTC): across a daylight-saving change the wall clock moves by more or less.
    opens = session.starts_at.astimezone(dt.UTC) - dt.timedelta(minutes=check_in_window_minutes())
    return max(opens, day_start)


def window_refusal(session: Session, *, at: dt.datetime, what: str = "check-in") -> str | None:
    """Why ``what`` (check-in, dosing) cannot happen at ``at``, naming the booked time; None inside the window."""
    start = clock.to_local(session.starts_at)
    day = clock.clinic_date(at)
    if day > start.date():
        return f"{booked_text(session)}; {what} closed at the end of that day."
    opens = clock.to_local(check_in_opens_at(session))
    if at < opens:
        on_day = "" if day == start.date() else f" on {_day_month(opens)}"
        return f"{booked_text(session)}; {what} opens at {opens:%H:%M}{on_day}."
    return None


def completion_refusal(session: Session, *, at: dt.datetime) -> str | None:
    """Why a preparation or integration session cannot be completed at ``at`` (before its start)."""
    if session.kind not in NOT_BEFORE_START or at >= session.starts_at:
        return None
    return (
        f"{booked_text(session)}; it can be completed once it has started ({clock.to_local(session.starts_at):%H:%M})."
    )


def session_window_check(
    *,
    actor: User,
    session: Session,
    message: str | None,
    override_reason: str = "",
    code: str = "outside_booked_window",
) -> bool:
    """Let an action outside the booked window through only with a prescriber's override.

    ``message`` is the refusal (``window_refusal``/``completion_refusal``), None when inside the
    window. An override already on the session covers it. With a reason from a prescriber the
    override is written on the session and audited (returns True); with no reason the refusal is
    raised (GateRefused, 409, field ``override_reason``); from anyone else PermissionDeniedError.
    """
    if message is None or session.window_override_by_id is not None:
        return False
    reason = (override_reason or "").strip()
    if not reason:
        raise GateRefused(
            code,
            message + OVERRIDE_HINT,
            field="override_reason",
            extra={"booked_for": session.starts_at.isoformat(), "opens_at": check_in_opens_at(session).isoformat()},
        )
    if not is_active_clinician_of(actor, PRESCRIBER_DISCIPLINE):
        raise PermissionDeniedError(message + " Only a prescriber may override the booked time.")
    if len(reason) > 300:
        raise ValidationFailed("The reason is longer than 300 characters.", field="override_reason")
    now = timezone.now()
    Session.objects.filter(pk=session.pk).update(
        window_override_by=actor, window_override_at=now, window_override_reason=reason, updated_at=now
    )
    session.window_override_by, session.window_override_at, session.window_override_reason = actor, now, reason
    audit_record(
        actor=actor,
        action="session.window_overridden",
        target=session,
        patient=session.patient,
        changed_fields=["window_override_reason"],
    )
    return True
