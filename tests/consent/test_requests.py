"""Signing requests and portal invitations: hashed single-use links, emails, password set-up."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from consent import selectors, services
from consent.models import ConsentKind, PortalInvitation, SigningRequest
from kap_clinic.accounts.models import User
from kap_clinic.audit.models import AuditEvent
from kap_clinic.common.errors import Conflict, PermissionDeniedError, ValidationFailed

LINK = re.compile(r"https?://\S+/portal/consents/link/(?P<token>[0-9a-f]{64})/")
INVITE = re.compile(r"https?://\S+/portal/welcome/(?P<token>[0-9a-f]{64})/")


def _token_from(mail) -> str:
    return LINK.search(mail.body).group("token")


def test_a_request_emails_a_link_and_stores_only_the_hash_of_its_token(personas, kap_request, mailoutbox) -> None:
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == [personas.demo_patient.email]
    token = _token_from(mail)
    kap_request.refresh_from_db()
    assert kap_request.email_sent_at is not None
    assert kap_request.token_hash == selectors.token_hash(token)
    assert token not in kap_request.token_hash and token != kap_request.nonce
    assert "Jordan" not in mail.body and "ketamine" not in mail.body.lower()  # nothing clinical in email
    assert mail.alternatives and "Read and sign" in mail.alternatives[0][0]
    assert AuditEvent.objects.filter(action="consent.requested", patient_public_id=personas.demo_patient.public_id)


def test_the_token_in_the_email_opens_exactly_its_request(kap_request, mailoutbox) -> None:
    token = _token_from(mailoutbox[0])
    assert selectors.signing_request_by_token(token) == kap_request
    assert selectors.signing_request_by_token(token[:-1] + ("0" if token[-1] != "0" else "1")) is None
    assert selectors.signing_request_by_token("") is None


def test_a_new_request_for_the_same_kind_replaces_the_pending_one(personas, kap_request) -> None:
    second = services.consent_request_signature(
        actor=personas.nurse, patient=personas.demo_patient, kind="kap_treatment"
    )
    kap_request.refresh_from_db()
    assert kap_request.cancelled_at is not None
    assert second.status == SigningRequest.Status.PENDING


def test_the_outsider_cannot_request_a_signature_from_the_demo_patient(personas, documents) -> None:
    with pytest.raises(PermissionDeniedError):
        services.consent_request_signature(actor=personas.outsider, patient=personas.demo_patient, kind="telehealth")
    with pytest.raises(PermissionDeniedError):
        services.consent_request_signature(
            actor=personas.patient_user, patient=personas.demo_patient, kind="telehealth"
        )


def test_a_request_needs_a_published_version_and_an_email(personas, newcomer, documents) -> None:
    newcomer.email = ""
    newcomer.save()
    with pytest.raises(ValidationFailed) as exc:
        services.consent_request_signature(actor=personas.prescriber, patient=newcomer, kind="telehealth")
    assert exc.value.field == "email"


def test_a_request_without_a_published_version_is_refused(personas) -> None:
    with pytest.raises(ValidationFailed) as exc:
        services.consent_request_signature(actor=personas.prescriber, patient=personas.demo_patient, kind="telehealth")
    assert exc.value.field == "kind"


def test_a_request_for_a_version_already_in_force_is_a_conflict(personas, signed_record) -> None:
    with pytest.raises(Conflict):
        services.consent_request_signature(
            actor=personas.prescriber, patient=personas.demo_patient, kind="kap_treatment"
        )


def test_a_request_to_a_patient_without_an_account_creates_one_without_a_password(
    personas, newcomer, documents, django_capture_on_commit_callbacks, mailoutbox
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        services.consent_request_signature(actor=personas.prescriber, patient=newcomer, kind="kap_treatment")
    newcomer.refresh_from_db()
    assert newcomer.user.is_patient and not newcomer.user.has_usable_password()
    assert "choose a password" in mailoutbox[0].body
    assert AuditEvent.objects.filter(action="patient.portal_account_created", target_public_id=str(newcomer.public_id))


def test_a_newly_invited_patient_sets_a_password_from_the_signing_link_and_lands_on_the_document(
    client, personas, newcomer, documents, django_capture_on_commit_callbacks, mailoutbox
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        request = services.consent_request_signature(actor=personas.prescriber, patient=newcomer, kind="kap_treatment")
    url = reverse("portal:consent_link", kwargs={"token": _token_from(mailoutbox[0])})
    page = client.get(url)
    assert page.status_code == 200 and b"Choose a password" in page.content
    weak = client.post(url, {"password": "short", "password2": "short"})
    assert weak.status_code == 400 and b"too short" in weak.content
    mismatch = client.post(url, {"password": "a-Long-pass-2026", "password2": "b-Long-pass-2026"})
    assert mismatch.status_code == 400 and b"do not match" in mismatch.content
    done = client.post(url, {"password": "a-Long-pass-2026", "password2": "a-Long-pass-2026"})
    assert done.status_code == 302
    assert done["Location"] == reverse("portal:consent_sign", kwargs={"public_id": request.public_id})
    newcomer.refresh_from_db()
    assert newcomer.user.check_password("a-Long-pass-2026")
    assert client.get(done["Location"]).status_code == 200
    client.logout()
    again = client.get(url)  # the link is not used up by setting a password: it now asks to log in
    assert again.status_code == 302 and again["Location"].startswith(reverse("accounts:login"))


def test_a_patient_with_a_password_is_sent_to_log_in_and_then_to_the_document(
    client, personas, kap_request, mailoutbox
) -> None:
    url = reverse("portal:consent_link", kwargs={"token": _token_from(mailoutbox[0])})
    response = client.get(url)
    sign_url = reverse("portal:consent_sign", kwargs={"public_id": kap_request.public_id})
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('accounts:login')}?next={sign_url}"
    client.force_login(personas.patient_user)
    assert client.get(url)["Location"] == sign_url


def test_someone_else_signed_in_opening_the_link_sees_no_data(client, personas, kap_request, mailoutbox) -> None:
    url = reverse("portal:consent_link", kwargs={"token": _token_from(mailoutbox[0])})
    for user in (personas.other_patient_user, personas.outsider, personas.prescriber):
        client.force_login(user)
        response = client.get(url)
        assert response.status_code == 404
        assert b"Sign out, then open the link again" in response.content
        assert b"Jordan" not in response.content and b"ketamine" not in response.content.lower()


@pytest.mark.parametrize("state", ["used", "expired", "cancelled", "unknown"])
def test_a_dead_link_shows_a_clear_page_and_no_data(client, personas, kap_request, mailoutbox, sign, state) -> None:
    token = _token_from(mailoutbox[0])
    travel = None
    if state == "used":
        sign(kap_request, personas.patient_user)
    elif state == "cancelled":
        services.consent_request_signature(actor=personas.nurse, patient=personas.demo_patient, kind="kap_treatment")
    elif state == "expired":
        travel = time_machine.travel(timezone.now() + dt.timedelta(days=15))
        travel.start()
    elif state == "unknown":
        token = "f" * 64
    try:
        response = client.get(reverse("portal:consent_link", kwargs={"token": token}))
    finally:
        if travel:
            travel.stop()
    assert response.status_code == (404 if state == "unknown" else 410)
    body = response.content.decode()
    assert 'data-testid="link-invalid"' in body
    for secret in ("Jordan", "Ellis", "ketamine", "KAP-", str(kap_request.public_id)):
        assert secret not in body
    expected = {"used": "already been used", "expired": "expired", "cancelled": "newer one", "unknown": "not valid"}
    assert expected[state] in body


def test_a_withdrawn_electronic_records_consent_stops_electronic_delivery(
    personas, signed_record, mailoutbox, django_capture_on_commit_callbacks
) -> None:
    ersd = signed_record.electronic_records_record
    services.consent_revoke(actor=personas.patient_user, record=ersd)
    assert selectors.electronic_records_withdrawn(patient=personas.demo_patient)
    sent_before = len(mailoutbox)
    with pytest.raises(Conflict) as exc, django_capture_on_commit_callbacks(execute=True):
        services.consent_request_signature(actor=personas.prescriber, patient=personas.demo_patient, kind="telehealth")
    assert exc.value.field == "electronic_records"
    assert len(mailoutbox) == sent_before


def test_portal_invitation_creates_the_account_and_emails_a_set_password_link(
    client, personas, newcomer, django_capture_on_commit_callbacks, mailoutbox
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        invitation = services.patient_portal_invite(actor=personas.prescriber, patient=newcomer)
    newcomer.refresh_from_db()
    assert newcomer.user == invitation.user and newcomer.user.role == User.Role.PATIENT
    assert AuditEvent.objects.filter(action="patient.portal_invited", patient_public_id=newcomer.public_id)
    token = INVITE.search(mailoutbox[-1].body).group("token")
    assert PortalInvitation.objects.get().token_hash == selectors.token_hash(token)
    url = reverse("portal:invitation", kwargs={"token": token})
    assert client.get(url).status_code == 200
    response = client.post(url, {"password": "Welcome-home-2026", "password2": "Welcome-home-2026"})
    assert response.status_code == 302 and response["Location"] == reverse("portal:home")
    client.logout()
    assert client.get(url).status_code == 410  # single use
    assert client.login(email="nia.newcomer@example.com", password="Welcome-home-2026")


def test_an_expired_invitation_cannot_set_a_password(personas, newcomer) -> None:
    services.patient_portal_invite(actor=personas.prescriber, patient=newcomer)
    invitation = PortalInvitation.objects.get()
    token = selectors.make_token(salt=selectors.INVITATION_SALT, public_id=invitation.public_id, nonce=invitation.nonce)
    with time_machine.travel(timezone.now() + dt.timedelta(days=15)), pytest.raises(Conflict):
        services.portal_invitation_accept(token=token, password="Welcome-home-2026", password2="Welcome-home-2026")


def test_inviting_a_patient_who_already_has_a_password_is_a_conflict(personas) -> None:
    with pytest.raises(Conflict):
        services.patient_portal_invite(actor=personas.prescriber, patient=personas.demo_patient)


def test_inviting_with_an_email_another_account_uses_is_refused(personas, newcomer) -> None:
    newcomer.email = personas.nurse.email
    newcomer.save()
    with pytest.raises(ValidationFailed) as exc:
        services.patient_portal_invite(actor=personas.prescriber, patient=newcomer)
    assert exc.value.field == "email"
    newcomer.refresh_from_db()
    assert newcomer.user is None


def test_request_emails_are_sent_once_even_if_the_task_runs_twice(kap_request, mailoutbox) -> None:
    from consent.tasks import consent_request_email_task

    assert consent_request_email_task(kap_request.id) is False
    assert len(mailoutbox) == 1


def test_kinds_are_addressed_by_code(personas, documents) -> None:
    request = services.consent_request_signature(
        actor=personas.prescriber, patient=personas.demo_patient, kind=ConsentKind.objects.get(code="telehealth")
    )
    assert request.document == documents["telehealth"]
