"""API writes sent twice with one Idempotency-Key are recorded once; the retry gets the first answer."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import pytest
from django.urls import reverse

from kap_clinic.idempotency.models import IdempotencyKey
from patients.models import Assessment
from sessions_app.clinical.models.dosing import Administration, AdverseEvent, VitalsReading
from sessions_app.inventory.models import InventoryEntry, InventoryLot
from sessions_app.scheduling.models import Session

pytestmark = pytest.mark.django_db

HEADER = "HTTP_IDEMPOTENCY_KEY"


def url(name: str, **kwargs) -> str:
    return reverse(f"api:{name}", kwargs=kwargs)


def dose(p, r, mg: str = "35") -> dict:
    return {
        "dose_mg": mg,
        "lot": str(r.lot.public_id),
        "ordering_prescriber": str(p.prescriber.public_id),
        "infusion_minutes": 40,
    }


def send_twice(api, path: str, body: dict, key: str | None = None):
    key = key or str(uuid.uuid4())
    first = api.post(path, body, format="json", **{HEADER: key})
    second = api.post(path, body, format="json", **{HEADER: key})
    return first, second


def assert_replayed(first, second, status: int) -> None:
    assert first.status_code == status, first.content
    assert second.status_code == status
    assert second.content == first.content
    assert second["Content-Type"] == first["Content-Type"]
    assert second["Idempotent-Replayed"] == "true"
    assert not first.has_header("Idempotent-Replayed")


def test_a_dose_sent_twice_is_recorded_once_and_draws_the_lot_once(personas, ready, api_for) -> None:
    r = ready()
    first, second = send_twice(
        api_for(personas.nurse), url("dosing_administrations", public_id=r.dosing.public_id), dose(personas, r)
    )
    assert_replayed(first, second, 201)
    assert Administration.objects.filter(dosing=r.dosing).count() == 1
    ledger = InventoryEntry.objects.filter(lot=r.lot, kind=InventoryEntry.Kind.ADMINISTRATION)
    assert [e.quantity for e in ledger] == [Decimal("-35")]
    assert InventoryLot.objects.get(pk=r.lot.pk).balance == Decimal("465")


def test_a_second_dose_with_a_new_key_is_a_second_dose(personas, ready, api_for, clock) -> None:
    """A repeat dose is a legitimate order: only the key makes two requests "the same"."""
    r = ready()
    api = api_for(personas.nurse)
    path = url("dosing_administrations", public_id=r.dosing.public_id)
    assert api.post(path, dose(personas, r, "20"), format="json", **{HEADER: "dose-1"}).status_code == 201
    clock.advance(minutes=45)
    api.post(url("administration_action", public_id=Administration.objects.get().public_id, action="end"))
    assert api.post(path, dose(personas, r, "20"), format="json", **{HEADER: "dose-2"}).status_code == 201
    assert Administration.objects.filter(dosing=r.dosing).count() == 2
    assert InventoryLot.objects.get(pk=r.lot.pk).balance == Decimal("460")


def test_vitals_sent_twice_are_one_reading(personas, ready, api_for) -> None:
    r = ready()
    before = VitalsReading.objects.filter(dosing=r.dosing).count()
    body = {"systolic": 132, "diastolic": 84, "heart_rate": 76, "spo2": 97, "resp_rate": 14}
    first, second = send_twice(api_for(personas.nurse), url("dosing_vitals", public_id=r.dosing.public_id), body)
    assert_replayed(first, second, 201)
    assert VitalsReading.objects.filter(dosing=r.dosing).count() == before + 1


def test_an_adverse_event_sent_twice_is_one_event(personas, ready, api_for) -> None:
    r = ready()
    body = {"code": "nausea", "severity": "mild", "intervention": "antiemetic", "description": "Ondansetron 4 mg"}
    first, second = send_twice(
        api_for(personas.nurse), url("dosing_adverse_events", public_id=r.dosing.public_id), body
    )
    assert_replayed(first, second, 201)
    assert AdverseEvent.objects.filter(dosing=r.dosing).count() == 1


def test_an_assessment_sent_twice_is_one_assessment(personas, api_for) -> None:
    body = {"instrument": "phq9", "answers": [1, 1, 1, 1, 2, 1, 2, 2, 0], "administered_at": "2026-11-20T14:30:00Z"}
    path = url("patient_assessments", public_id=personas.demo_patient.public_id)
    first, second = send_twice(api_for(personas.nurse), path, body)
    assert_replayed(first, second, 201)
    assert Assessment.objects.filter(patient=personas.demo_patient).count() == 1
    assert first.json()["id"] == str(Assessment.objects.get().public_id)


def test_a_booking_sent_twice_is_one_session(personas, clinic, api_for, time_machine) -> None:
    time_machine.move_to(dt.datetime(2026, 2, 27, 12, 0, tzinfo=dt.UTC), tick=False)
    body = {
        "patient": str(personas.demo_patient.public_id),
        "kind": "consultation",
        "starts_at": "2026-03-02T09:00",
        "lead_clinician": str(personas.prescriber.public_id),
        "room": str(clinic.consult_room.public_id),
    }
    first, second = send_twice(api_for(personas.admin), url("sessions"), body)
    assert_replayed(first, second, 201)
    assert Session.objects.filter(patient=personas.demo_patient).count() == 1


def test_the_same_key_with_another_body_is_a_409_naming_the_header(personas, ready, api_for) -> None:
    r = ready()
    api = api_for(personas.nurse)
    path = url("dosing_administrations", public_id=r.dosing.public_id)
    assert api.post(path, dose(personas, r, "35"), format="json", **{HEADER: "k-1"}).status_code == 201
    response = api.post(path, dose(personas, r, "30"), format="json", **{HEADER: "k-1"})
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "idempotency_key_reused"
    assert error["field"] == "Idempotency-Key"
    assert "Idempotency-Key" in error["message"]
    assert Administration.objects.filter(dosing=r.dosing).count() == 1


def test_the_same_key_on_another_path_is_a_409(personas, ready, api_for) -> None:
    r = ready()
    api = api_for(personas.nurse)
    assert api.post(url("dosing_vitals", public_id=r.dosing.public_id), {"heart_rate": 80}, **{HEADER: "k"}).status_code
    response = api.post(url("dosing_observations", public_id=r.dosing.public_id), {"moaas": 4}, **{HEADER: "k"})
    assert response.status_code == 409 and response.json()["error"]["code"] == "idempotency_key_reused"


def test_keys_belong_to_their_user(personas, ready, api_for) -> None:
    r = ready()
    path = url("dosing_vitals", public_id=r.dosing.public_id)
    before = VitalsReading.objects.count()
    assert api_for(personas.nurse).post(path, {"heart_rate": 80}, **{HEADER: "shared"}).status_code == 201
    second = api_for(personas.prescriber).post(path, {"heart_rate": 80}, **{HEADER: "shared"})
    assert second.status_code == 201 and not second.has_header("Idempotent-Replayed")
    assert VitalsReading.objects.count() == before + 2


def test_a_refusal_is_kept_and_given_again(personas, ready, api_for) -> None:
    """A 4xx answer is the answer to that key: the retry gets it, even once the gate would pass."""
    r = ready(fasting=False)
    api = api_for(personas.nurse)
    path = url("dosing_administrations", public_id=r.dosing.public_id)
    refused = api.post(path, dose(personas, r), format="json", **{HEADER: "k"})
    assert refused.status_code == 409 and refused.json()["error"]["code"] != "idempotency_key_reused"
    api.post(url("dosing_confirmations", public_id=r.dosing.public_id), {"item": "fasting"}, format="json")
    again = api.post(path, dose(personas, r), format="json", **{HEADER: "k"})
    assert again.status_code == 409 and again.content == refused.content
    assert again["Idempotent-Replayed"] == "true"
    assert api.post(path, dose(personas, r), format="json", **{HEADER: "k2"}).status_code == 201


def test_a_server_error_is_not_kept_and_the_retry_runs_again(personas, ready, monkeypatch) -> None:
    from django.test import Client

    from sessions_app.clinical.api import dosing as dosing_api

    r = ready()
    real = dosing_api.vitals_record
    calls = []

    def failing_once(**kwargs):
        calls.append(1)
        result = real(**kwargs)  # writes, then the request fails: the write must not stay
        if len(calls) == 1:
            raise RuntimeError("the database went away")
        return result

    monkeypatch.setattr(dosing_api, "vitals_record", failing_once)
    client = Client(raise_request_exception=False)
    client.force_login(personas.nurse)
    path = url("dosing_vitals", public_id=r.dosing.public_id)
    before = VitalsReading.objects.count()
    failed = client.post(path, {"heart_rate": 80}, content_type="application/json", **{HEADER: "k"})
    assert failed.status_code == 500
    assert VitalsReading.objects.count() == before
    assert not IdempotencyKey.objects.exists()
    retried = client.post(path, {"heart_rate": 80}, content_type="application/json", **{HEADER: "k"})
    assert retried.status_code == 201 and not retried.has_header("Idempotent-Replayed")
    assert VitalsReading.objects.count() == before + 1


@pytest.mark.parametrize("key", ["", "has space", "x" * 256, "tab\there", "caf\u00e9"])
def test_a_malformed_key_is_a_400_naming_the_header(personas, ready, api_for, key) -> None:
    r = ready()
    before = VitalsReading.objects.count()
    response = api_for(personas.nurse).post(
        url("dosing_vitals", public_id=r.dosing.public_id), {"heart_rate": 80}, format="json", **{HEADER: key}
    )
    assert response.status_code == 400
    assert response.json()["error"]["field"] == "Idempotency-Key"
    assert response.json()["error"]["code"] == "idempotency_key_invalid"
    assert VitalsReading.objects.count() == before


def test_a_longest_key_of_visible_characters_is_accepted(personas, ready, api_for) -> None:
    r = ready()
    key = "!~" + "A" * 253
    first, second = send_twice(
        api_for(personas.nurse), url("dosing_vitals", public_id=r.dosing.public_id), {"heart_rate": 80}, key=key
    )
    assert_replayed(first, second, 201)


def test_a_token_client_gets_the_same_guarantee(personas, ready, api_client) -> None:
    from rest_framework.authtoken.models import Token

    r = ready()
    token, _ = Token.objects.get_or_create(user=personas.nurse)
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    first, second = send_twice(
        api_client, url("dosing_administrations", public_id=r.dosing.public_id), dose(personas, r)
    )
    assert_replayed(first, second, 201)
    assert Administration.objects.count() == 1
    assert IdempotencyKey.objects.get().user == personas.nurse


def test_without_credentials_the_header_changes_nothing(personas, ready, api_client) -> None:
    r = ready()
    path = url("dosing_vitals", public_id=r.dosing.public_id)
    assert api_client.post(path, {"heart_rate": 80}, **{HEADER: "k"}).status_code in (401, 403)
    api_client.credentials(HTTP_AUTHORIZATION="Token not-a-token")
    assert api_client.post(path, {"heart_rate": 80}, **{HEADER: "not valid"}).status_code == 401
    assert not IdempotencyKey.objects.exists()


def test_the_token_endpoint_ignores_the_header(personas, api_client) -> None:
    body = {"email": personas.nurse.email, "password": "x-wrong-password"}
    first = api_client.post(url("auth_token"), body, format="json", **{HEADER: "k"})
    assert first.status_code == 400
    assert not IdempotencyKey.objects.exists()


def test_reads_are_not_affected(personas, ready, api_for) -> None:
    r = ready()
    response = api_for(personas.nurse).get(url("dosing_vitals", public_id=r.dosing.public_id), **{HEADER: "k k"})
    assert response.status_code == 200
    assert not IdempotencyKey.objects.exists()


def test_a_psychotherapy_note_sent_twice_is_written_once_and_its_text_is_not_kept_with_the_key(
    personas, ready, api_for
) -> None:
    from sessions_app.clinical.models.notes import PsychotherapyNote

    ready()
    text = "Process notes: the dream about the lighthouse"
    body = {"patient": str(personas.demo_patient.public_id), "body": text}
    first, second = send_twice(api_for(personas.therapist), url("psychotherapy_notes"), body)
    assert first.status_code == second.status_code == 201, first.content
    assert first.json()["body"] == text
    assert second["Idempotent-Replayed"] == "true"
    assert second.json() == {"id": first.json()["id"], "replayed_without_text": True}
    assert PsychotherapyNote.objects.filter(patient=personas.demo_patient).count() == 1
    (row,) = IdempotencyKey.objects.all()
    assert b"lighthouse" not in bytes(row.response_body)
