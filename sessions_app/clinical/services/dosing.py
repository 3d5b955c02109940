"""Opening a dosing record, changing its plan, checking the patient in, confirming fasting and the
ride home (domain.md b; the gates these feed are in ``sessions_app.clinical.gates``).
Every write is audited and refused once the record is signed. Times are server times.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone

from kap_clinic.accounts.models import User
from kap_clinic.audit.services import audit_record
from kap_clinic.common.errors import Conflict, ValidationFailed
from sessions_app.clinical.gates import (
    load_state,
)
from sessions_app.clinical.models.dosing import (
    DosingRecord,
    Medication,
    Route,
)
from sessions_app.clinical.models.live import LiveChange
from sessions_app.clinical.services.guards import (
    require_open,
)
from sessions_app.clinical.services.live import dosing_bump
from sessions_app.common.inputs import (
    choice,
    require_clinician_on_team,
    require_medical_on_team,
    text,
)
from sessions_app.scheduling.models import Session
from sessions_app.scheduling.services import window
from sessions_app.scheduling.services.sessions import session_walk

ROUTES_FOR = {
    Medication.RACEMIC_KETAMINE: (Route.IV, Route.IM, Route.SUBLINGUAL_ORAL),
    Medication.ESKETAMINE: (Route.INTRANASAL,),
}


def _check_medication_route(medication: str, route: str) -> tuple[str, str]:
    medication = choice(medication, field="medication", label="a medication", choices=Medication)
    route = choice(route, field="route", label="a route", choices=Route)
    if route not in ROUTES_FOR[Medication(medication)]:
        allowed = ", ".join(Route(r).label for r in ROUTES_FOR[Medication(medication)])
        raise ValidationFailed(f"{Medication(medication).label} is given by: {allowed}.", field="route")
    return medication, route


@transaction.atomic
def dosing_open(*, actor: User, session: Session, medication: str, route: str) -> DosingRecord:
    """Open the dosing record of a dosing session (prescriber or nurse on the care team).

    The medication decides which consent the gate asks for; the route, which dose range applies.
    The session's lead clinician is the responsible clinician who signs. Refused for a session
    that is not a dosing session, is cancelled, a no-show, or already has a record.
    Status follows the work: opened inside the booked window (same day, from the clinic's
    ``check_in_window_minutes`` before the start), the patient is checked in with it. Opened
    earlier (to prepare the record), it is not, and the page offers the check-in.
    """
    session = Session.objects.select_for_update().select_related("patient").get(pk=session.pk)
    require_medical_on_team(actor, session.patient, "open a dosing record")
    if session.kind != Session.Kind.DOSING:
        raise ValidationFailed("A dosing record belongs to a dosing session.", field="session")
    if session.status in (Session.Status.CANCELLED, Session.Status.NO_SHOW):
        raise Conflict(f"This session is {session.get_status_display().lower()}.", field="session")
    medication, route = _check_medication_route(medication, route)
    if DosingRecord.objects.filter(session=session).exists():
        raise Conflict("This session already has a dosing record.", field="session")
    try:
        with transaction.atomic():
            dosing = DosingRecord.objects.create(
                session=session,
                patient=session.patient,
                medication=medication,
                route=route,
                responsible_clinician=session.lead_clinician,
                opened_by=actor,
            )
    except IntegrityError:
        raise Conflict("This session already has a dosing record.", field="session") from None
    dosing_bump(dosing, kind=LiveChange.Kind.RECORD, action="dosing_record.opened")
    audit_record(
        actor=actor,
        action="dosing_record.opened",
        target=dosing,
        patient=session.patient,
        changed_fields=["medication", "route"],
    )
    if window.window_refusal(session, at=timezone.now()) is None:
        session_walk(actor=actor, session=session, to_status=Session.Status.CHECKED_IN)
    return dosing


@transaction.atomic
def dosing_plan_update(*, actor: User, dosing: DosingRecord, medication: str, route: str) -> DosingRecord:
    """Change the planned medication or route, only before any dose is recorded."""
    state = load_state(dosing, lock=True)
    require_medical_on_team(actor, state.dosing.patient, "change the dosing plan")
    require_open(state)
    if state.doses:
        raise Conflict("A dose is already recorded; the medication and route can no longer change.", field="route")
    medication, route = _check_medication_route(medication, route)
    DosingRecord.objects.filter(pk=dosing.pk).update(medication=medication, route=route, updated_at=timezone.now())
    dosing_bump(state.dosing, kind=LiveChange.Kind.RECORD, action="dosing_record.plan_changed")
    audit_record(
        actor=actor,
        action="dosing_record.plan_changed",
        target=state.dosing,
        patient=state.dosing.patient,
        changed_fields=["medication", "route"],
    )
    state.dosing.refresh_from_db()
    return state.dosing


@transaction.atomic
def dosing_check_in(*, actor: User, dosing: DosingRecord, override_reason: str = "") -> Session:
    """Check the patient in from the dosing page (confirming the appointment first if needed).

    Refused outside the booked window with a message naming the booked time, unless a
    prescriber gives ``override_reason`` (written on the session and audited). A patient already
    checked in stays so.
    """
    require_clinician_on_team(actor, dosing.patient, "check the patient in")
    return session_walk(
        actor=actor, session=dosing.session, to_status=Session.Status.CHECKED_IN, override_reason=override_reason
    )


@transaction.atomic
def dosing_confirm(
    *, actor: User, dosing: DosingRecord, item: str, escort_name: str = "", escort_phone: str = ""
) -> DosingRecord:
    """Confirm fasting (no food 2 h, no liquids 30 min) or the ride home (with the escort's name)."""
    state = load_state(dosing, lock=True)
    require_medical_on_team(actor, state.dosing.patient, "confirm pre-dose checks")
    require_open(state)
    now = timezone.now()
    if item == "fasting":
        fields = {"fasting_confirmed_at": now, "fasting_confirmed_by": actor}
    elif item == "ride_home":
        name = text(escort_name, field="escort_name", label="The escort's name", max_length=120, required=True)
        phone = text(escort_phone, field="escort_phone", label="The escort's phone", max_length=40)
        fields = {
            "ride_home_confirmed_at": now,
            "ride_home_confirmed_by": actor,
            "escort_name": name,
            "escort_phone": phone,
        }
    else:
        raise ValidationFailed("Confirm either fasting or the ride home.", field="item")
    DosingRecord.objects.filter(pk=dosing.pk).update(**fields, updated_at=now)
    dosing_bump(state.dosing, kind=LiveChange.Kind.RECORD, action=f"dosing_record.{item}_confirmed")
    audit_record(
        actor=actor,
        action=f"dosing_record.{item}_confirmed",
        target=state.dosing,
        patient=state.dosing.patient,
        changed_fields=list(fields),
    )
    state.dosing.refresh_from_db()
    return state.dosing
