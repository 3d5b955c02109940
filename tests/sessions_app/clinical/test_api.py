"""The clinical API: the same gates as the services, each refused with 400/409 and its own code and
message; overrides recorded; signed records immutable; psychotherapy notes invisible (404)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from kap_clinic.audit.models import AuditEvent
from sessions_app.clinical.models.dosing import Administration, GateOverride
from sessions_app.clinical.models.notes import PsychotherapyNote
from sessions_app.clinical.services import notes
from sessions_app.clinical.services.monitoring import vitals_alert_acknowledge

from . import helpers

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def long_idle_timeout(settings):
    # The frozen clock jumps past the staff idle timeout between two calls of the same client.
    settings.STAFF_IDLE_TIMEOUT_MINUTES = 600


def url(name: str, **kwargs) -> str:
    return reverse(f"api:{name}", kwargs=kwargs)


def dose_body(p, r, dose="35", **extra):
    return {
        "dose_mg": dose,
        "lot": str(r.lot.public_id),
        "ordering_prescriber": str(p.prescriber.public_id),
        "infusion_minutes": 40,
        **extra,
    }


def post_dose(api, p, r, dose="35", **extra):
    return api.post(
        url("dosing_administrations", public_id=r.dosing.public_id), dose_body(p, r, dose, **extra), format="json"
    )


def error(response) -> tuple[str, str]:
    body = response.json()["error"]
    return body["code"], body["message"]


def test_the_dosing_record_reads_with_its_checks(personas, ready, api_for) -> None:
    r = ready(fasting=False)
    response = api_for(personas.nurse).get(url("session_dosing", public_id=r.session.public_id))
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == str(r.dosing.public_id)
    states = {c["key"]: c["state"] for c in body["checks"]}
    assert states["fasting"] == "unmet"
    assert states["consent"] == "met"
    assert body["can_dose"] is False
    assert len(body["vitals"]) == 1


def test_a_full_session_through_the_api(personas, ready, api_for, clock) -> None:
    r = ready()
    api = api_for(personas.nurse)
    response = post_dose(api, personas, r)
    assert response.status_code == 201, response.json()
    dose_id = response.json()["administrations"][0]["id"]
    assert response.json()["administrations"][0]["mg_per_kg"] == "0.500"
    clock.advance(minutes=40)
    response = api.post(
        url("dosing_vitals", public_id=r.dosing.public_id), {"systolic": 182, "diastolic": 100}, format="json"
    )
    assert response.status_code == 201
    reading = response.json()["vitals"][-1]
    assert reading["alerts"] == ["sbp_high"] and reading["alert_open"]
    assert (
        api.post(url("vitals_acknowledge", public_id=reading["id"]), {"note": "rechecked"}, format="json").status_code
        == 200
    )
    assert api.post(url("administration_action", public_id=dose_id, action="end"), {}, format="json").status_code == 200
    response = api.post(
        url("dosing_adverse_events", public_id=r.dosing.public_id),
        {"code": "nausea", "severity": "mild", "intervention": "antiemetic"},
        format="json",
    )
    assert response.status_code == 201
    clock.advance(minutes=60)
    response = api.post(
        url("dosing_discharge", public_id=r.dosing.public_id),
        {
            **{f"aldrete_{k}": 2 for k in ("activity", "respiration", "circulation", "consciousness", "spo2")},
            "escort_confirmed": True,
            "escort_name": "Sam",
            "instructions_given": True,
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["discharge"]["observation_minutes"] == 60
    response = api_for(personas.prescriber).post(
        url("clinical_record_sign", kind="dosing", public_id=r.dosing.public_id),
        {"password": helpers.PASSWORD},
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["signed_by"] == "Dr. Priya Raman"


# --- every gate, through the API ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "status", "code", "words"),
    [
        ({"consent": False}, 409, "consent_missing", "No signed KAP treatment consent"),
        ({"eligible": False}, 409, "not_eligible", "No eligibility decision yet"),
        ({"prepared": False}, 409, "no_preparation", "No signed preparation record"),
        ({"vitals": {"systolic": 185, "diastolic": 115}}, 409, "bp_blocked", "185/115 mmHg is above 180/110"),
    ],
)
def test_each_pre_dose_gate_refuses_through_the_api(personas, ready, api_for, kwargs, status, code, words) -> None:
    r = ready(**kwargs)
    response = post_dose(api_for(personas.nurse), personas, r)
    assert response.status_code == status
    got_code, message = error(response)
    assert got_code == code
    assert words in message
    assert not Administration.objects.exists()


def test_revoked_consent_refuses_through_the_api(personas, ready, api_for) -> None:
    r = ready()
    helpers.revoke_consent(r.consent, personas.prescriber)
    response = post_dose(api_for(personas.nurse), personas, r)
    assert response.status_code == 409
    code, message = error(response)
    assert code == "consent_revoked"
    assert "revoked on" in message


def test_a_not_eligible_decision_refuses_through_the_api(personas, ready, api_for) -> None:
    r = ready()
    helpers.make_not_eligible(personas.demo_patient, personas.prescriber)
    response = post_dose(api_for(personas.nurse), personas, r)
    assert response.status_code == 409
    code, message = error(response)
    assert code == "not_eligible"
    assert "not eligible" in message.lower()
    assert not Administration.objects.exists()


def test_bp_override_through_the_api_is_recorded_and_audited(personas, ready, api_for) -> None:
    r = ready(vitals={"systolic": 185, "diastolic": 115})
    body = {"decision": "override", "reason": "Asymptomatic; cardiology cleared"}
    response = api_for(personas.nurse).post(
        url("dosing_bp_decisions", public_id=r.dosing.public_id), body, format="json"
    )
    assert response.status_code == 403
    response = api_for(personas.prescriber).post(
        url("dosing_bp_decisions", public_id=r.dosing.public_id), {"decision": "override", "reason": ""}, format="json"
    )
    assert response.status_code == 400
    assert error(response)[1] == "The reason for the override is required."
    response = api_for(personas.prescriber).post(
        url("dosing_bp_decisions", public_id=r.dosing.public_id), body, format="json"
    )
    assert response.status_code == 201
    assert response.json()["overrides"][0]["kind"] == "bp_override"
    assert AuditEvent.objects.filter(action="dosing.bp_overridden").exists()
    assert post_dose(api_for(personas.nurse), personas, r).status_code == 201


def test_a_2_mg_per_kg_iv_dose_is_a_400_without_override_and_allowed_with_one(personas, ready, api_for) -> None:
    r = ready()
    response = post_dose(api_for(personas.nurse), personas, r, "140")
    assert response.status_code == 400
    code, message = error(response)
    assert code == "dose_out_of_range"
    assert "2 mg/kg is outside the IV infusion range 0.1–1 mg/kg" in message
    assert response.json()["error"]["field"] == "dose_mg"
    response = post_dose(api_for(personas.prescriber), personas, r, "140", override_reason="Protocol 22-1")
    assert response.status_code == 201
    assert GateOverride.objects.filter(kind="dose_range", reason="Protocol 22-1").exists()
    assert AuditEvent.objects.filter(action="dosing.dose_range_overridden").exists()


def test_discharge_at_45_minutes_is_a_409_without_override(personas, ready, api_for, clock) -> None:
    r = ready()
    api = api_for(personas.nurse)
    dose_id = post_dose(api, personas, r).json()["administrations"][0]["id"]
    clock.advance(minutes=40)
    api.post(url("administration_action", public_id=dose_id, action="end"), {}, format="json")
    clock.advance(minutes=45)
    body = {
        **{f"aldrete_{k}": 2 for k in ("activity", "respiration", "circulation", "consciousness", "spo2")},
        "escort_confirmed": True,
        "escort_name": "Sam",
        "instructions_given": True,
    }
    response = api.post(url("dosing_discharge", public_id=r.dosing.public_id), body, format="json")
    assert response.status_code == 409
    code, message = error(response)
    assert code == "observation_too_short"
    assert "Only 45 minutes since the dose ended" in message
    response = api_for(personas.prescriber).post(
        url("dosing_discharge", public_id=r.dosing.public_id), {**body, "override_reason": "Recovered"}, format="json"
    )
    assert response.status_code == 201
    assert GateOverride.objects.get(kind="observation_time").reason == "Recovered"
    assert AuditEvent.objects.filter(action="dosing.observation_overridden").exists()


def test_an_expired_lot_is_a_409(personas, ready, api_for) -> None:
    r = ready()
    helpers.expire_lot(r.lot)
    response = post_dose(api_for(personas.nurse), personas, r)
    assert response.status_code == 409
    code, message = error(response)
    assert code == "lot_expired"
    assert "an expired lot cannot be used" in message


def test_a_balance_below_zero_is_a_409(personas, ready, api_for) -> None:
    r = ready()
    api = api_for(personas.nurse)
    small = helpers.receive_lot(personas.nurse, lot_number="S-1", quantity="10")
    response = api.post(
        url("dosing_administrations", public_id=r.dosing.public_id),
        {**dose_body(personas, r), "lot": str(small.public_id)},
        format="json",
    )
    assert response.status_code == 409
    assert error(response)[0] == "insufficient_balance"
    response = api.post(
        url("inventory_lot_action", public_id=small.public_id, action="waste"),
        {"quantity": "11", "witness": str(personas.prescriber.public_id), "reason": "Broken vial"},
        format="json",
    )
    assert response.status_code == 409
    code, message = error(response)
    assert code == "insufficient_balance"
    assert "The balance cannot go below zero" in message


def test_implausible_vitals_are_a_400_naming_the_field(personas, ready, api_for) -> None:
    r = ready()
    response = api_for(personas.nurse).post(
        url("dosing_vitals", public_id=r.dosing.public_id), {"spo2": 120}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["error"]["field"] == "spo2"
    assert "SpO2 120 % is not a plausible reading" in error(response)[1]


# --- signed records and notes ---------------------------------------------------------------------------


def test_a_signed_record_cannot_be_changed_through_the_api(personas, ready, api_for) -> None:
    r = ready(vitals={"systolic": 190, "diastolic": 118})
    vitals_alert_acknowledge(actor=personas.prescriber, reading=r.dosing.vitals.get())
    notes.record_sign(actor=personas.prescriber, record=r.dosing, password=helpers.PASSWORD)
    api = api_for(personas.nurse)
    response = api.post(url("dosing_vitals", public_id=r.dosing.public_id), {"heart_rate": 70}, format="json")
    assert response.status_code == 409
    assert error(response)[0] == "record_signed"
    response = api.post(url("dosing_confirmations", public_id=r.dosing.public_id), {"item": "fasting"}, format="json")
    assert response.status_code == 409
    response = api.post(
        url("clinical_record_addenda", kind="dosing", public_id=r.dosing.public_id),
        {"reason": "Late entry", "body": "Escort arrived 11:50."},
        format="json",
    )
    assert response.status_code == 201
    assert response.json()["author"] == "Noah Bennett"


def test_signing_through_the_api_needs_the_right_person_and_password(personas, ready, api_for) -> None:
    r = ready()
    sign = url("clinical_record_sign", kind="dosing", public_id=r.dosing.public_id)
    assert api_for(personas.nurse).post(sign, {"password": helpers.PASSWORD}, format="json").status_code == 403
    response = api_for(personas.prescriber).post(sign, {"password": "nope"}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["field"] == "password"
    assert api_for(personas.outsider).post(sign, {"password": helpers.PASSWORD}, format="json").status_code == 404


def test_a_psychotherapy_note_is_invisible_to_everyone_but_its_author(personas, ready, api_for, client_for) -> None:
    ready()
    note = notes.psychotherapy_note_save(actor=personas.therapist, patient=personas.demo_patient, body="Process notes")
    detail = url("psychotherapy_note", public_id=note.public_id)
    assert api_for(personas.therapist).get(detail).json()["body"] == "Process notes"
    for person in (personas.prescriber, personas.nurse, personas.admin, personas.patient_user, personas.outsider):
        assert api_for(person).get(detail).status_code == 404, person
        assert api_for(person).patch(detail, {"body": "x"}, format="json").status_code == 404
        sign = url("psychotherapy_note_action", public_id=note.public_id, action="sign")
        assert api_for(person).post(sign, {"password": helpers.PASSWORD}, format="json").status_code == 404
        page = reverse("sessions_app:psychotherapy_note", kwargs={"public_id": note.public_id})
        assert client_for(person).get(page).status_code == 404, person
    assert api_for(personas.prescriber).get(url("psychotherapy_notes")).json() == []
    assert [n["id"] for n in api_for(personas.therapist).get(url("psychotherapy_notes")).json()] == [
        str(note.public_id)
    ]
    assert (
        str(note.public_id)
        not in api_for(personas.prescriber)
        .get(
            url(
                "session_dosing",
                public_id=PsychotherapyNote.objects.get().patient.dosing_records.get().session.public_id,
            )
        )
        .content.decode()
    )
    assert AuditEvent.objects.filter(action="clinical_record.access_denied", outcome="denied").exists()


def test_someone_elses_dosing_record_is_a_404_in_the_api(personas, ready, api_for) -> None:
    r = ready()
    assert api_for(personas.outsider).get(url("dosing_record", public_id=r.dosing.public_id)).status_code == 404
    assert post_dose(api_for(personas.outsider), personas, r).status_code == 404
    assert api_for(personas.admin).get(url("dosing_record", public_id=r.dosing.public_id)).status_code == 403
    assert api_for(personas.patient_user).get(url("dosing_record", public_id=r.dosing.public_id)).status_code == 403


def test_inventory_through_the_api(personas, api_for, clock) -> None:
    api = api_for(personas.nurse)
    response = api.post(
        url("inventory_lots"),
        {
            "product": "esketamine_device",
            "lot_number": "E-77",
            "concentration": "28 mg/device",
            "supplier": "Janssen",
            "invoice_number": "J-1",
            "quantity": "12",
            "expires_on": "2027-01-31",
        },
        format="json",
    )
    assert response.status_code == 201
    lot = response.json()
    assert (lot["balance"], lot["unit"], lot["entries"][0]["kind"]) == ("12.00", "device", "receipt")
    response = api.post(
        url("inventory_lot_action", public_id=lot["id"], action="counts"), {"counted_quantity": "11"}, format="json"
    )
    assert response.status_code == 201
    rows = api.get(url("inventory_reconciliation")).json()
    assert rows[0]["has_discrepancy"] is True
    assert rows[0]["count_discrepancy"] == "-1.00"
    assert api_for(personas.therapist).get(url("inventory_lots")).status_code == 403
    assert api_for(personas.admin).get(url("inventory_lots")).status_code == 403


def test_thresholds_are_read_by_staff_and_changed_by_prescribers_with_audit(personas, api_for) -> None:
    rows = {r["key"]: r for r in api_for(personas.admin).get(url("clinical_settings")).json()}
    assert rows["bp_ack_systolic"]["value"] == "140.00"
    body = {"key": "observation_other_minutes", "value": "90", "reason": "New protocol"}
    assert api_for(personas.nurse).post(url("clinical_settings"), body, format="json").status_code == 403
    response = api_for(personas.prescriber).post(url("clinical_settings"), {**body, "value": "5"}, format="json")
    assert response.status_code == 400
    assert "between 15 and 480" in error(response)[1]
    response = api_for(personas.prescriber).post(
        url("clinical_settings"), {"key": "bp_ack_systolic", "value": "190", "reason": "x"}, format="json"
    )
    assert response.status_code == 400
    assert "must stay below" in error(response)[1]
    assert api_for(personas.prescriber).post(url("clinical_settings"), body, format="json").status_code == 201
    rows = {r["key"]: r for r in api_for(personas.nurse).get(url("clinical_settings")).json()}
    assert rows["observation_other_minutes"]["value"] == "90.00"
    assert rows["observation_other_minutes"]["overridden"] is True
    assert AuditEvent.objects.filter(action="clinical_setting.changed", actor=personas.prescriber).exists()


@pytest.mark.parametrize("dose", ["1e308", "NaN", "1e-400", "Infinity"])
def test_a_hostile_dose_is_a_400_naming_the_field_and_draws_nothing(personas, ready, api_for, dose) -> None:
    r = ready()
    response = post_dose(api_for(personas.nurse), personas, r, dose)
    assert response.status_code == 400, response.content
    assert response.json()["error"]["field"] == "dose_mg"
    assert not Administration.objects.filter(dosing=r.dosing).exists()


HOSTILE_NUMBERS = ["1e308", "NaN", "1e-400"]


@pytest.mark.parametrize("value", HOSTILE_NUMBERS)
@pytest.mark.parametrize("field", ["systolic", "diastolic", "heart_rate", "spo2", "resp_rate"])
def test_a_hostile_vitals_number_is_a_400_naming_the_field(personas, ready, api_for, field, value) -> None:
    r = ready()
    body = {"systolic": 120, "diastolic": 80, "heart_rate": 70, "spo2": 98, "resp_rate": 14, field: value}
    response = api_for(personas.nurse).post(url("dosing_vitals", public_id=r.dosing.public_id), body, format="json")
    assert response.status_code == 400, response.content
    assert response.json()["error"]["field"] == field


@pytest.mark.parametrize("value", HOSTILE_NUMBERS)
def test_hostile_infusion_minutes_are_a_400_naming_the_field(personas, ready, api_for, value) -> None:
    r = ready()
    response = post_dose(api_for(personas.nurse), personas, r, infusion_minutes=value)
    assert response.status_code == 400, response.content
    assert response.json()["error"]["field"] == "infusion_minutes"
    assert not Administration.objects.filter(dosing=r.dosing).exists()


@pytest.mark.parametrize("value", HOSTILE_NUMBERS)
def test_a_hostile_weight_is_a_400_naming_the_field(personas, api_for, value) -> None:
    path = reverse("api:patient_weights", kwargs={"public_id": personas.demo_patient.public_id})
    response = api_for(personas.nurse).post(path, {"weight_kg": value}, format="json")
    assert response.status_code == 400, response.content
    assert response.json()["error"]["field"] == "weight_kg"
