"""Demo clinical records: two lots on the shelf, the demo patient's past dosing sessions with
realistic vitals (BP rising to a peak near 40 minutes and back within about 1.5 h, domain.md
b.19), one adverse event, signed and unsigned notes, a follow-up check and psychotherapy notes.
Called by seed_demo after the schedule; idempotent (skipped once the patient has a dosing record).

Past sessions are replayed through the services on a simulated clock, so every timestamp,
audit event and log entry is where it would have been, and every dose goes through
``administration_record`` with all its gates: the other demo seeds date the demo patient's
eligibility decision (~3 weeks before the course), signed KAP consent (~2 weeks before) and
weight before the first session, and each replayed session confirms fasting and the ride home,
takes pre-dose vitals and a PHQ-9 (with a GAD-7) before the dose. The MOAA/S result of each session
is recorded with its first observation. Upcoming sessions are left for the live dosing page.

The questionnaires tell the course's story (the totals are ``patients.demo.DEMO_*_SCORES``): still
moderately severe at the preparation session and before the first dose, better at each integration
session and pre-dose check after it: a response before the second dose, remission before the third.
"""

from __future__ import annotations

import datetime as dt
import logging
from decimal import Decimal

from django.utils import timezone

from kap_clinic.accounts.demo import DEMO_PASSWORD
from kap_clinic.accounts.models import User
from kap_clinic.common import clock
from kap_clinic.common.demo_clock import simulated_clock
from kap_clinic.common.errors import ApplicationError
from patients.demo import DEMO_INTEGRATION_SCORES, DEMO_PREDOSE_SCORES, DEMO_PREPARATION_SCORES, record_scores
from patients.models import Patient
from patients.selectors import latest_weight
from patients.services import assessment_record
from sessions_app.clinical.models.dosing import DosingRecord
from sessions_app.clinical.services import notes
from sessions_app.clinical.services.administration import administration_end, administration_record
from sessions_app.clinical.services.discharge import discharge_record
from sessions_app.clinical.services.dosing import dosing_confirm, dosing_open
from sessions_app.clinical.services.monitoring import adverse_event_record, observation_record, vitals_record
from sessions_app.inventory.models import InventoryLot
from sessions_app.inventory.services import inventory_count, lot_receive
from sessions_app.scheduling.models import Session

log = logging.getLogger(__name__)

# Minutes after the start of the infusion: (systolic, diastolic, heart rate, SpO2, resp. rate).
VITALS_CURVE = [
    (15, 132, 85, 78, 98, 15),
    (30, 141, 90, 82, 97, 15),
    (40, 147, 93, 84, 97, 14),
    (55, 139, 88, 80, 98, 15),
    (75, 129, 83, 76, 98, 15),
    (95, 124, 80, 73, 99, 16),
]
OBSERVATIONS = [(20, 4, "moderate"), (45, 5, "mild"), (90, 5, "none")]
__all__ = ["seed_clinical", "simulated_clock"]


def _lots(nurse: User) -> tuple[InventoryLot, InventoryLot]:
    today = clock.local_today()
    vial = InventoryLot.objects.filter(lot_number="KET-24A17").first()
    if vial is None:
        with simulated_clock(timezone.now() - dt.timedelta(days=30)):
            vial = lot_receive(
                actor=nurse,
                product="ketamine_vial",
                lot_number="KET-24A17",
                concentration="50 mg/mL (10 mL vial)",
                supplier="Harbor Pharmacy Wholesale",
                invoice_number="HPW-55812",
                quantity="2500",
                expires_on=today + dt.timedelta(days=420),
            )
    esk = InventoryLot.objects.filter(lot_number="ESK-8831").first()
    if esk is None:
        with simulated_clock(timezone.now() - dt.timedelta(days=21)):
            esk = lot_receive(
                actor=nurse,
                product="esketamine_device",
                lot_number="ESK-8831",
                concentration="28 mg/device",
                supplier="Specialty Pharmacy Direct",
                invoice_number="SPD-20931",
                quantity="24",
                expires_on=today + dt.timedelta(days=270),
            )
    return vial, esk


def _at(session: Session, minutes: int) -> dt.datetime:
    return session.starts_at + dt.timedelta(minutes=minutes)


