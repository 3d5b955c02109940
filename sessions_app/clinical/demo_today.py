"""Demo: two treatment rooms in use right now, so the live board and dosing pages show something real.

- Dosing Suite A: the demo patient (Jordan Ellis), dosed about 40 minutes ago (0.5 mg/kg IV over
  40 minutes), vitals every 15 minutes, the latest above the systolic alert limit and not yet
  acknowledged; not discharged.
- Dosing Suite B: Samira Haddad, checked in a few minutes ago, record opened, fasting and ride home
  confirmed, pre-dose vitals taken, waiting for the dose (her consent and preparation are not in
  the demo, so the dose gate shows what is missing).

Two dosing sessions at once need two therapists (the session type asks for one in the room), so
the demo adds a second therapist, Maya Ortiz (``therapist2@demo.clinic``, the demo password), on
Samira's care team. Everything goes through the services on a simulated clock, as the past sessions do. Idempotent:
skipped once either patient has a dosing session today. A session of the patient, the staff or the
room that would overlap is moved later (or cancelled if it fits nowhere) rather than double-booked;
a step the rules refuse is logged and the rest of the demo goes on.
"""

from __future__ import annotations

import datetime as dt
import logging
from decimal import Decimal

from django.db.models import Q
from django.utils import timezone

from kap_clinic.accounts.demo import DEMO_PASSWORD
from kap_clinic.accounts.models import User
from kap_clinic.common import clock
from kap_clinic.common.demo_clock import simulated_clock
from kap_clinic.common.errors import ApplicationError
from patients.models import CareTeamMembership, Patient
from patients.selectors import latest_weight
from sessions_app.clinical.services.administration import administration_record
from sessions_app.clinical.services.dosing import dosing_check_in, dosing_confirm, dosing_open
from sessions_app.clinical.services.monitoring import vitals_record
from sessions_app.inventory.models import InventoryLot
from sessions_app.scheduling.models import Room, Session
from sessions_app.scheduling.services.sessions import session_cancel, session_reschedule, session_schedule

log = logging.getLogger(__name__)

SECOND_THERAPIST = "therapist2@demo.clinic"
REASON = "Demo clinic: today's live treatment rooms"
# Minutes after the dose: (systolic, diastolic, heart rate, SpO2, resp. rate); the last crosses the alert limit.
LIVE_VITALS = [(15, 138, 86, 80, 98, 15), (30, 168, 98, 86, 97, 14), (40, 184, 102, 90, 96, 14)]


def _free_the_slot(
    admin: User, patient: Patient, staff: list[User], room: Room, start: dt.datetime, end: dt.datetime
) -> None:
    """Make room for the live session: the patient's, the staff's and the room's own sessions that
    overlap it move later (today if they fit, else the next days); one that fits nowhere is cancelled."""
    clashes = (
        Session.objects.filter(starts_at__lt=end, ends_at__gt=start)
        .filter(Q(patient=patient) | Q(room=room) | Q(lead_clinician__in=staff) | Q(additional_staff__in=staff))
        .exclude(status__in=(Session.Status.CANCELLED, Session.Status.NO_SHOW, Session.Status.COMPLETED))
        .distinct()
    )
    for session in clashes:
        for later in (end + dt.timedelta(minutes=30 + 120 * i) for i in range(3)):
            try:
                session_reschedule(
                    actor=admin, session=session, starts_at=later, override_hours=True, override_reason=REASON
                )
                break
            except ApplicationError:
                continue
        else:
            for days in (1, 2, 3):
                try:
                    session_reschedule(
                        actor=admin,
                        session=session,
                        starts_at=session.starts_at + dt.timedelta(days=days),
                        override_hours=True,
                        override_reason=REASON,
                    )
                    break
                except ApplicationError:
                    continue
            else:
                session_cancel(actor=admin, session=session, reason=REASON)


