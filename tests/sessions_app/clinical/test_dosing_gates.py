"""Each safety gate of a dosing session, through the service: refused with its own message, and
each allowed override recorded and audited."""

from __future__ import annotations

import pytest

from kap_clinic.audit.models import AuditEvent
from kap_clinic.common.errors import PermissionDeniedError, ValidationFailed
from sessions_app.clinical.gates import load_state, predose_checks
from sessions_app.clinical.models.dosing import Administration, GateOverride
from sessions_app.clinical.services.administration import administration_record
from sessions_app.clinical.services.monitoring import bp_acknowledge, bp_override
from sessions_app.common.inputs import GateRefused, InputRefused

from . import helpers

pytestmark = pytest.mark.django_db


def give(p, r, dose="35", **kw):
    kw.setdefault("infusion_minutes", 40)
    return administration_record(
        actor=kw.pop("actor", p.nurse),
        dosing=r.dosing,
        dose_mg=dose,
        lot=kw.pop("lot", r.lot),
        ordering_prescriber=p.prescriber,
        **kw,
    )


def refused(excinfo) -> tuple[str, str]:
    return excinfo.value.code, excinfo.value.message


def test_a_fully_prepared_session_passes_every_check_and_the_dose_is_recorded(personas, ready) -> None:
    r = ready()
    checks = predose_checks(load_state(r.dosing))
    assert [c.key for c in checks if not c.met] == []
    dose = give(personas, r, "35")
    assert dose.mg_per_kg == pytest.approx(0.5)
    assert dose.infusion_minutes == 40
    r.lot.refresh_from_db()
    assert r.lot.balance == 465
    r.session.refresh_from_db()
    assert r.session.status == "in_progress"


def test_it_refuses_dosing_without_a_treatment_consent(personas, ready) -> None:
    r = ready(consent=False)
    with pytest.raises(GateRefused) as exc:
        give(personas, r)
    code, message = refused(exc)
    assert code == "consent_missing"
    assert "No signed KAP treatment consent is in force" in message
    assert not Administration.objects.exists()


def test_it_refuses_dosing_after_the_consent_was_revoked(personas, ready) -> None:
    r = ready()
    helpers.revoke_consent(r.consent, personas.prescriber)
    with pytest.raises(GateRefused) as exc:
        give(personas, r)
    code, message = refused(exc)
    assert code == "consent_revoked"
    assert "was revoked on 2026-03-03" in message


def test_esketamine_needs_the_esketamine_consent_not_the_kap_one(personas, ready) -> None:
    r = ready(consent=False, medication="esketamine", route="intranasal")
    helpers.grant_consent(personas.demo_patient, "kap_treatment", personas.admin)
    with pytest.raises(GateRefused) as exc:
        give(personas, r, "56")
    assert exc.value.code == "consent_missing"
    assert "esketamine treatment consent" in exc.value.message


def test_it_refuses_dosing_a_patient_who_is_not_eligible(personas, ready) -> None:
    r = ready(eligible=False)
    with pytest.raises(GateRefused) as exc:
        give(personas, r)
    code, message = refused(exc)
    assert code == "not_eligible"
    assert "eligibility current is not met" in message
    assert "No eligibility decision yet" in message


def test_a_not_eligible_decision_blocks_dosing_too(personas, ready) -> None:
    r = ready()
    helpers.make_not_eligible(personas.demo_patient, personas.prescriber)
    with pytest.raises(GateRefused) as exc:
        give(personas, r)
    assert exc.value.code == "not_eligible"
    assert "Not eligible" in exc.value.message


def test_it_refuses_a_first_dose_without_a_completed_preparation(personas, ready) -> None:
    r = ready(prepared=False)
    with pytest.raises(GateRefused) as exc:
        give(personas, r)
    code, message = refused(exc)
    assert code == "no_preparation"
    assert "No signed preparation record" in message


def test_an_unsigned_or_not_ready_preparation_does_not_count(personas, ready, book, clinic) -> None:
    from sessions_app.clinical.services import notes

    from .conftest import MONDAY, local

    r = ready(prepared=False)
    prep = book(
        local(MONDAY, 9),
        kind="preparation",
        lead_clinician=personas.therapist,
        room=clinic.consult_room,
        allow_past=True,
    )
    notes.preparation_save(actor=personas.therapist, session=prep, intentions="x", readiness="ready")
    with pytest.raises(GateRefused) as exc:
        give(personas, r)
    assert exc.value.code == "no_preparation"


