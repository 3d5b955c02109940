"""Personas mirror the demo seed (PRODUCT.md): admin, prescriber, nurse, therapist, patient, outsider.

``demo_patient`` is on the prescriber/nurse/therapist care team; ``other_patient`` belongs to
nobody's team but the outsider's, so "someone else's record" tests have a target both ways.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import pytest
from rest_framework.test import APIClient

from kap_clinic.accounts.demo import seed_users
from kap_clinic.accounts.models import User
from patients.demo import seed_patients
from patients.models import CareTeamMembership, Patient

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop


@dataclass
class Personas:
    admin: User
    prescriber: User
    nurse: User
    therapist: User
    outsider: User
    patient_user: User
    other_patient_user: User
    demo_patient: Patient
    other_patient: Patient

    def user(self, name: str) -> User | None:
        return None if name == "anonymous" else getattr(self, name)


PERSONA_NAMES = [
    "anonymous",
    "admin",
    "prescriber",
    "nurse",
    "therapist",
    "outsider",
    "patient_user",
    "other_patient_user",
]


@pytest.fixture
def personas(db) -> Personas:
    users = seed_users()
    patients = seed_patients(users)
    other_user = User.objects.create_user(
        "other.patient@example.com", "x-unused-pw-123", full_name="Riley Other", role=User.Role.PATIENT
    )
    import datetime as dt

    other = Patient.objects.create(
        legal_first_name="Riley",
        legal_last_name="Other",
        user=other_user,
        date_of_birth=dt.date(1990, 2, 3),
        email="other.patient@example.com",
    )
    CareTeamMembership.objects.create(patient=other, clinician=users["outsider"], is_lead=True)
    return Personas(
        admin=users["admin"],
        prescriber=users["prescriber"],
        nurse=users["nurse"],
        therapist=users["therapist"],
        outsider=users["outsider"],
        patient_user=users["patient"],
        other_patient_user=other_user,
        demo_patient=patients["demo"],
        other_patient=other,
    )


def _is_transactional(request: pytest.FixtureRequest) -> bool:
    marker = request.node.get_closest_marker("django_db")
    if marker is not None and (marker.kwargs.get("transaction") or (marker.args and marker.args[0])):
        return True
    return bool({"transactional_db", "live_server"} & set(request.fixturenames))


@pytest.fixture
def _reference_data_back_after_flush(request, django_db_blocker):  # noqa: ANN001, ANN202
    """A transactional test (threads, live server, real worker) ends with a flush that empties every table,
    the data migrations' rows (consent kinds, session types) included. Set up before pytest-django's database
    helper, this is torn down after its flush and puts those rows back, so whichever test a parallel process
    runs next finds them, whatever the order."""
    yield
    if _is_transactional(request):
        from tests.consent.reference_data import restore_reference_data

        marker = request.node.get_closest_marker("django_db")
        with django_db_blocker.unblock():
            restore_reference_data(snapshot=bool(marker and marker.kwargs.get("serialized_rollback")))


@pytest.fixture
def _django_db_helper(_reference_data_back_after_flush, _django_db_helper):  # noqa: ANN001, ANN202
    return _django_db_helper


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture
def client_for(client):
    """client_for(user) -> a Django test client logged in as ``user`` (anonymous for None)."""

    def make(user: User | None):
        client.logout()
        if user is not None:
            client.force_login(user)
        return client

    return make


@pytest.fixture
def api_for(api_client):
    def make(user: User | None) -> APIClient:
        api_client.logout()
        api_client.force_authenticate(user=None)
        if user is not None:
            api_client.force_login(user)
        return api_client

    return make
