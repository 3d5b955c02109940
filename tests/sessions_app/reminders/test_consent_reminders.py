"""A signing request left unsigned is reminded after 2 days, then every 3 days, at most 3 times;
signing (or a newer request) stops the rest. Planned by the sweep from the consent app's rows,
which are only read."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from consent.models import ConsentKind
from consent.services.documents import consent_document_create, consent_document_publish
from consent.services.requests import consent_request_signature
from sessions_app.reminders.models import Reminder
from sessions_app.reminders.services import delivery, planning

from .conftest import FORBIDDEN_WORDS, NY, local

pytestmark = pytest.mark.django_db


@pytest.fixture
def request_signature(personas, walk, django_capture_on_commit_callbacks):
    def make():
        kind = ConsentKind.objects.get(code=ConsentKind.KAP_TREATMENT)
        document = consent_document_create(
            actor=personas.admin,
            kind=kind,
            title="Consent to ketamine-assisted psychotherapy",
            body="# Consent\n\nText.",
            effective_date=timezone.localdate() - dt.timedelta(days=1),
        )
        consent_document_publish(actor=personas.admin, document=document)
        with django_capture_on_commit_callbacks(execute=True):
            request = consent_request_signature(actor=personas.admin, patient=personas.demo_patient, kind=kind)
        mail.outbox.clear()  # the consent app's own request email
        return request

    return make


def consent_rows(request) -> list[Reminder]:
    return list(Reminder.objects.filter(signing_request=request).order_by("offset_minutes", "channel"))


def test_an_unsigned_request_gets_reminders_after_2_5_and_8_days_by_each_channel(
    walk, reachable, request_signature
) -> None:
    walk(local(2026, 3, 2, 10, 30))
    request = request_signature()
    assert planning.reminders_plan_consent() == 6
    assert planning.reminders_plan_consent() == 0  # planned once
    due = {(r.channel, r.offset_minutes): r.due_at.astimezone(NY) for r in consent_rows(request)}
    assert due == {
        ("email", 2880): local(2026, 3, 4, 10, 30),
        ("sms", 2880): local(2026, 3, 4, 10, 30),
        ("email", 7200): local(2026, 3, 7, 10, 30),
        ("sms", 7200): local(2026, 3, 7, 10, 30),
        ("email", 11520): local(2026, 3, 10, 10, 30),  # after the spring change: still 10:30
        ("sms", 11520): local(2026, 3, 10, 10, 30),
    }
    assert walk.sweep(local(2026, 3, 4, 10, 29)) == {}
    assert walk.sweep(local(2026, 3, 4, 10, 30)) == {"sent": 2}
    message = mail.outbox[0]
    assert message.subject == "KAP Clinic: a document is still waiting for your signature"
    assert "/portal/" in message.body
    lowered = message.body.lower()
    assert not [w for w in FORBIDDEN_WORDS if f" {w}" in f" {lowered}"]
    walk.sweep(local(2026, 3, 7, 10, 30))
    walk.sweep(local(2026, 3, 10, 10, 30))
    assert len(mail.outbox) == 3
    assert walk.sweep(local(2026, 3, 13, 10, 30)) == {}  # at most three


def test_signing_stops_the_remaining_consent_reminders(walk, reachable, request_signature) -> None:
    walk(local(2026, 3, 2, 10, 30))
    request = request_signature()
    planning.reminders_plan_consent()
    walk.sweep(local(2026, 3, 4, 10, 30))
    request.used_at = local(2026, 3, 5, 9)
    request.save(update_fields=["used_at"])  # signed (the consent service sets used_at when signing)
    walk(local(2026, 3, 5, 12))
    planning.reminders_plan_consent()
    states = {(r.offset_minutes, r.status) for r in consent_rows(request)}
    assert states == {(2880, "sent"), (7200, "cancelled"), (11520, "cancelled")}
    assert walk.sweep(local(2026, 3, 7, 10, 30)) == {}
    assert len(mail.outbox) == 1


def test_a_request_signed_between_planning_and_sending_is_not_reminded(walk, reachable, request_signature) -> None:
    walk(local(2026, 3, 2, 10, 30))
    request = request_signature()
    planning.reminders_plan_consent()
    request.used_at = local(2026, 3, 3, 9)
    request.save(update_fields=["used_at"])
    assert walk.sweep(local(2026, 3, 4, 10, 30)) == {"cancelled": 2}
    assert mail.outbox == []


def test_no_consent_reminder_is_planned_after_the_request_expires(walk, reachable, request_signature, settings) -> None:
    settings.CONSENT_REQUEST_VALID_DAYS = 6
    walk(local(2026, 3, 2, 10, 30))
    request = request_signature()
    planning.reminders_plan_consent()
    assert {r.offset_minutes for r in consent_rows(request)} == {2880, 7200}


def test_the_sms_consent_reminder_respects_quiet_hours(walk, reachable, request_signature) -> None:
    walk(local(2026, 3, 2, 22, 15))
    request = request_signature()
    planning.reminders_plan_consent()
    by = {(r.channel, r.offset_minutes): r.due_at.astimezone(NY) for r in consent_rows(request)}
    assert by[("email", 2880)] == local(2026, 3, 4, 22, 15)
    assert by[("sms", 2880)] == local(2026, 3, 5, 8)


def test_a_patient_who_withdrew_consent_to_electronic_records_gets_no_consent_nudge(
    walk, reachable, request_signature, monkeypatch, sms_outbox
) -> None:
    walk(local(2026, 3, 2, 10, 30))
    request = request_signature()
    planning.reminders_plan_consent()
    monkeypatch.setattr(delivery, "_records_withdrawn", lambda patient: True)
    assert walk.sweep(local(2026, 3, 4, 10, 30)) == {"skipped": 2}
    assert mail.outbox == [] and sms_outbox == []
    assert {r.status_reason for r in consent_rows(request) if r.status == "skipped"} == {
        "Patient withdrew consent to electronic records"
    }