def _replay_dosing(users: dict[str, User], session: Session, lot: InventoryLot, index: int, sign: bool) -> None:
    nurse, prescriber = users["nurse"], users["prescriber"]
    patient = session.patient
    with simulated_clock(_at(session, -10)):
        dosing = dosing_open(actor=nurse, session=session, medication="racemic_ketamine", route="iv")
        dosing_confirm(actor=nurse, dosing=dosing, item="fasting")
        dosing_confirm(
            actor=nurse, dosing=dosing, item="ride_home", escort_name="Sam Ellis", escort_phone="+15555550143"
        )
    with simulated_clock(_at(session, -5)):
        vitals_record(
            actor=nurse, dosing=dosing, systolic=122 + index, diastolic=78, heart_rate=72, spo2=98, resp_rate=15
        )
    # The pre-dose PHQ-9 (the gate's "within 7 days" check) and GAD-7: see patients.demo.DEMO_PREDOSE_SCORES.
    record_scores(nurse, patient, DEMO_PREDOSE_SCORES[min(index, len(DEMO_PREDOSE_SCORES) - 1)], _at(session, -15))
    start = _at(session, 0)
    weight = latest_weight(patient, on=clock.to_local(start).date())
    kg = weight.weight_kg if weight else Decimal("77.0")
    dose = (Decimal("0.5") * kg).quantize(Decimal("0.5"))
    with simulated_clock(start):
        # Every pre-dose gate applies, as of the dose: a refusal stops the replay (logged by seed_clinical).
        administration = administration_record(
            actor=nurse, dosing=dosing, dose_mg=dose, lot=lot, ordering_prescriber=prescriber, infusion_minutes=40
        )
    for minute, sys_, dia, hr, spo2, rr in VITALS_CURVE:
        with simulated_clock(_at(session, minute)):
            vitals_record(
                actor=nurse,
                dosing=dosing,
                systolic=sys_ + index * 2,
                diastolic=dia,
                heart_rate=hr,
                spo2=spo2,
                resp_rate=rr,
            )
        if minute == 40:
            with simulated_clock(_at(session, minute)):
                administration_end(actor=nurse, administration=administration)
    for position, (minute, moaas, dissociation) in enumerate(OBSERVATIONS):
        moaas = moaas - 1 if position == 0 and index == 0 else moaas  # a little deeper at the first dose
        with simulated_clock(_at(session, minute)):
            observation_record(actor=users["therapist"], dosing=dosing, moaas=moaas, dissociation=dissociation)
            if position == 0:  # the session's MOAA/S result, on the chart's outcome list
                assessment_record(
                    actor=users["therapist"],
                    patient=patient,
                    instrument="moas",
                    answers=[moaas],
                    administered_at=_at(session, minute),
                )
    if index == 1:
        with simulated_clock(_at(session, 25)):
            adverse_event_record(
                actor=nurse,
                dosing=dosing,
                code="nausea",
                severity="mild",
                intervention="antiemetic",
                intervention_detail="Ondansetron 4 mg ODT; settled within 15 minutes",
            )
    with simulated_clock(_at(session, 101)):
        discharge_record(
            actor=nurse,
            dosing=dosing,
            escort_confirmed=True,
            escort_name="Sam Ellis",
            instructions_given=True,
            aldrete_activity=2,
            aldrete_respiration=2,
            aldrete_circulation=2,
            aldrete_consciousness=2,
            aldrete_spo2=2,
            notes="Alert, steady gait; left with their brother.",
        )
    if sign:
        with simulated_clock(_at(session, 130)):
            notes.record_sign(actor=prescriber, record=dosing, password=DEMO_PASSWORD)


def _preparation(users: dict[str, User], patient: Patient) -> None:
    prep = Session.objects.filter(patient=patient, kind=Session.Kind.PREPARATION).order_by("starts_at").first()
    if prep is None or prep.starts_at > timezone.now():
        return
    # Still moderately severe before the course: no change from the baseline until the first dose.
    record_scores(users["therapist"], patient, DEMO_PREPARATION_SCORES, _at(prep, 10))
    with simulated_clock(_at(prep, 55)):
        record = notes.preparation_save(
            actor=users["therapist"],
            session=prep,
            intentions="To feel less stuck in grief; to reconnect with my partner.",
            concerns="Losing control during the experience; nausea.",
            risks_discussed=["nausea", "dizziness", "blood_pressure", "dissociation", "perceptual", "sedation"],
            fasting_explained=True,
            ride_home_plan="Brother (Sam) drives; stays the evening.",
            readiness="ready",
            readiness_notes="Understands the session structure; agreed a hand signal for a pause.",
        )
        notes.record_sign(actor=users["therapist"], record=record, password=DEMO_PASSWORD)


