"""The signed PDF through a real Celery worker and Redis: the patient signs in a committed
transaction, the render task goes to Redis after commit, a worker process renders and stores the
snapshot, and verify finds it intact. Runs when REDIS_URL and a PostgreSQL DATABASE_URL are set
(CI's services run); embedded mode renders in-process, which the other consent tests cover."""

from __future__ import annotations

import time

import pytest
from django.conf import settings
from django.db import connection

from consent import selectors, services
from consent.demo import seed_consent_documents
from consent.models import ConsentKind, ConsentPdf
from consent.signature import generated_signature_png, png_data_url
from kap_clinic.celery import app
from tests.test_celery import real_worker  # noqa: F401 - a Celery worker process on Redis (REDIS_URL set)

from .reference_data import restore_reference_data_after_flush  # noqa: F401

pytestmark = [
    pytest.mark.services,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql" or not settings.REDIS_URL,
        reason="needs PostgreSQL and Redis (DATABASE_URL, REDIS_URL) for a worker process to share",
    ),
]


@pytest.fixture
def _django_db_helper(restore_reference_data_after_flush, _django_db_helper):  # noqa: F811
    """Wraps pytest-django's database helper so reference data comes back after its flush."""
    return _django_db_helper


@pytest.fixture
def shared_media(settings, monkeypatch):  # noqa: ANN001, ANN201
    # The worker writes the PDF where this test reads it.
    monkeypatch.setenv("DJANGO_MEDIA_ROOT", str(settings.MEDIA_ROOT))


def test_a_real_worker_renders_the_signed_pdf_after_commit(shared_media, real_worker, personas) -> None:  # noqa: F811
    seed_consent_documents(personas.admin)
    request = services.consent_request_signature(
        actor=personas.prescriber, patient=personas.demo_patient, kind=ConsentKind.KAP_TREATMENT
    )
    ersd = selectors.document_current(ConsentKind.ELECTRONIC_RECORDS)
    record = services.consent_sign(
        user=personas.patient_user,
        request=request,
        agree=True,
        typed_name="Jordan Ellis",
        signature_data_url=png_data_url(generated_signature_png("Jordan Ellis")),
        shown_text_sha256=request.document.text_sha256,
        accept_electronic_records=True,
        shown_electronic_records_sha256=ersd.text_sha256,
        ip="203.0.113.7",
        user_agent="pytest-browser/1.0",
    )
    assert not app.conf.task_always_eager  # the render task went to Redis, not run in this process

    deadline = time.monotonic() + 90
    while time.monotonic() < deadline and not ConsentPdf.objects.filter(record=record).exists():
        time.sleep(0.5)
    if not ConsentPdf.objects.filter(record=record).exists():
        real_worker.terminate()
        output = real_worker.communicate(timeout=10)[0].decode(errors="replace")
        raise AssertionError(f"the worker did not render the PDF in 90 s; its output:\n{output}")
    pdf = ConsentPdf.objects.get(record=record)
    with pdf.file.open("rb") as handle:
        assert handle.read().startswith(b"%PDF")
    assert services.consent_verify(actor=personas.prescriber, record=record).status == "intact"
