"""Two people book the same slot at the same moment: exactly one succeeds, the other is told why.

On PostgreSQL both requests are held at a barrier *after* the service's clash check and before
the insert, so both checks see a free slot and only the exclusion constraint can stop the second
booking. That is the race the database rule exists for. On SQLite write transactions are
serialised (BEGIN IMMEDIATE), so the second request simply sees the first one's booking.
"""

from __future__ import annotations

import threading

import pytest
from django.db import connection
from django.urls import reverse
from rest_framework.test import APIClient

from patients.models import Patient
from sessions_app.scheduling.models import Session
from sessions_app.scheduling.services import sessions as scheduling
from sessions_app.scheduling.services.clinic import session_types
from tests.sessions_app.conftest import make_clinic

pytestmark = pytest.mark.django_db(transaction=True)
postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the check-then-insert race needs concurrent writers (PostgreSQL)"
)


@pytest.fixture
def race(personas, frozen, monkeypatch):
    """race(payload_a, payload_b, via=...) -> [(status, body), (status, body)] sorted by status."""
    make_clinic([personas.prescriber, personas.nurse, personas.therapist])
    session_types()  # reference rows committed up front (a flush between tests removes them)
    barrier = threading.Barrier(2, timeout=15)
    real_check = scheduling.check_clashes

    def check_then_wait(*args, **kwargs):
        real_check(*args, **kwargs)
        barrier.wait()  # both requests have seen a free slot

    monkeypatch.setattr(scheduling, "check_clashes", check_then_wait)

    def run(*requests):
        results = []

        def worker(send):
            try:
                results.append(send())
            finally:
                connection.close()

        threads = [threading.Thread(target=worker, args=(send,)) for send in requests]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        return sorted(results, key=lambda r: r[0])

    return run


def _api_booking(user, payload):
    def send():
        client = APIClient()
        client.force_authenticate(user)
        response = client.post(reverse("api:sessions"), payload, format="json")
        return response.status_code, response.json()

    return send


def _payload(patient, clinician, room) -> dict:
    return {
        "patient": str(patient.public_id),
        "kind": "consultation",
        "starts_at": "2026-03-02T10:00",
        "lead_clinician": str(clinician.public_id),
        "room": str(room.public_id),
    }


def _rooms():
    from sessions_app.scheduling.models import Room

    return Room.objects.get(name="Consult 1"), Room.objects.get(name="Dosing A")


@postgres_only
@pytest.mark.parametrize(
    ("shared", "expected"),
    [
        ("room", "Room Consult 1 is already booked on Mon 2 Mar 2026 10:00–11:00 (consultation session)."),
        ("clinician", "Dr. Priya Raman is already booked on Mon 2 Mar 2026 10:00–11:00 (consultation session)."),
        ("patient", "The patient already has a consultation session on Mon 2 Mar 2026 10:00–11:00."),
    ],
)
def test_two_concurrent_api_bookings_of_one_slot_give_one_201_and_one_409_naming_the_clash(
    personas, race, shared, expected
) -> None:
    morgan = Patient.objects.get(legal_first_name="Morgan")
    consult, other_room = _rooms()
    first = _payload(personas.demo_patient, personas.prescriber, consult)
    second = {
        "room": _payload(morgan, personas.nurse, consult),
        "clinician": _payload(morgan, personas.prescriber, other_room),
        "patient": _payload(personas.demo_patient, personas.nurse, other_room),
    }[shared]
    results = race(_api_booking(personas.admin, first), _api_booking(personas.admin, second))
    assert [status for status, _ in results] == [201, 409]
    error = results[1][1]["error"]
    assert error["code"] == "slot_unavailable"
    assert error["message"] == expected
    assert Session.objects.count() == 1


@postgres_only
@pytest.mark.parametrize(
    ("shared", "expected"),
    [
        ("room", "Room Consult 1 is already booked on Mon 2 Mar 2026 10:00–11:00"),
        ("clinician", "Dr. Priya Raman is already booked on Mon 2 Mar 2026 10:00–11:00"),
        ("patient", "The patient already has a consultation session on Mon 2 Mar 2026 10:00–11:00"),
    ],
)
def test_two_concurrent_bookings_from_the_page_give_one_success_and_one_form_error(
    personas, race, shared, expected
) -> None:
    morgan = Patient.objects.get(legal_first_name="Morgan")
    consult, other_room = _rooms()

    def page_booking(patient, clinician, room):
        def send():
            from django.test import Client

            client = Client()
            client.force_login(personas.admin)
            response = client.post(
                reverse("sessions_app:session_create"),
                {
                    "patient": str(patient.public_id),
                    "kind": "consultation",
                    "date": "2026-03-02",
                    "start_time": "10:00",
                    "duration_minutes": "60",
                    "lead_clinician": str(clinician.public_id),
                    "room": str(room.public_id),
                },
            )
            return response.status_code, response.content.decode()

        return send

    second = {
        "room": (morgan, personas.nurse, consult),
        "clinician": (morgan, personas.prescriber, other_room),
        "patient": (personas.demo_patient, personas.nurse, other_room),
    }[shared]
    results = race(page_booking(personas.demo_patient, personas.prescriber, consult), page_booking(*second))
    assert [status for status, _ in results] == [200, 302]
    assert expected in results[0][1]
    assert Session.objects.count() == 1


def test_on_any_database_sequential_double_booking_through_the_api_is_a_409(personas, frozen, api_for) -> None:
    make_clinic([personas.prescriber, personas.nurse, personas.therapist])
    consult, _ = _rooms()
    morgan = Patient.objects.get(legal_first_name="Morgan")
    api = api_for(personas.admin)
    assert (
        api.post(
            reverse("api:sessions"), _payload(personas.demo_patient, personas.prescriber, consult), format="json"
        ).status_code
        == 201
    )
    response = api.post(reverse("api:sessions"), _payload(morgan, personas.nurse, consult), format="json")
    assert response.status_code == 409
    assert response.json()["error"]["field"] == "room"
