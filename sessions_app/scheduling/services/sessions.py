"""Booking, moving, cancelling sessions and moving them through their status machine.

Every write here enforces the booking rules of ``rules`` (no double booking, staffing, working
hours). Status: scheduled → confirmed → checked_in → in_progress → completed; cancelled or
no_show. Anything else raises ``InvalidTransition``. Check-in and completion keep to the booked
window (``window``). Every write tells ``hooks.session_changed``
(inside its transaction) and records an audit event with the patient.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from kap_clinic.accounts.models import User
from kap_clinic.audit.services import audit_record
from kap_clinic.common.errors import InvalidTransition, PermissionDeniedError, ValidationFailed
from patients.models import Patient
from sessions_app.scheduling.hooks import session_changed
from sessions_app.scheduling.models import (
    Room,
    Session,
    TreatmentCourse,
)
from sessions_app.scheduling.services import window
from sessions_app.scheduling.services.rules import (
    check_clashes,
    check_hours,
    require_patient_access,
    require_staff,
    session_resources,
    session_type_for,
    validate_staffing,
    validate_times,
    write_bookings,
)

# --- booking ------------------------------------------------------------------------------


@transaction.atomic
def session_schedule(
    *,
    actor: User,
    patient: Patient,
    kind: str,
    starts_at: dt.datetime,
    lead_clinician: User,
    ends_at: dt.datetime | None = None,
    additional_staff: Sequence[User] = (),
    room: Room | None = None,
    override_hours: bool = False,
    override_reason: str = "",
    course: TreatmentCourse | None = None,
    course_sequence: int | None = None,
    follows: Session | None = None,
    allow_past: bool = False,
) -> Session:
    """Book a session.

    ``ends_at`` defaults to the start plus the session type's duration. ``allow_past`` is for
    the demo seed and imports only; no page or endpoint passes it. An integration session may
    name the dosing session it ``follows`` and must start after that one ends.
    Raises ValidationFailed (bad input, staffing, room), OutsideWorkingHours, SlotUnavailable,
    PermissionDeniedError (not staff, not the patient's team, non-admin override).
    """
    require_staff(actor)
    require_patient_access(actor, patient)
    session_type = session_type_for(kind)
    additional_staff = list(dict.fromkeys(additional_staff))
    if ends_at is None:
        ends_at = starts_at + dt.timedelta(minutes=session_type.default_duration_minutes)
    validate_times(starts_at, ends_at, allow_past=allow_past)
    validate_staffing(
        session_type=session_type,
        patient=patient,
        lead_clinician=lead_clinician,
        additional_staff=additional_staff,
        room=room,
    )
    _check_follows(follows, patient=patient, starts_at=starts_at)
    resources = session_resources(
        patient=patient, lead_clinician=lead_clinician, additional_staff=additional_staff, room=room
    )
    check_clashes(resources, starts_at, ends_at)  # a clash first: no override can lift it
    overridden = check_hours(
        actor=actor,
        staff=[lead_clinician, *additional_staff],
        starts_at=starts_at,
        ends_at=ends_at,
        override_hours=override_hours,
        override_reason=override_reason,
    )
    session = Session.objects.create(
        patient=patient,
        kind=kind,
        lead_clinician=lead_clinician,
        room=room,
        starts_at=starts_at,
        ends_at=ends_at,
        course=course,
        course_sequence=course_sequence,
        follows=follows,
        created_by=actor,
        hours_override_by=actor if overridden else None,
        hours_override_reason=override_reason.strip() if overridden else "",
    )
    if additional_staff:
        session.additional_staff.set(additional_staff)
    write_bookings(session, resources)
    session_changed(session=session)  # reminder rows follow the session
    fields = ["kind", "patient", "lead_clinician", "room", "starts_at", "ends_at"]
    _audit_booking(
        actor, session, "session.scheduled", fields + (["additional_staff"] if additional_staff else []), overridden
    )
    return session


def _check_follows(follows: Session | None, *, patient: Patient, starts_at: dt.datetime) -> None:
    """An integration session follows a dosing session of the same patient, after it ends."""
    if follows is None:
        return
    if follows.patient_id != patient.pk:
        raise ValidationFailed("A session can only follow a session of the same patient.", field="follows")
    if starts_at < follows.ends_at:
        raise ValidationFailed("An integration session must start after its dosing session ends.", field="starts_at")


def _audit_booking(actor: User, session: Session, action: str, changed_fields: list[str], overridden: bool) -> None:
    """The booking's own event, then ``session.hours_overridden`` when it stands on an admin override."""
    audit_record(actor=actor, action=action, target=session, patient=session.patient, changed_fields=changed_fields)
    if overridden:
        audit_record(
            actor=actor,
            action="session.hours_overridden",
            target=session,
            patient=session.patient,
            changed_fields=["hours_override_reason"],
        )


_KEEP: Any = object()
MOVABLE = {Session.Status.SCHEDULED, Session.Status.CONFIRMED}


@transaction.atomic
def session_update(
    *,
    actor: User,
    session: Session,
    starts_at: dt.datetime = _KEEP,
    ends_at: dt.datetime = _KEEP,
    lead_clinician: User = _KEEP,
    additional_staff: Sequence[User] = _KEEP,
    room: Room | None = _KEEP,
    override_hours: bool = False,
    override_reason: str = "",
) -> Session:
    """Move a session (new times) and/or change its staff or room, under the booking rules.

    Only scheduled or confirmed sessions change; a confirmed session whose time moves goes back
    to scheduled (the patient confirmed the old time). Moving only the start keeps the duration.
    A time change is audited as ``session.rescheduled``, other changes as ``session.updated``.
    """
    require_staff(actor)
    session = _lock_movable(actor, session)
    new, changed = _proposed_change(
        session,
        starts_at=starts_at,
        ends_at=ends_at,
        lead_clinician=lead_clinician,
        additional_staff=additional_staff,
        room=room,
    )
    if not changed:
        return session
    moved = "starts_at" in changed or "ends_at" in changed
    validate_times(new["starts_at"], new["ends_at"], allow_past=not moved)
    validate_staffing(
        session_type=session_type_for(session.kind),
        patient=session.patient,
        lead_clinician=new["lead_clinician"],
        additional_staff=new["additional_staff"],
        room=new["room"],
    )
    _check_neighbours(session, starts_at=new["starts_at"], ends_at=new["ends_at"])
    resources = session_resources(
        patient=session.patient,
        lead_clinician=new["lead_clinician"],
        additional_staff=new["additional_staff"],
        room=new["room"],
    )
    check_clashes(resources, new["starts_at"], new["ends_at"], exclude=session)  # before hours: not overridable
    overridden = check_hours(
        actor=actor,
        staff=[new["lead_clinician"], *new["additional_staff"]],
        starts_at=new["starts_at"],
        ends_at=new["ends_at"],
        override_hours=override_hours,
        override_reason=override_reason,
    )
    _save_change(
        session,
        new,
        changed,
        moved=moved,
        hours_override_by=actor if overridden else None,
        hours_override_reason=override_reason.strip() if overridden else "",
    )
    write_bookings(session, resources)
    session_changed(session=session)  # reminder rows follow the session
    _audit_booking(actor, session, "session.rescheduled" if moved else "session.updated", changed, overridden)
    return session


def _lock_movable(actor: User, session: Session) -> Session:
    """The session, locked for the change; refused unless the actor may change it and it may move."""
    session = (
        Session.objects.select_for_update(of=("self",))
        .select_related("patient", "room", "lead_clinician")
        .get(pk=session.pk)
    )
    require_patient_access(actor, session.patient)
    if session.status not in MOVABLE:
        raise InvalidTransition(
            f"A session that is {session.get_status_display().lower()} cannot be changed.", field="status"
        )
    return session


def _proposed_change(session: Session, **changes: Any) -> tuple[dict[str, Any], list[str]]:
    """The session's times, lead, staff and room after ``changes`` (``_KEEP`` keeps one), and which
    of them differ. Moving only the start keeps the duration."""
    old = {
        "starts_at": session.starts_at,
        "ends_at": session.ends_at,
        "lead_clinician": session.lead_clinician,
        "room": session.room,
        "additional_staff": list(session.additional_staff.all()),
    }
    new = dict(old)
    if changes["starts_at"] is not _KEEP:
        new["starts_at"] = changes["starts_at"]
        new["ends_at"] = changes["starts_at"] + (old["ends_at"] - old["starts_at"])
    if changes["ends_at"] is not _KEEP:
        new["ends_at"] = changes["ends_at"]
    if changes["lead_clinician"] is not _KEEP:
        new["lead_clinician"] = changes["lead_clinician"]
    if changes["additional_staff"] is not _KEEP:
        new["additional_staff"] = list(dict.fromkeys(changes["additional_staff"]))
    if changes["room"] is not _KEEP:
        new["room"] = changes["room"]
    changed = [k for k in new if (set(new[k]) != set(old[k]) if k == "additional_staff" else new[k] != old[k])]
    return new, changed


def _check_neighbours(session: Session, *, starts_at: dt.datetime, ends_at: dt.datetime) -> None:
    """A moved session stays after the dosing session it follows and before the integration that follows it."""
    if session.follows_id and starts_at < session.follows.ends_at:
        raise ValidationFailed("An integration session must start after its dosing session ends.", field="starts_at")
    later = session.follow_up_sessions.exclude(status=Session.Status.CANCELLED).order_by("starts_at").first()
    if later is not None and ends_at > later.starts_at:
        raise ValidationFailed(
            "This session would end after the integration session that follows it.", field="starts_at"
        )


def _save_change(
    session: Session,
    new: dict[str, Any],
    changed: list[str],
    *,
    moved: bool,
    hours_override_by: User | None,
    hours_override_reason: str,
) -> None:
    """Write the new times, lead, room and staff; a confirmed session that moved is scheduled again
    (``status`` then joins ``changed``)."""
    session.starts_at, session.ends_at = new["starts_at"], new["ends_at"]
    session.lead_clinician, session.room = new["lead_clinician"], new["room"]
    update_fields = ["starts_at", "ends_at", "lead_clinician", "room", "hours_override_by", "hours_override_reason"]
    session.hours_override_by = hours_override_by
    session.hours_override_reason = hours_override_reason
    if moved and session.status == Session.Status.CONFIRMED:
        session.status = Session.Status.SCHEDULED
        session.status_changed_at = timezone.now()
        update_fields += ["status", "status_changed_at"]
        changed.append("status")
    session.save(update_fields=[*update_fields, "updated_at"])
    if "additional_staff" in changed:
        session.additional_staff.set(new["additional_staff"])


def session_reschedule(
    *,
    actor: User,
    session: Session,
    starts_at: dt.datetime,
    ends_at: dt.datetime | None = None,
    override_hours: bool = False,
    override_reason: str = "",
) -> Session:
    """Move a session in time (the calendar drag and resize); see ``session_update``."""
    return session_update(
        actor=actor,
        session=session,
        starts_at=starts_at,
        ends_at=_KEEP if ends_at is None else ends_at,
        override_hours=override_hours,
        override_reason=override_reason,
    )


# --- status machine -----------------------------------------------------------------------

TRANSITIONS: dict[str, set[str]] = {
    Session.Status.SCHEDULED: {Session.Status.CONFIRMED, Session.Status.CANCELLED, Session.Status.NO_SHOW},
    Session.Status.CONFIRMED: {Session.Status.CHECKED_IN, Session.Status.CANCELLED, Session.Status.NO_SHOW},
    Session.Status.CHECKED_IN: {Session.Status.IN_PROGRESS, Session.Status.CANCELLED},
    Session.Status.IN_PROGRESS: {Session.Status.COMPLETED},
    Session.Status.COMPLETED: set(),
    Session.Status.CANCELLED: set(),
    Session.Status.NO_SHOW: set(),
}
STATUS_ACTIONS = {
    Session.Status.CONFIRMED: "session.confirmed",
    Session.Status.CHECKED_IN: "session.checked_in",
    Session.Status.IN_PROGRESS: "session.started",
    Session.Status.COMPLETED: "session.completed",
    Session.Status.NO_SHOW: "session.no_show",
}
# Starting and completing a session are clinical acts: only a clinician on the session does them.
CLINICIAN_ONLY = {Session.Status.IN_PROGRESS, Session.Status.COMPLETED}


def _late_cancel_hours() -> int:
    return int(getattr(settings, "SESSION_LATE_CANCEL_HOURS", 24))


@transaction.atomic
def session_transition(*, actor: User, session: Session, to_status: str, override_reason: str = "") -> Session:
    """Move a session one step along its status machine (not to cancelled: see ``session_cancel``).

    A no-show can only be recorded once the session's start time has passed. Checking in is
    refused outside the booked window, and completing a preparation or integration session
    before its start (``services.window``) unless a prescriber overrides with ``override_reason``.
    Checking in stamps ``checked_in_at``.
    Raises InvalidTransition for a step the machine does not allow, GateRefused outside the window.
    """
    return _transition(actor=actor, session=session, to_status=to_status, override_reason=override_reason)


STATUS_PATH = (
    Session.Status.SCHEDULED,
    Session.Status.CONFIRMED,
    Session.Status.CHECKED_IN,
    Session.Status.IN_PROGRESS,
    Session.Status.COMPLETED,
)


@transaction.atomic
def session_walk(
    *, actor: User, session: Session, to_status: str, override_reason: str = "", check_window: bool = True
) -> Session:
    """Take every step from the session's status up to ``to_status`` (status follows the work).

    Each step is a ``session_transition`` with its own audit event. ``check_window=False`` is for
    work already done (signing a record after the fact): it skips the check-in window, never the
    completion rule. A session already there or past it, cancelled or a no-show is left alone.
    """
    session = Session.objects.select_related("patient").get(pk=session.pk)
    if session.status not in STATUS_PATH or STATUS_PATH.index(session.status) >= STATUS_PATH.index(to_status):
        return session
    for step in STATUS_PATH[STATUS_PATH.index(session.status) + 1 : STATUS_PATH.index(to_status) + 1]:
        session = _transition(
            actor=actor, session=session, to_status=step, override_reason=override_reason, check_window=check_window
        )
    return session


def _transition(
    *, actor: User, session: Session, to_status: str, override_reason: str = "", check_window: bool = True
) -> Session:
    require_staff(actor)
    session = Session.objects.select_for_update(of=("self",)).select_related("patient").get(pk=session.pk)
    require_patient_access(actor, session.patient)
    if to_status == Session.Status.CANCELLED:
        raise InvalidTransition("Cancel a session with a reason (session_cancel).", field="status")
    if to_status not in Session.Status.values or to_status not in TRANSITIONS[session.status]:
        target = Session.Status(to_status).label.lower() if to_status in Session.Status.values else repr(to_status)
        raise InvalidTransition(
            f"A {session.get_status_display().lower()} session cannot become {target}.", field="status"
        )
    if to_status in CLINICIAN_ONLY and not (
        actor.pk == session.lead_clinician_id or session.additional_staff.filter(pk=actor.pk).exists()
    ):
        raise PermissionDeniedError("Only a clinician on this session may start or complete it.")
    now = timezone.now()
    if to_status == Session.Status.NO_SHOW and now < session.starts_at:
        raise InvalidTransition("A no-show can only be recorded after the session's start time.", field="status")
    _check_booked_window(actor, session, to_status, now=now, override_reason=override_reason, check_window=check_window)
    session.status = to_status
    session.status_changed_at = now
    fields = ["status", "status_changed_at", "updated_at"]
    if to_status == Session.Status.CHECKED_IN:
        session.checked_in_at = now
        fields.append("checked_in_at")
    session.save(update_fields=fields)
    session_changed(session=session)  # reminder rows follow the session
    audit_record(
        actor=actor,
        action=STATUS_ACTIONS[to_status],
        target=session,
        patient=session.patient,
        changed_fields=["status"],
    )
    return session


def _check_booked_window(
    actor: User, session: Session, to_status: str, *, now: dt.datetime, override_reason: str, check_window: bool
) -> None:
    if to_status == Session.Status.CHECKED_IN and check_window:
        message = window.window_refusal(session, at=now)
        window.session_window_check(actor=actor, session=session, message=message, override_reason=override_reason)
    if to_status == Session.Status.COMPLETED:
        message = window.completion_refusal(session, at=now)
        window.session_window_check(
            actor=actor, session=session, message=message, override_reason=override_reason, code="session_not_started"
        )


@transaction.atomic
def session_cancel(*, actor: User, session: Session, reason: str) -> Session:
    """Cancel a session, recording who, when and why; frees its clinician, room and patient slot.

    A cancellation within SESSION_LATE_CANCEL_HOURS (default 24) of the start is flagged late:
    for a therapy practice a late cancellation is clinical information, not only admin.
    """
    require_staff(actor)
    session = Session.objects.select_for_update(of=("self",)).select_related("patient").get(pk=session.pk)
    require_patient_access(actor, session.patient)
    if Session.Status.CANCELLED not in TRANSITIONS[session.status]:
        raise InvalidTransition(
            f"A {session.get_status_display().lower()} session cannot be cancelled.", field="status"
        )
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("Give a reason for the cancellation.", field="reason")
    now = timezone.now()
    session.status = Session.Status.CANCELLED
    session.status_changed_at = now
    session.cancelled_at = now
    session.cancelled_by = actor
    session.cancellation_reason = reason[:300]
    session.late_cancel = now > session.starts_at - dt.timedelta(hours=_late_cancel_hours())
    session.save(
        update_fields=[
            "status",
            "status_changed_at",
            "cancelled_at",
            "cancelled_by",
            "cancellation_reason",
            "late_cancel",
            "updated_at",
        ]
    )
    session.bookings.update(active=False)
    session_changed(session=session)  # reminder rows follow the session
    audit_record(
        actor=actor,
        action="session.cancelled",
        target=session,
        patient=session.patient,
        changed_fields=["status", "cancelled_at", "cancelled_by", "cancellation_reason", "late_cancel"],
    )
    return session
