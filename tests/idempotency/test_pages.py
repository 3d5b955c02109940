"""The clinical forms carry a one-time key: the same form sent twice (a double tap, a resend after a lost
answer, the browser's back-and-resubmit) records once and gets the first answer again."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.test import RequestFactory
from django.urls import reverse

from consent.models import ConsentRecord
from kap_clinic.idempotency import pages, services
from kap_clinic.idempotency.models import IdempotencyKey
from patients.models import Assessment
from sessions_app.clinical.models.dosing import Administration, AdverseEvent, Observation, VitalsReading
from sessions_app.inventory.models import InventoryEntry, InventoryLot
from sessions_app.scheduling.models import Session
from tests.consent.test_signing import _form as consent_form
from tests.patients.test_pages import phq9_post

pytestmark = pytest.mark.django_db

HX = {"HTTP_HX_REQUEST": "true"}
KEY_INPUT = re.compile(r'<input type="text" name="idempotency_key" value="([0-9a-f-]{36})" hidden data-once-key>')


def dosing_url(r) -> str:
    return reverse("sessions_app:dosing", kwargs={"public_id": r.session.public_id})


def action_url(r, action: str) -> str:
    return reverse("sessions_app:dosing_action", kwargs={"public_id": r.session.public_id, "action": action})


def dose_form(p, r, mg: str = "35", **extra) -> dict:
    return {
        "dose_mg": mg,
        "infusion_minutes": "40",
        "lot": str(r.lot.public_id),
        "ordering_prescriber": str(p.prescriber.public_id),
        "idempotency_key": str(uuid.uuid4()),
        **extra,
    }


def shown(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_every_form_of_the_dosing_board_carries_a_new_key_each_time_it_is_drawn(personas, ready, client_for) -> None:
    r = ready()
    client = client_for(personas.nurse)
    html = client.get(dosing_url(r)).content.decode()
    keys = KEY_INPUT.findall(html)
    assert len(keys) == html.count('method="post"') - 1 >= 6  # every form but the menu's sign-out
    assert len(set(keys)) == len(keys)
    assert not set(keys) & set(KEY_INPUT.findall(client.get(dosing_url(r)).content.decode()))


def test_a_double_tap_on_record_dose_records_one_dose_and_draws_the_lot_once(personas, ready, client_for) -> None:
    r = ready()
    client = client_for(personas.nurse)
    form = dose_form(personas, r)
    first = client.post(action_url(r, "administer"), form, **HX)
    second = client.post(action_url(r, "administer"), form, **HX)
    assert first.status_code == second.status_code == 200
    assert second.content == first.content and second["Idempotent-Replayed"] == "true"
    assert Administration.objects.filter(dosing=r.dosing).count() == 1
    assert InventoryEntry.objects.filter(lot=r.lot, kind=InventoryEntry.Kind.ADMINISTRATION).count() == 1
    assert InventoryLot.objects.get(pk=r.lot.pk).balance == Decimal("465")
    # The board that came back carries a fresh key for the next dose.
    assert form["idempotency_key"] not in KEY_INPUT.findall(first.content.decode())


def test_without_javascript_a_resubmit_gets_the_first_redirect_and_says_so(personas, ready, client_for) -> None:
    r = ready()
    client = client_for(personas.nurse)
    form = dose_form(personas, r)
    first = client.post(action_url(r, "administer"), form)
    second = client.post(action_url(r, "administer"), form, HTTP_REFERER="http://testserver" + dosing_url(r))
    assert first.status_code == second.status_code == 302
    assert second["Location"] == first["Location"] == dosing_url(r)
    assert pages.REPLAYED_MESSAGE in shown(second)
    assert Administration.objects.filter(dosing=r.dosing).count() == 1


def test_the_form_sent_again_from_a_page_drawn_anew_still_counts_as_the_same_form(personas, ready, client_for) -> None:
    """After "back" the browser restores the typed values and the key into a page drawn with a new CSRF token."""
    r = ready()
    client = client_for(personas.nurse)
    form = dose_form(personas, r)
    client.post(action_url(r, "administer"), {**form, "csrfmiddlewaretoken": "a" * 64})
    again = client.post(action_url(r, "administer"), {**form, "csrfmiddlewaretoken": "b" * 64})
    assert again["Idempotent-Replayed"] == "true"
    assert Administration.objects.filter(dosing=r.dosing).count() == 1


@pytest.mark.parametrize(
    ("action", "values", "model"),
    [
        ("vitals", {"systolic": "132", "diastolic": "84", "heart_rate": "76"}, VitalsReading),
        ("observe", {"moaas": "4", "dissociation": "mild"}, Observation),
        ("adverse_event", {"code": "nausea", "severity": "mild", "intervention": "reassurance"}, AdverseEvent),
    ],
)
def test_monitoring_forms_sent_twice_record_once(personas, ready, client_for, action, values, model) -> None:
    r = ready()
    client = client_for(personas.nurse)
    before = model.objects.filter(dosing=r.dosing).count()
    form = {**values, "idempotency_key": str(uuid.uuid4())}
    assert client.post(action_url(r, action), form, **HX).status_code == 200
    assert client.post(action_url(r, action), form, **HX)["Idempotent-Replayed"] == "true"
    assert model.objects.filter(dosing=r.dosing).count() == before + 1


def test_the_same_key_with_other_values_saves_nothing_and_reloads_the_page_with_a_warning(
    personas, ready, client_for
) -> None:
    r = ready()
    client = client_for(personas.nurse)
    form = dose_form(personas, r)
    client.post(action_url(r, "administer"), form, **HX)
    changed = client.post(action_url(r, "administer"), {**form, "dose_mg": "30"}, **HX)
    assert changed.status_code == 409
    assert changed["HX-Refresh"] == "true"
    assert pages.MESSAGES[services.KeyReused] in shown(changed)
    assert Administration.objects.filter(dosing=r.dosing).count() == 1
    # Without JavaScript: back to the page the form was on, with the same warning.
    plain = client.post(
        action_url(r, "administer"), {**form, "dose_mg": "30"}, HTTP_REFERER="http://testserver" + dosing_url(r)
    )
    assert plain.status_code == 302 and plain["Location"] == "http://testserver" + dosing_url(r)
    off_site = client.post(action_url(r, "administer"), {**form, "dose_mg": "30"}, HTTP_REFERER="https://evil.test/")
    assert off_site["Location"] == reverse("home")


def test_a_second_tap_waits_for_the_first_answer(personas, ready, client_for, monkeypatch) -> None:
    r = ready()
    client = client_for(personas.nurse)
    form = dose_form(personas, r)
    request = RequestFactory().post(action_url(r, "administer"), form, **HX)
    sent = pages.form_fingerprint(request)
    now = dt.datetime.now(dt.UTC)
    row = IdempotencyKey.objects.create(
        user=personas.nurse,
        key=form["idempotency_key"],
        method=sent.method,
        path=sent.path,
        body_sha256=sent.body_sha256,
        claimed_at=now,
        expires_at=now + dt.timedelta(hours=1),
    )

    def first_request_finishes(seconds: float) -> None:
        IdempotencyKey.objects.filter(pk=row.pk).update(
            status=IdempotencyKey.Status.DONE, response_status=200, response_body=b"<div id='dosing-board'>first</div>"
        )

    monkeypatch.setattr(services.time, "sleep", first_request_finishes)
    second = client.post(action_url(r, "administer"), form, **HX)
    assert second.status_code == 200 and second.content == b"<div id='dosing-board'>first</div>"
    assert not Administration.objects.filter(dosing=r.dosing).exists()


def test_a_first_request_that_never_answers_ends_the_wait_with_a_warning(
    personas, ready, client_for, monkeypatch
) -> None:
    r = ready()
    client = client_for(personas.nurse)
    form = dose_form(personas, r)
    request = RequestFactory().post(action_url(r, "administer"), form, **HX)
    sent = pages.form_fingerprint(request)
    now = dt.datetime.now(dt.UTC)
    IdempotencyKey.objects.create(
        user=personas.nurse,
        key=form["idempotency_key"],
        method=sent.method,
        path=sent.path,
        body_sha256=sent.body_sha256,
        claimed_at=now,
        expires_at=now + dt.timedelta(hours=1),
    )
    monkeypatch.setattr(pages, "WAIT_SECONDS", 0.2)
    response = client.post(action_url(r, "administer"), form, **HX)
    assert response.status_code == 409 and response["HX-Refresh"] == "true"
    assert pages.MESSAGES[services.KeyInProgress] in shown(response)
    assert not Administration.objects.filter(dosing=r.dosing).exists()


def test_a_tampered_key_saves_nothing(personas, ready, client_for) -> None:
    r = ready()
    response = client_for(personas.nurse).post(
        action_url(r, "administer"), dose_form(personas, r, idempotency_key="a b")
    )
    assert response.status_code == 302
    assert pages.MESSAGES[services.KeyInvalid] in shown(response)
    assert not Administration.objects.filter(dosing=r.dosing).exists()


def test_a_form_drawn_before_keys_existed_still_saves(personas, ready, client_for) -> None:
    r = ready()
    form = dose_form(personas, r)
    del form["idempotency_key"]
    assert client_for(personas.nurse).post(action_url(r, "administer"), form, **HX).status_code == 200
    assert Administration.objects.filter(dosing=r.dosing).count() == 1
    assert not IdempotencyKey.objects.exists()


def test_an_assessment_form_sent_twice_is_one_assessment(personas, client_for) -> None:
    client = client_for(personas.prescriber)
    url = reverse("patients:assessment_create", args=[personas.demo_patient.public_id, "phq9"])
    (key,) = KEY_INPUT.findall(client.get(url).content.decode())
    form = {**phq9_post(2, 2, 1, 1, 2, 1, 1, 1, 0), "idempotency_key": key}
    first = client.post(url, form)
    second = client.post(url, form)
    assert first.status_code == second.status_code == 302 and second["Location"] == first["Location"]
    assert Assessment.objects.filter(patient=personas.demo_patient).count() == 1


def test_a_booking_form_sent_twice_is_one_session(personas, clinic, client_for, time_machine) -> None:
    time_machine.move_to(dt.datetime(2026, 2, 27, 12, 0, tzinfo=dt.UTC), tick=False)
    client = client_for(personas.admin)
    url = reverse("sessions_app:session_create")
    (key,) = KEY_INPUT.findall(client.get(url).content.decode())
    form = {
        "patient": str(personas.demo_patient.public_id),
        "kind": "consultation",
        "date": "2026-03-02",
        "start_time": "10:00",
        "lead_clinician": str(personas.prescriber.public_id),
        "room": str(clinic.consult_room.public_id),
        "idempotency_key": key,
    }
    first = client.post(url, form)
    second = client.post(url, form)
    assert first.status_code == second.status_code == 302 and second["Location"] == first["Location"]
    assert Session.objects.filter(patient=personas.demo_patient).count() == 1


def test_a_consent_signed_twice_from_the_portal_is_one_record_and_the_second_lands_on_it(
    client, personas, kap_request, signature_url, django_capture_on_commit_callbacks
) -> None:
    client.force_login(personas.patient_user)
    url = reverse("portal:consent_sign", kwargs={"public_id": kap_request.public_id})
    (key,) = KEY_INPUT.findall(client.get(url).content.decode())
    form = {**consent_form(kap_request, signature_url), "idempotency_key": key}
    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(url, form)
    second = client.post(url, form)
    record = ConsentRecord.objects.get(request=kap_request)
    assert first.status_code == second.status_code == 302
    assert second["Location"] == reverse("portal:consent_record", kwargs={"public_id": record.public_id})


def test_a_witnessed_waste_sent_twice_draws_the_lot_once(personas, ready, client_for) -> None:
    r = ready()
    client = client_for(personas.nurse)
    url = reverse("sessions_app:inventory_lot", kwargs={"public_id": r.lot.public_id})
    form = {
        "action": "waste",
        "quantity": "15",
        "witness": str(personas.prescriber.public_id),
        "reason": "Drawn, not given",
        "idempotency_key": str(uuid.uuid4()),
    }
    assert client.post(url, form).status_code == 302
    assert client.post(url, form)["Idempotent-Replayed"] == "true"
    assert InventoryEntry.objects.filter(lot=r.lot, kind=InventoryEntry.Kind.WASTE).count() == 1
    assert InventoryLot.objects.get(pk=r.lot.pk).balance == Decimal("485")
