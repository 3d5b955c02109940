"""Fixtures for consent tests: published demo documents, a pending request, a signed record, a
patient without a portal account, and a broker that goes away (tests/brokers.py)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from consent import selectors, services
from consent.demo import seed_consent_documents
from consent.models import ConsentKind
from consent.signature import generated_signature_png, png_data_url
from patients.models import CareTeamMembership, Patient
from tests.brokers import broker_down, own_redis  # noqa: F401 - a broker that goes away and comes back


@pytest.fixture
def documents(personas):
    return seed_consent_documents(personas.admin)


@pytest.fixture
def signature_url() -> str:
    return png_data_url(generated_signature_png("Jordan Ellis"))


@pytest.fixture
def newcomer(personas) -> Patient:
    """On the prescriber's care team, with an email address and no portal account yet."""
    patient = Patient.objects.create(
        legal_first_name="Nia",
        legal_last_name="Newcomer",
        date_of_birth=dt.date(1994, 4, 4),
        email="nia.newcomer@example.com",
        status=Patient.Status.ELIGIBLE,
    )
    CareTeamMembership.objects.create(patient=patient, clinician=personas.prescriber)
    return patient


@pytest.fixture
def kap_request(personas, documents, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return services.consent_request_signature(
            actor=personas.prescriber, patient=personas.demo_patient, kind=ConsentKind.KAP_TREATMENT
        )


def sign_kwargs(request, signature_url: str, **overrides) -> dict:
    ersd = selectors.document_current(ConsentKind.ELECTRONIC_RECORDS)
    values = {
        "agree": True,
        "typed_name": request.patient.full_name,
        "signature_data_url": signature_url,
        "shown_text_sha256": request.document.text_sha256,
        "accept_electronic_records": True,
        "shown_electronic_records_sha256": ersd.text_sha256,
        "ip": "203.0.113.7",
        "user_agent": "pytest-browser/1.0",
    }
    values.update(overrides)
    return values


def signing_form(request, signature_url: str) -> dict[str, str]:
    """What the portal's signing page posts for ``request``, everything agreed."""
    values = sign_kwargs(request, signature_url)
    return {
        "agree": "on",
        "typed_name": values["typed_name"],
        "signature": values["signature_data_url"],
        "shown_text_sha256": values["shown_text_sha256"],
        "accept_electronic_records": "on",
        "shown_electronic_records_sha256": values["shown_electronic_records_sha256"],
    }


def client_of(user) -> Client:  # noqa: ANN001
    """A test client of its own, logged in as ``user`` (a staff member and a patient side by side)."""
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def sign(signature_url, django_capture_on_commit_callbacks):
    """sign(request, user, **overrides) signs through the service and runs the on-commit PDF jobs."""

    def do(request, user, **overrides):
        with django_capture_on_commit_callbacks(execute=True):
            return services.consent_sign(user=user, request=request, **sign_kwargs(request, signature_url, **overrides))

    return do


@pytest.fixture
def signed_record(personas, kap_request, sign):
    return sign(kap_request, personas.patient_user)
