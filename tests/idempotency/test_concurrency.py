"""Requests with one key at the same moment: one runs, the others get its answer or a 409, never a 500
(PostgreSQL: real concurrent writers; SQLite serialises all writers, so there is no race to lose)."""

from __future__ import annotations

import threading
import uuid
from decimal import Decimal

import pytest
from django.db import connection, connections
from django.test import Client
from django.urls import reverse
from rest_framework.authtoken.models import Token

from sessions_app.clinical.models.dosing import Administration
from sessions_app.inventory.models import InventoryEntry, InventoryLot

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent writers (PostgreSQL)"),
]

ATTEMPTS = 4


def at_once(send) -> list:
    """Run ``send(i)`` in ATTEMPTS threads released together; their answers."""
    barrier = threading.Barrier(ATTEMPTS, timeout=15)
    answers: list = []
    lock = threading.Lock()

    def run(i: int) -> None:
        try:
            barrier.wait()
            answer = send(i)
        except Exception as exc:  # anything else is a bug the test must show
            answer = exc
        finally:
            connections.close_all()
        with lock:
            answers.append(answer)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(ATTEMPTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert len(answers) == ATTEMPTS
    return answers


def dose(p, r, mg: str = "35") -> dict:
    return {
        "dose_mg": mg,
        "lot": str(r.lot.public_id),
        "ordering_prescriber": str(p.prescriber.public_id),
        "infusion_minutes": 40,
    }


def assert_drawn_once(r) -> None:
    assert Administration.objects.filter(dosing=r.dosing).count() == 1
    assert InventoryEntry.objects.filter(lot=r.lot, kind=InventoryEntry.Kind.ADMINISTRATION).count() == 1
    assert InventoryLot.objects.get(pk=r.lot.pk).balance == Decimal("465")


def test_concurrent_api_requests_with_one_key_record_one_dose(personas, ready) -> None:
    r = ready()
    token = Token.objects.create(user=personas.nurse).key
    path = reverse("api:dosing_administrations", kwargs={"public_id": r.dosing.public_id})
    key = str(uuid.uuid4())

    def send(i: int):
        return Client().post(
            path,
            dose(personas, r),
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Token {token}",
            HTTP_IDEMPOTENCY_KEY=key,
        )

    answers = at_once(send)
    assert all(not isinstance(a, Exception) for a in answers), answers
    statuses = sorted(a.status_code for a in answers)
    assert set(statuses) <= {201, 409}, statuses
    ran = [a for a in answers if a.status_code == 201 and not a.has_header("Idempotent-Replayed")]
    assert len(ran) == 1
    for answer in answers:
        if answer.status_code == 409:
            assert answer.json()["error"]["code"] == "idempotency_in_progress"
            assert answer["Retry-After"] == "1"
        elif answer is not ran[0]:
            assert answer.content == ran[0].content
    assert_drawn_once(r)


def test_concurrent_api_requests_with_one_key_and_different_bodies_record_one(personas, ready) -> None:
    r = ready()
    token = Token.objects.create(user=personas.nurse).key
    path = reverse("api:dosing_administrations", kwargs={"public_id": r.dosing.public_id})

    def send(i: int):
        return Client().post(
            path,
            dose(personas, r, "35" if i == 0 else f"3{i}"),
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Token {token}",
            HTTP_IDEMPOTENCY_KEY="one-key",
        )

    answers = at_once(send)
    assert all(not isinstance(a, Exception) for a in answers), answers
    assert sorted(a.status_code for a in answers).count(201) == 1
    assert {a.status_code for a in answers} <= {201, 409}
    assert Administration.objects.filter(dosing=r.dosing).count() == 1


def test_a_double_tap_on_the_page_records_one_dose_and_both_taps_see_the_board(personas, ready) -> None:
    r = ready()
    path = reverse("sessions_app:dosing_action", kwargs={"public_id": r.session.public_id, "action": "administer"})
    form = {**{k: str(v) for k, v in dose(personas, r).items()}, "idempotency_key": str(uuid.uuid4())}

    def send(i: int):
        client = Client()
        client.force_login(personas.nurse)
        return client.post(path, form, HTTP_HX_REQUEST="true")

    answers = at_once(send)
    assert all(not isinstance(a, Exception) for a in answers), answers
    assert [a.status_code for a in answers] == [200] * ATTEMPTS  # the later taps waited for the first
    assert len({a.content for a in answers}) == 1
    assert_drawn_once(r)
