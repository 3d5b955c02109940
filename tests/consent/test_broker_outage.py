"""With the broker down (here: pointed at a closed port), a patient signs a consent in the portal and
a staff member sends a signing request and a portal invitation from the chart: each page answers
as usual and everything is saved. Once the broker is back the minute sweep renders the signed PDFs
and sends both emails, each once, however often it runs.

(tests/consent/test_redis_outage.py does the same with a Redis server that test stops and starts,
and a real worker; it runs when REDIS_URL and PostgreSQL are set.)
"""

from __future__ import annotations

import datetime as dt
import re
import time

import pytest
from django.urls import reverse
from django.utils import timezone

from consent import selectors
from consent.models import ConsentPdf, ConsentRecord, PortalInvitation, SigningRequest
from kap_clinic.audit.models import AuditEvent
from sessions_app.tasks import jobs_sweep_task
from tests.brokers import broker_away

from .conftest import client_of, signing_form

# Serialized like the other transactional consent tests: a plain flush re-creates the content types,
# which the serialized snapshot the next of them restores would then clash with (reference_data.py).
pytestmark = pytest.mark.django_db(transaction=True)
REQUEST_LINK = re.compile(r"/portal/consents/link/(?P<token>[0-9a-f]{64})/")


def test_with_the_broker_down_signing_requesting_and_inviting_answer_as_usual_and_the_sweep_sends_each_once(
    personas, kap_request, newcomer, signature_url, mailoutbox, time_machine
) -> None:
    mailoutbox.clear()  # the KAP request's own email went while the broker was up
    patient, staff = client_of(personas.patient_user), client_of(personas.prescriber)
    chart = {"public_id": personas.demo_patient.public_id}

    with broker_away() as broker_back:
        started = time.monotonic()
        signed = patient.post(
            reverse("portal:consent_sign", kwargs={"public_id": kap_request.public_id}),
            signing_form(kap_request, signature_url),
            follow=True,
        )
        requested = staff.post(reverse("consent:request_create", kwargs=chart), {"kind": "telehealth"}, follow=True)
        invited = staff.post(reverse("consent:portal_invite", kwargs={"public_id": newcomer.public_id}), follow=True)
        assert time.monotonic() - started < 10.0  # generous: two cores shared; a hung publish takes far longer
        broker_back()

    assert signed.status_code == 200 and "Your signature is recorded" in signed.content.decode()
    assert requested.status_code == 200 and "Signing request sent" in requested.content.decode()
    assert invited.status_code == 200 and "Portal invitation sent" in invited.content.decode()
    # Everything the pages promised was saved; only the background work waits.
    record = ConsentRecord.objects.get(request=kap_request)
    records = [record, record.electronic_records_record]
    request = SigningRequest.objects.get(patient=personas.demo_patient, document__kind__code="telehealth")
    invitation = PortalInvitation.objects.get(patient=newcomer)
    assert request.email_wanted and request.email_sent_at is None
    assert invitation.email_sent_at is None and invitation.user.email == newcomer.email
    assert {"consent.signed", "consent.requested", "patient.portal_invited"} <= set(
        AuditEvent.objects.values_list("action", flat=True)
    )
    assert not ConsentPdf.objects.exists() and mailoutbox == []

    # The broker is back at once: the sweep leaves the work to the tasks that may still be on their way.
    first = jobs_sweep_task.apply().get()
    assert first["consent_emails"] == {"requests": 0, "invitations": 0} and first["consent_snapshots"] == 0
    time_machine.move_to(timezone.now() + dt.timedelta(minutes=6), tick=False)
    caught_up = jobs_sweep_task.apply().get()
    again = jobs_sweep_task.apply().get()

    assert caught_up["consent_emails"] == {"requests": 1, "invitations": 1} and caught_up["consent_snapshots"] == 2
    assert again["consent_emails"] == {"requests": 0, "invitations": 0} and again["consent_snapshots"] == 0
    for signed_record in records:
        pdf = ConsentPdf.objects.get(record=signed_record, stage=ConsentPdf.Stage.SIGNED)
        with pdf.file.open("rb") as handle:
            assert handle.read().startswith(b"%PDF")
    assert ConsentPdf.objects.count() == 2
    assert sorted(m.to[0] for m in mailoutbox) == sorted([personas.demo_patient.email, newcomer.email])
    to_patient = next(m for m in mailoutbox if m.to == [personas.demo_patient.email])
    assert selectors.signing_request_by_token(REQUEST_LINK.search(to_patient.body).group("token")) == request
    # The chart tells which requests were emailed: the KAP one before the outage, now the telehealth one too.
    assert requested.content.decode().count("· emailed") == 1
    assert staff.get(reverse("consent:patient_consents", kwargs=chart)).content.decode().count("· emailed") == 2
