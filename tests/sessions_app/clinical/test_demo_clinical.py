"""The clinical demo seed: two lots, completed dosing sessions with a BP peak near 40 minutes,
one adverse event, signed and unsigned records; running it again changes nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command

from sessions_app.clinical.gates import load_state, predose_checks
from sessions_app.clinical.models.dosing import AdverseEvent, DosingRecord
from sessions_app.clinical.models.notes import PsychotherapyNote
from sessions_app.inventory.models import InventoryEntry, InventoryLot
from sessions_app.inventory.selectors import reconciliation_rows

pytestmark = pytest.mark.django_db


def test_the_demo_clinic_has_dosing_records_inventory_and_notes(capsys) -> None:
    call_command("seed_demo")
    lots = {lot.lot_number: lot for lot in InventoryLot.objects.all()}
    assert set(lots) == {"KET-24A17", "ESK-8831"}
    records = list(
        DosingRecord.objects.select_related("discharge")
        .filter(session__status="completed")  # the live rooms of today are demo_today's
        .order_by("session__starts_at")
    )
    assert len(records) >= 2
    assert all(hasattr(r, "discharge") for r in records)
    assert {r.signed_at is None for r in records} == {True, False}
    for record in records:
        start = record.administrations.get().started_at
        peak = max(record.vitals.exclude(systolic=None), key=lambda v: v.systolic)
        assert 30 <= (peak.taken_at - start).total_seconds() / 60 <= 50
    assert AdverseEvent.objects.count() == 1
    assert PsychotherapyNote.objects.filter(signed_at__isnull=False).exists()
    assert PsychotherapyNote.objects.filter(signed_at__isnull=True).exists()
    given = sum(a.dose_mg for r in DosingRecord.objects.all() for a in r.administrations.all())
    assert lots["KET-24A17"].balance == 2500 - given
    assert not any(row.has_discrepancy for row in reconciliation_rows())

    counts = (DosingRecord.objects.count(), InventoryEntry.objects.count(), PsychotherapyNote.objects.count())
    call_command("seed_demo")
    assert (DosingRecord.objects.count(), InventoryEntry.objects.count(), PsychotherapyNote.objects.count()) == counts


def test_the_demo_history_is_coherent_in_time() -> None:
    """Work-up and consent come before the course; doses went through the gates; MOAA/S on dosing days."""
    from consent.models import ConsentKind, ConsentRecord
    from kap_clinic.audit.models import AuditEvent
    from kap_clinic.common import clock
    from patients.models import Assessment, EligibilityDecision, IntakeAssessment, Patient

    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115, PTH123
    patient = Patient.objects.get(email="patient@demo.clinic")
    records = list(
        DosingRecord.objects.filter(patient=patient, discharge__isnull=False)  # not today's live room
        .select_related("session")
        .order_by("session__starts_at")
    )
    assert len(records) == 3
    first_dose = records[0].session.starts_at

    # Intake, "eligible" and the signed (and witnessed) consents all precede the first session.
    first_session = patient.sessions.order_by("starts_at").first().starts_at
    intake = IntakeAssessment.objects.get(patient=patient)
    decision = EligibilityDecision.objects.get(patient=patient)
    assert intake.created_at <= decision.decided_at < first_session
    assert first_session - decision.decided_at >= dt.timedelta(days=14)
    kap = ConsentRecord.objects.select_related("countersignature", "request").get(
        patient=patient, kind__code=ConsentKind.KAP_TREATMENT
    )
    ersd = ConsentRecord.objects.get(patient=patient, kind__code=ConsentKind.ELECTRONIC_RECORDS)
    assert decision.decided_at < kap.request.created_at < kap.signed_at == ersd.signed_at
    assert kap.signed_at < kap.countersignature.countersigned_at < first_session
    assert kap.document.published_at < kap.request.created_at
    # The PDFs were generated when signed / countersigned (their footer says so), not at seed time.
    pdfs = {p.stage: p.rendered_at for p in kap.pdfs.all()}
    assert dt.timedelta(0) <= pdfs["signed"] - kap.signed_at < dt.timedelta(minutes=1)
    assert dt.timedelta(0) <= pdfs["countersigned"] - kap.countersignature.countersigned_at < dt.timedelta(minutes=1)
    signed_event = AuditEvent.objects.get(action="consent.signed", target_public_id=str(kap.public_id))
    assert signed_event.occurred_at == kap.signed_at

    # Every past dose went through administration_record: every check (warnings too) met at its start.
    for record in records:
        state = load_state(record)
        checks = predose_checks(state)
        assert [c.key for c in checks if not c.met] == [], record.session.starts_at
        administration = record.administrations.get()
        event = AuditEvent.objects.get(action="dosing.administered", target_public_id=str(administration.public_id))
        assert event.occurred_at == administration.started_at
    assert first_dose > kap.countersignature.countersigned_at

    # MOAA/S results are dated during the dosing sessions, one per session.
    moaas = Assessment.objects.filter(patient=patient, instrument="moas")
    windows = [(r.session.starts_at, r.session.ends_at) for r in records]
    assert moaas.count() == len(records)
    for result in moaas:
        assert any(start <= result.administered_at <= end for start, end in windows), result.administered_at
    assert {clock.to_local(r.administered_at).date() for r in moaas} == {
        clock.to_local(start).date() for start, _ in windows
    }


def test_the_demo_patients_scores_tell_the_course_story() -> None:
    """Severe baseline at intake and still before the first dose; response and remission only after it."""
    from patients.demo import DEMO_PREDOSE_SCORES
    from patients.models import Assessment, IntakeAssessment, Patient, SafetyFlag
    from patients.outcomes import outcome_series_all

    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115, PTH123
    patient = Patient.objects.get(email="patient@demo.clinic")
    records = list(
        DosingRecord.objects.filter(patient=patient, discharge__isnull=False)  # not today's live room
        .select_related("session")
        .order_by("session__starts_at")
    )
    first_dose = records[0].administrations.get().started_at
    latest_dose = records[-1].administrations.get().started_at
    series = outcome_series_all(patient)
    phq9, gad7, pcl5 = series["phq9"], series["gad7"], series["pcl5"]

    # Baselines: taken at the intake visit, weeks before the course, severe.
    intake = IntakeAssessment.objects.get(patient=patient)
    for s in (phq9, gad7, pcl5):
        assert s.baseline.at.date() == intake.assessed_at.date()
        assert s.baseline.at < first_dose - dt.timedelta(days=14)
    assert phq9.baseline.total == 21 and phq9.baseline.severity == "severe"
    assert gad7.baseline.severity == "severe"
    # Until the first dose, no improvement: every PHQ-9 moderately severe or severe, no response.
    before = [p for p in phq9.points if p.at < first_dose]
    assert len(before) >= 3  # intake, preparation session, pre-dose check
    assert all(p.total >= 15 and not p.is_response and not p.is_remission for p in before)
    assert not any(p.is_response or p.is_remission for s in (gad7, pcl5) for p in s.points if p.at < first_dose)
    # After it: response, then remission by the latest dose (its pre-dose PHQ-9 and GAD-7 are in remission).
    assert first_dose < phq9.first_response.at < phq9.first_remission.at <= latest_dose
    assert phq9.status == "remission"
    assert first_dose < gad7.first_response.at < gad7.first_remission.at <= latest_dose
    assert gad7.status == "remission"
    assert first_dose < pcl5.first_response.at and pcl5.status == "response"
    latest_predose = Assessment.objects.filter(patient=patient, instrument="phq9", administered_at__lt=latest_dose)
    assert latest_predose.latest("administered_at").total == DEMO_PREDOSE_SCORES[-1]["phq9"] < 5
    # Each dose had its own PHQ-9 that morning (the "within 7 days" check), and none raised an alert.
    for record in records:
        start = record.administrations.get().started_at
        assert Assessment.objects.filter(
            patient=patient, instrument="phq9", administered_at__range=(start - dt.timedelta(hours=1), start)
        ).exists()
    assert not SafetyFlag.objects.filter(patient=patient).exists()


def test_the_demo_clinic_has_two_treatment_rooms_in_use_now(client) -> None:
    """Today's live rooms (sessions_app/clinical/demo_today.py): one dosed with an open alert, one before its dose."""
    from kap_clinic.common import clock
    from sessions_app.clinical.board import room_board
    from sessions_app.scheduling.models import Session

    call_command("seed_demo")
    start, end = clock.day_bounds(clock.local_today())
    live = Session.objects.filter(
        kind="dosing", starts_at__gte=start, starts_at__lt=end, dosing_record__isnull=False
    ).exclude(status__in=("completed", "cancelled", "no_show"))
    assert {s.room.name for s in live} == {"Dosing Suite A", "Dosing Suite B"}
    assert {s.status for s in live} <= {"checked_in", "in_progress"}
    from kap_clinic.accounts.models import User

    board = room_board(user=User.objects.get(email="nurse@demo.clinic"))
    cards = {c.room.name: c for c in board.cards}
    dosed = cards["Dosing Suite A"].clinical
    assert dosed.dose_started_at is not None and dosed.last_vitals is not None and dosed.open_alerts
    waiting = cards["Dosing Suite B"].clinical
    assert waiting.dose_started_at is None and waiting.last_vitals is not None
    call_command("seed_demo")
    assert live.count() == 2