@pytest.mark.parametrize(
    ("kwargs", "code", "words"),
    [
        ({"fasting": False}, "fasting_unconfirmed", "fasting confirmed"),
        ({"ride_home": False}, "ride_home_unconfirmed", "No ride home confirmed"),
        ({"weight": False}, "weight_missing", "No weight recorded"),
        ({"vitals": False}, "vitals_missing", "Record a full set of pre-dose vitals"),
        ({"checked_in": False}, "not_checked_in", "Check the patient in"),
    ],
)
def test_each_practical_check_blocks_the_dose_with_its_own_message(personas, ready, kwargs, code, words) -> None:
    r = ready(**kwargs)
    with pytest.raises(GateRefused) as exc:
        give(personas, r)
    assert exc.value.code == code
    assert words.lower() in exc.value.message.lower()


def test_a_weight_older_than_thirty_days_does_not_count(personas, ready) -> None:
    r = ready(weight=False)
    helpers.record_weight(personas.demo_patient, personas.nurse, days_ago=31)
    with pytest.raises(GateRefused) as exc:
        give(personas, r)
    assert exc.value.code == "weight_missing"
    assert "record today's weight" in exc.value.message


def test_pre_dose_vitals_older_than_an_hour_must_be_taken_again(personas, ready, clock) -> None:
    r = ready()
    clock.advance(minutes=61)
    with pytest.raises(GateRefused) as exc:
        give(personas, r)
    assert exc.value.code == "vitals_stale"


def test_a_missing_phq9_is_a_warning_only(personas, ready) -> None:
    r = ready(phq9=False)
    checks = {c.key: c for c in predose_checks(load_state(r.dosing))}
    assert checks["phq9"].state == "warning"
    give(personas, r)  # not refused


# --- blood pressure gate -------------------------------------------------------------------------


def test_bp_185_over_115_blocks_dosing_without_an_override(personas, ready) -> None:
    r = ready(vitals={"systolic": 185, "diastolic": 115})
    with pytest.raises(GateRefused) as exc:
        give(personas, r)
    code, message = refused(exc)
    assert code == "bp_blocked"
    assert "185/115 mmHg is above 180/110" in message
    # An acknowledgement is not enough above the blocking level.
    with pytest.raises(GateRefused):
        bp_acknowledge(actor=personas.prescriber, dosing=r.dosing)


def test_a_prescriber_override_of_a_blocking_bp_is_recorded_and_audited(personas, ready) -> None:
    r = ready(vitals={"systolic": 185, "diastolic": 115})
    with pytest.raises(PermissionDeniedError):
        bp_override(actor=personas.nurse, dosing=r.dosing, reason="x")
    with pytest.raises(ValidationFailed):
        bp_override(actor=personas.prescriber, dosing=r.dosing, reason="  ")
    decision = bp_override(
        actor=personas.prescriber, dosing=r.dosing, reason="Chronic HTN, asymptomatic, cardiology ok"
    )
    assert decision.kind == GateOverride.Kind.BP_OVERRIDE
    assert decision.by == personas.prescriber
    assert AuditEvent.objects.filter(action="dosing.bp_overridden", actor=personas.prescriber).exists()
    give(personas, r)


def test_bp_above_140_over_90_needs_a_prescribers_acknowledgement(personas, ready) -> None:
    r = ready(vitals={"systolic": 150, "diastolic": 95})
    with pytest.raises(GateRefused) as exc:
        give(personas, r)
    assert exc.value.code == "bp_needs_ack"
    with pytest.raises(PermissionDeniedError):
        bp_acknowledge(actor=personas.nurse, dosing=r.dosing)
    bp_acknowledge(actor=personas.prescriber, dosing=r.dosing)
    assert AuditEvent.objects.filter(action="dosing.bp_acknowledged").exists()
    give(personas, r)