def _integrations(users: dict[str, User], dosings: list[DosingRecord]) -> None:
    therapist = users["therapist"]
    for position, dosing in enumerate(dosings):
        session = (
            Session.objects.filter(follows=dosing.session, kind=Session.Kind.INTEGRATION).order_by("starts_at").first()
        )
        if session is None or session.ends_at > timezone.now():  # not over yet: left for the live pages
            continue
        scores = DEMO_INTEGRATION_SCORES[min(position, len(DEMO_INTEGRATION_SCORES) - 1)]
        record_scores(therapist, dosing.patient, scores, _at(session, 10))
        with simulated_clock(_at(session, 50)):
            record = notes.integration_save(
                actor=therapist,
                session=session,
                dosing_record=dosing,
                experience="Felt heavy, then spacious; images of the family house.",
                insights="Grief held with less fear; noticed self-criticism softening.",
                themes="Loss, belonging, permission to rest.",
                plan="Continue weekly journaling; bring images to next session.",
                homework="Ten-minute walk after dinner; write one letter, not sent.",
            )
            notes.follow_up_check_record(
                actor=therapist,
                session=session,
                urinary_urgency=False,
                urinary_frequency=False,
                dysuria=False,
                hematuria=False,
                craving="none",
                non_prescribed_use=False,
                memory_concern=False,
                concentration_concern=position == 1,
                cognition_notes="Some word-finding difficulty on the evening of the dose; resolved next day."
                if position == 1
                else "",
            )
            if position == 0:
                notes.record_sign(actor=therapist, record=record, password=DEMO_PASSWORD)


def _psychotherapy_notes(users: dict[str, User], patient: Patient) -> None:
    therapist = users["therapist"]
    with simulated_clock(timezone.now() - dt.timedelta(days=6)):
        note = notes.psychotherapy_note_save(
            actor=therapist,
            patient=patient,
            body="Process: transference around caretaking; patient tested whether I would rescue. Hold the frame.",
        )
        notes.record_sign(actor=therapist, record=note, password=DEMO_PASSWORD)
    with simulated_clock(timezone.now() - dt.timedelta(days=1)):
        notes.psychotherapy_note_save(
            actor=therapist, patient=patient, body="Draft: themes of shame after the second dose; revisit."
        )


def seed_clinical(users: dict[str, User], patients: dict[str, Patient]) -> None:
    """Lots, past dosing sessions (two signed, the latest unsigned), notes and a count. Idempotent.

    The records hang on the demo schedule's past sessions, so the (idempotent) schedule seed runs first.
    """
    from sessions_app.scheduling.demo import seed_schedule

    seed_schedule(users, patients)
    vial, _esk = _lots(users["nurse"])
    patient = patients["demo"]
    if DosingRecord.objects.filter(patient=patient).exists():
        return
    past = list(
        Session.objects.filter(
            patient=patient,
            kind=Session.Kind.DOSING,
            status=Session.Status.COMPLETED,
            ends_at__lt=timezone.now(),
        ).order_by("starts_at")[:3]
    )
    try:
        _preparation(users, patient)
        for index, session in enumerate(past):
            # The middle session stays unsigned (over 72 h old: it shows on the prescriber's dashboard).
            _replay_dosing(users, session, vial, index, sign=index != 1)
        _integrations(users, list(DosingRecord.objects.filter(patient=patient).order_by("session__starts_at")))
        _psychotherapy_notes(users, patient)
        vial.refresh_from_db()
        inventory_count(actor=users["nurse"], lot=vial, counted_quantity=vial.balance, witness=users["prescriber"])
    except ApplicationError as exc:  # a demo must not stop the seed; say what was skipped
        log.warning("demo clinical records: stopped early: %s", exc.message)
