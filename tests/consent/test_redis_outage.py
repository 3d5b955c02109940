"""With a real Redis stopped, a patient signs a consent and a staff member sends a signing request and
a portal invitation: each page answers as usual. Once Redis is back, the sweep hands the emails to
a real worker, which sends each once, and the signed PDFs are rendered once. The test stops and
starts its own redis-server (tests/brokers.py); the worker writes its emails to a folder, so this
process can count them. Runs when REDIS_URL and a PostgreSQL DATABASE_URL are set and redis-server
is installed; skipped in embedded mode (tests/consent/test_broker_outage.py is its embedded twin)."""

from __future__ import annotations

import datetime as dt
import email
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from consent.models import ConsentKind, ConsentPdf, ConsentRecord, PortalInvitation, SigningRequest
from sessions_app.tasks import jobs_sweep_task
from tests.brokers import forget_connections
from tests.workers import start_worker, stop_worker, worker_env

from .conftest import client_of, signing_form

# Serialized like the other transactional consent tests (see test_broker_outage.py).
pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]
NOTHING = {"requests": 0, "invitations": 0}


@pytest.fixture
def mail_folder(tmp_path) -> Path:
    folder = tmp_path / "mail"
    folder.mkdir()
    return folder


@pytest.fixture
def worker(own_redis, mail_folder):
    # django-environ drops the first slash of a filemail path, hence four: filemail:////tmp/…
    env = worker_env(
        REDIS_URL=own_redis.url,
        DJANGO_MEDIA_ROOT=str(settings.MEDIA_ROOT),
        EMAIL_URL=f"filemail:///{mail_folder}",
    )
    proc = start_worker(env)
    yield proc
    stop_worker(proc)


def sent_to(folder: Path) -> list[str]:
    """The recipient of every message the worker's file backend wrote (one block per message)."""
    recipients = []
    for path in sorted(folder.iterdir()):
        for block in path.read_text().split("-" * 79):
            if block.strip():
                recipients.append(email.message_from_string(block.strip())["To"])
    return sorted(recipients)


def _until(predicate, worker, seconds: float = 120.0) -> None:  # noqa: ANN001
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.5)
    worker.terminate()
    raise AssertionError(worker.communicate(timeout=10)[0].decode(errors="replace"))


def _staff_and_patient_act(personas, newcomer, signature_url) -> tuple[Client, list[int]]:  # noqa: ANN001
    staff, patient = client_of(personas.prescriber), client_of(personas.patient_user)
    chart = {"public_id": personas.demo_patient.public_id}
    statuses = [staff.post(reverse("consent:request_create", kwargs=chart), {"kind": "kap_treatment"}).status_code]
    kap_request = SigningRequest.objects.get(document__kind__code=ConsentKind.KAP_TREATMENT)
    sign_url = reverse("portal:consent_sign", kwargs={"public_id": kap_request.public_id})
    statuses.append(patient.post(sign_url, signing_form(kap_request, signature_url)).status_code)
    statuses.append(staff.post(reverse("consent:request_create", kwargs=chart), {"kind": "telehealth"}).status_code)
    statuses.append(staff.post(reverse("consent:portal_invite", kwargs={"public_id": newcomer.public_id})).status_code)
    return staff, statuses


def test_with_redis_stopped_signing_requesting_and_inviting_answer_and_the_work_happens_once_when_it_returns(
    own_redis, worker, mail_folder, personas, documents, newcomer, signature_url, time_machine
) -> None:
    own_redis.stop()  # Redis goes away while the worker is running
    started = time.monotonic()
    _, statuses = _staff_and_patient_act(personas, newcomer, signature_url)
    assert statuses == [302, 302, 302, 302]
    assert time.monotonic() - started < 15.0
    record = ConsentRecord.objects.get(kind__code=ConsentKind.KAP_TREATMENT)
    telehealth = SigningRequest.objects.get(document__kind__code=ConsentKind.TELEHEALTH)
    invitation = PortalInvitation.objects.get(patient=newcomer)
    assert telehealth.email_wanted and telehealth.email_sent_at is None and invitation.email_sent_at is None
    assert not ConsentPdf.objects.exists()

    own_redis.start()  # Redis is back (empty: whatever it held is gone)
    forget_connections()
    # Six minutes on: past the relay's grace period and the snapshot catch-up's. The sweep runs
    # here under that clock; the worker, on the real one, sends what the relay hands it.
    time_machine.move_to(timezone.now() + dt.timedelta(minutes=6), tick=True)
    result = jobs_sweep_task.apply().get()
    assert result["consent_emails"] == {"requests": 1, "invitations": 1}  # the signed KAP request is not emailed
    assert result["consent_snapshots"] == 2  # the KAP consent and the electronic-records one
    sent = SigningRequest.objects.filter(pk=telehealth.pk, email_sent_at__isnull=False)
    _until(lambda: sent.exists() and PortalInvitation.objects.filter(email_sent_at__isnull=False).exists(), worker)
    _until(lambda: len(sent_to(mail_folder)) >= 2, worker, seconds=20)

    # Beat's next sweeps, run by the worker: nothing is left to do, nothing goes twice.
    for _ in range(2):
        again = jobs_sweep_task.apply_async().get(timeout=60)
        assert again["consent_emails"] == NOTHING and again["consent_snapshots"] == 0
    assert sent_to(mail_folder) == sorted([personas.demo_patient.email, newcomer.email])
    assert ConsentPdf.objects.count() == 2
    assert ConsentPdf.objects.filter(record__in=[record, record.electronic_records_record]).count() == 2