def test_a_new_higher_reading_after_an_acknowledgement_needs_a_new_decision(personas, ready, clock) -> None:
    r = ready(vitals={"systolic": 150, "diastolic": 95})
    bp_acknowledge(actor=personas.prescriber, dosing=r.dosing)
    clock.advance(minutes=5)
    helpers.full_vitals(personas, r.dosing, systolic=186, diastolic=100)
    with pytest.raises(GateRefused) as exc:
        give(personas, r)
    assert exc.value.code == "bp_blocked"


# --- dose range -------------------------------------------------------------------------------------


def test_a_2_mg_per_kg_iv_dose_is_refused_without_an_override(personas, ready) -> None:
    r = ready()
    with pytest.raises(InputRefused) as exc:
        give(personas, r, "140")
    code, message = refused(exc)
    assert code == "dose_out_of_range"
    assert exc.value.status == 400
    assert "2 mg/kg is outside the IV infusion range 0.1–1 mg/kg" in message
    assert exc.value.field == "dose_mg"
    r.lot.refresh_from_db()
    assert r.lot.balance == 500


def test_only_a_prescriber_may_override_the_dose_range_and_it_is_audited(personas, ready) -> None:
    r = ready()
    with pytest.raises(PermissionDeniedError):
        give(personas, r, "140", override_reason="Protocol")
    dose = give(personas, r, "140", actor=personas.prescriber, override_reason="Research protocol, IRB 22-1")
    assert dose.mg_per_kg == 2
    override = GateOverride.objects.get(kind="dose_range")
    assert override.reason == "Research protocol, IRB 22-1"
    assert AuditEvent.objects.filter(action="dosing.dose_range_overridden").exists()


def test_iv_needs_an_infusion_duration(personas, ready) -> None:
    r = ready()
    with pytest.raises(ValidationFailed) as exc:
        give(personas, r, "35", infusion_minutes="")
    assert exc.value.field == "infusion_minutes"


@pytest.mark.parametrize(
    ("route", "dose", "ok"),
    [("im", "105", True), ("im", "106", False), ("sublingual_oral", "490", True), ("sublingual_oral", "10", False)],
)
def test_each_route_has_its_own_range(personas, ready, route, dose, ok) -> None:
    r = ready(route=route)
    if ok:
        give(personas, r, dose, infusion_minutes=None)
    else:
        with pytest.raises(InputRefused):
            give(personas, r, dose, infusion_minutes=None)


def test_esketamine_is_whole_devices_within_28_to_84_mg(personas, ready) -> None:
    r = ready(medication="esketamine", route="intranasal")
    with pytest.raises(ValidationFailed) as exc:
        give(personas, r, "50", infusion_minutes=None)
    assert "whole 28 mg devices" in exc.value.message
    with pytest.raises(InputRefused) as exc:
        give(personas, r, "112", infusion_minutes=None)
    assert "112 mg is outside the Esketamine range 28–84 mg" in exc.value.message


# --- lots -----------------------------------------------------------------------------------------------


def test_an_expired_lot_cannot_be_used(personas, ready) -> None:
    r = ready()
    helpers.expire_lot(r.lot)
    with pytest.raises(GateRefused) as exc:
        give(personas, r)
    code, message = refused(exc)
    assert code == "lot_expired"
    assert "expired on 2026-03-02" in message
    assert not Administration.objects.exists()


def test_a_dose_larger_than_the_lot_balance_is_refused(personas, ready) -> None:
    r = ready()
    small = helpers.receive_lot(personas.nurse, lot_number="KV-SMALL", quantity="20")
    with pytest.raises(GateRefused) as exc:
        give(personas, r, "35", lot=small)
    code, message = refused(exc)
    assert code == "insufficient_balance"
    assert "has 20 mg left; this dose needs 35 mg" in message
    small.refresh_from_db()
    assert small.balance == 20


def test_a_lot_of_the_other_medication_is_refused(personas, ready) -> None:
    r = ready()
    esk = helpers.receive_lot(personas.nurse, product="esketamine_device", lot_number="E-9", quantity="6")
    with pytest.raises(GateRefused) as exc:
        give(personas, r, "35", lot=esk)
    assert exc.value.code == "lot_wrong_medication"