def _second_therapist(patient: Patient) -> User:
    user, created = User.objects.get_or_create(
        email=SECOND_THERAPIST,
        defaults={
            "full_name": "Maya Ortiz",
            "role": User.Role.CLINICIAN,
            "discipline": User.Discipline.THERAPIST,
            "credentials": "LMFT",
        },
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
    CareTeamMembership.objects.get_or_create(patient=patient, clinician=user, active=True)
    return user


def _book(users: dict[str, User], patient: Patient, room: Room, start: dt.datetime, staff: list[User]) -> Session:
    _free_the_slot(users["admin"], patient, staff, room, start, start + dt.timedelta(hours=2))
    with simulated_clock(start - dt.timedelta(hours=3)):
        session = session_schedule(
            actor=users["admin"],
            patient=patient,
            kind=Session.Kind.DOSING,
            starts_at=start,
            lead_clinician=staff[0],
            additional_staff=staff[1:],
            room=room,
            override_hours=True,
            override_reason=REASON,
            allow_past=True,
        )
    return session


def _prepare(users: dict[str, User], session: Session, *, at: dt.datetime, systolic: int) -> object:
    nurse = users["nurse"]
    with simulated_clock(at):
        dosing = dosing_open(actor=nurse, session=session, medication="racemic_ketamine", route="iv")
        dosing_check_in(actor=nurse, dosing=dosing)
        dosing_confirm(actor=nurse, dosing=dosing, item="fasting")
        dosing_confirm(
            actor=nurse, dosing=dosing, item="ride_home", escort_name="Sam Ellis", escort_phone="+1555550143"
        )
    with simulated_clock(at + dt.timedelta(minutes=4)):
        vitals_record(actor=nurse, dosing=dosing, systolic=systolic, diastolic=80, heart_rate=74, spo2=98, resp_rate=15)
    return dosing


def _suite_a(users: dict[str, User], patient: Patient, room: Room, lot: InventoryLot, now: dt.datetime) -> None:
    start = now - dt.timedelta(minutes=45)
    session = _book(users, patient, room, start, [users["prescriber"], users["therapist"]])
    dosing = _prepare(users, session, at=start - dt.timedelta(minutes=12), systolic=126)
    weight = latest_weight(patient, on=clock.to_local(start).date())
    dose = (Decimal("0.5") * (weight.weight_kg if weight else Decimal("77.0"))).quantize(Decimal("0.5"))
    with simulated_clock(start):
        administration_record(  # by the session's own prescriber, who also starts the session
            actor=users["prescriber"],
            dosing=dosing,
            dose_mg=dose,
            lot=lot,
            ordering_prescriber=users["prescriber"],
            infusion_minutes=40,
        )
    for minute, sys_, dia, hr, spo2, rr in LIVE_VITALS:
        with simulated_clock(start + dt.timedelta(minutes=minute)):
            vitals_record(
                actor=users["nurse"],
                dosing=dosing,
                systolic=sys_,
                diastolic=dia,
                heart_rate=hr,
                spo2=spo2,
                resp_rate=rr,
            )


def _suite_b(users: dict[str, User], patient: Patient, room: Room, now: dt.datetime) -> None:
    start = now - dt.timedelta(minutes=5)
    session = _book(users, patient, room, start, [users["nurse"], _second_therapist(patient)])
    _prepare(users, session, at=now - dt.timedelta(minutes=8), systolic=132)


def seed_live_rooms(users: dict[str, User], patients: dict[str, Patient]) -> None:
    """Two rooms in use now (see the module docstring). Runs after the schedule and clinical seeds."""
    now = timezone.now().replace(second=0, microsecond=0)
    start, end = clock.day_bounds(clock.local_today())
    live = [patients.get("demo"), patients.get("samira")]
    if any(p is None for p in live):
        return
    today = Session.objects.filter(patient__in=live, kind=Session.Kind.DOSING, starts_at__gte=start, starts_at__lt=end)
    if today.filter(dosing_record__isnull=False).exists():
        return
    rooms = {r.name: r for r in Room.objects.filter(name__in=("Dosing Suite A", "Dosing Suite B"))}
    lot = InventoryLot.objects.filter(lot_number="KET-24A17").first()
    if len(rooms) < 2 or lot is None:
        return
    steps = [
        ("Dosing Suite A", lambda: _suite_a(users, patients["demo"], rooms["Dosing Suite A"], lot, now)),
        ("Dosing Suite B", lambda: _suite_b(users, patients["samira"], rooms["Dosing Suite B"], now)),
    ]
    for name, step in steps:
        try:
            step()
        except ApplicationError as exc:  # a demo must not stop the seed; say what was skipped
            log.warning("demo live rooms: %s stopped early: %s", name, exc.message)
