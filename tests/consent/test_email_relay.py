"""Signing-request and portal-invitation emails whose hand-over was lost go out from the minute
sweep, once: claimed before sending, so a late task and a relayed one never both send.

A service called outside ``django_capture_on_commit_callbacks`` here never runs its after-commit
hand-over: that is the email a broker outage lost.
"""

from __future__ import annotations

import datetime as dt
from smtplib import SMTPException

import pytest
from django.utils import timezone

from consent import selectors, services
from consent.models import ConsentKind, PortalInvitation, SigningRequest
from consent.services import emails
from consent.services.requests import create_signing_request
from consent.tasks import consent_request_email_task, portal_invitation_email_task
from sessions_app.tasks import jobs_sweep_task

NOTHING = {"requests": 0, "invitations": 0}


@pytest.fixture
def later(time_machine):
    """later(minutes): the clock moves on that far (and stays there)."""

    def move(minutes: float) -> None:
        time_machine.move_to(timezone.now() + dt.timedelta(minutes=minutes), tick=False)

    return move


@pytest.fixture
def lost_request(personas, documents) -> SigningRequest:
    return services.consent_request_signature(
        actor=personas.prescriber, patient=personas.demo_patient, kind="telehealth"
    )


@pytest.fixture
def lost_invitation(personas, newcomer) -> PortalInvitation:
    return services.patient_portal_invite(actor=personas.prescriber, patient=newcomer)


def test_a_lost_request_email_is_sent_by_the_sweep_once_after_the_grace_period(lost_request, later, mailoutbox) -> None:
    assert lost_request.email_wanted and lost_request.email_sent_at is None
    assert services.consent_emails_relay() == NOTHING  # its task may still be on its way
    later(3)
    assert jobs_sweep_task.apply().get()["consent_emails"] == {"requests": 1, "invitations": 0}
    assert services.consent_emails_relay() == NOTHING
    later(15)
    assert services.consent_emails_relay() == NOTHING
    assert [m.to for m in mailoutbox] == [[lost_request.patient.email]]
    lost_request.refresh_from_db()
    assert lost_request.email_sent_at is not None and lost_request.email_attempts == 1


def test_a_lost_invitation_email_is_sent_by_the_sweep_once(lost_invitation, later, mailoutbox) -> None:
    later(3)
    assert services.consent_emails_relay() == {"requests": 0, "invitations": 1}
    assert services.consent_emails_relay() == NOTHING
    assert [m.to for m in mailoutbox] == [["nia.newcomer@example.com"]]
    assert "/portal/welcome/" in mailoutbox[0].body


@pytest.mark.parametrize(
    "state",
    ["signed", "cancelled", "expired", "not_wanted", "sent", "claimed_just_now", "out_of_attempts"],
)
def test_the_sweep_leaves_alone_the_requests_it_should_not_email(lost_request, later, mailoutbox, state) -> None:
    now = timezone.now()
    rows = SigningRequest.objects.filter(pk=lost_request.pk)
    changes = {
        "signed": {"used_at": now},
        "cancelled": {"cancelled_at": now},
        "expired": {"expires_at": now + dt.timedelta(minutes=1)},
        "not_wanted": {"email_wanted": False},
        "sent": {"email_sent_at": now},
        "claimed_just_now": {"email_claimed_at": now + dt.timedelta(minutes=2)},
        "out_of_attempts": {"email_attempts": emails.MAX_EMAIL_ATTEMPTS},
    }[state]
    rows.update(**changes)
    later(3)
    assert services.consent_emails_relay() == NOTHING
    assert mailoutbox == []


def test_a_used_or_expired_invitation_is_not_emailed_again(lost_invitation, later, mailoutbox) -> None:
    PortalInvitation.objects.filter(pk=lost_invitation.pk).update(used_at=timezone.now())
    later(3)
    assert services.consent_emails_relay() == NOTHING
    PortalInvitation.objects.filter(pk=lost_invitation.pk).update(used_at=None)
    later(60 * 24 * 15)
    assert services.consent_emails_relay() == NOTHING
    assert mailoutbox == []


def test_a_request_made_without_email_delivery_is_not_relayed(personas, documents, newcomer, later, mailoutbox) -> None:
    """A re-consent request for a patient whose address a staff account uses: no portal login, no email."""
    newcomer.email = personas.nurse.email
    newcomer.save()
    request = create_signing_request(
        actor=personas.prescriber,
        patient=newcomer,
        document=selectors.document_current(ConsentKind.TELEHEALTH),
        reason="reconsent",
        now=timezone.now(),
    )
    assert request.email_wanted is False
    later(3)
    assert services.consent_emails_relay() == NOTHING
    assert mailoutbox == []


def test_a_claim_left_by_a_dead_worker_is_taken_again_after_ten_minutes(lost_request, later, mailoutbox) -> None:
    later(3)
    SigningRequest.objects.filter(pk=lost_request.pk).update(email_claimed_at=timezone.now(), email_attempts=1)
    later(5)
    assert services.consent_emails_relay() == NOTHING  # the worker may still be sending
    later(6)
    assert services.consent_emails_relay() == {"requests": 1, "invitations": 0}
    assert len(mailoutbox) == 1
    lost_request.refresh_from_db()
    assert lost_request.email_attempts == 2


def test_a_failed_send_frees_the_row_and_the_sweep_tries_again_a_bounded_number_of_times(
    lost_request, later, mailoutbox, monkeypatch
) -> None:
    def refused(**kwargs: object) -> None:
        raise SMTPException("451 try again later")

    monkeypatch.setattr(emails, "_render_and_send", refused)
    with pytest.raises(SMTPException):
        consent_request_email_task(lost_request.pk)  # the after-commit task, arriving while SMTP is down
    lost_request.refresh_from_db()
    assert lost_request.email_claimed_at is None and lost_request.email_attempts == 1
    assert services.consent_emails_relay() == NOTHING  # not at once: RELAY_AFTER from the failure
    for attempt in range(2, emails.MAX_EMAIL_ATTEMPTS + 1):
        later(3)
        services.consent_emails_relay()  # in embedded mode the relayed task runs (and fails) here
        lost_request.refresh_from_db()
        assert lost_request.email_attempts == attempt and lost_request.email_claimed_at is None
    monkeypatch.undo()
    later(3)
    assert services.consent_emails_relay() == NOTHING  # given up; the chart shows it was not emailed
    assert mailoutbox == []


def test_a_patient_who_withdrew_electronic_records_since_gets_no_email_and_the_sweep_stops(
    personas, signed_record, later, mailoutbox
) -> None:
    request = services.consent_request_signature(
        actor=personas.prescriber, patient=personas.demo_patient, kind="telehealth"
    )
    services.consent_revoke(actor=personas.patient_user, record=signed_record.electronic_records_record)
    sent_before = len(mailoutbox)
    later(3)
    assert services.consent_emails_relay() == {"requests": 1, "invitations": 0}  # handed over; the task declines
    request.refresh_from_db()
    assert request.email_wanted is False and request.email_sent_at is None
    later(3)
    assert services.consent_emails_relay() == NOTHING
    assert len(mailoutbox) == sent_before


def test_the_sweep_hands_over_a_bounded_number_per_run(personas, documents, later, mailoutbox) -> None:
    for kind in ("telehealth", "session_recording", "release_of_information"):
        services.consent_request_signature(actor=personas.prescriber, patient=personas.demo_patient, kind=kind)
    later(3)
    assert services.consent_emails_relay(limit=2) == {"requests": 2, "invitations": 0}
    assert services.consent_emails_relay(limit=2) == {"requests": 1, "invitations": 0}
    assert len(mailoutbox) == 3


def test_the_late_task_sending_while_the_sweep_relays_sends_once(lost_request, later, mailoutbox, monkeypatch) -> None:
    """The original task arrives late and is mid-send when the sweep looks: the claim holds both off."""
    later(3)
    send = emails._render_and_send
    meanwhile: dict[str, object] = {}

    def slow_send(**kwargs: object) -> None:
        if not meanwhile:
            meanwhile["relay"] = services.consent_emails_relay()
            meanwhile["second_task"] = consent_request_email_task(lost_request.pk)
        send(**kwargs)

    monkeypatch.setattr(emails, "_render_and_send", slow_send)
    assert consent_request_email_task(lost_request.pk) is True
    assert meanwhile == {"relay": NOTHING, "second_task": False}
    assert len(mailoutbox) == 1


def test_the_late_task_after_the_sweep_sent_does_nothing(lost_request, lost_invitation, later, mailoutbox) -> None:
    later(3)
    assert services.consent_emails_relay() == {"requests": 1, "invitations": 1}
    assert consent_request_email_task(lost_request.pk) is False
    assert portal_invitation_email_task(lost_invitation.pk) is False
    assert len(mailoutbox) == 2
