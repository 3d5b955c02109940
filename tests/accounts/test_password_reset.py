"""Password reset by email: the link sets a new password that passes Django's validators."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import SESSION_KEY
from django.core import mail

from kap_clinic.accounts import services
from kap_clinic.accounts.models import User

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Integration-Lantern-47"


def request_reset(client, email: str):
    return client.post("/accounts/password-reset/", {"email": email}, follow=True)


def reset_link(message) -> str:
    match = re.search(r"https?://[^/\s]+(/accounts/reset/[^\s]+/)", message.body)
    assert match, message.body
    return match.group(1)


def open_reset_form(client, link: str):
    """A valid link redirects once to a token-free URL (Django keeps the token out of referrers)."""
    response = client.get(link, follow=True)
    assert response.status_code == 200
    return response, response.redirect_chain[-1][0] if response.redirect_chain else link


def test_asking_for_a_reset_sends_one_email_with_a_link(client, personas) -> None:
    response = request_reset(client, "nurse@demo.clinic")
    assert response.redirect_chain[-1][0] == "/accounts/password-reset/sent/"
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["nurse@demo.clinic"]
    assert "password" in message.subject.lower()
    assert "/accounts/reset/" in message.body


def test_the_reset_email_has_a_matching_html_part(client, personas) -> None:
    request_reset(client, "nurse@demo.clinic")
    message = mail.outbox[0]
    [(html, mimetype)] = message.alternatives
    assert mimetype == "text/html"
    assert reset_link(message) in html
    assert "<script" not in html


def test_the_reset_email_names_the_clinic_not_the_host(client, personas, settings) -> None:
    settings.CLINIC_NAME = "Harbor KAP Clinic"
    request_reset(client, "nurse@demo.clinic")
    assert mail.outbox[0].subject == "Reset your Harbor KAP Clinic password"


def test_the_reset_email_address_is_matched_case_insensitively(client, personas) -> None:
    request_reset(client, " Nurse@Demo.CLINIC ")
    assert [m.to for m in mail.outbox] == [["nurse@demo.clinic"]]


def test_an_unknown_email_gets_the_same_answer_and_no_email(client, personas) -> None:
    response = request_reset(client, "nobody@demo.clinic")
    assert response.redirect_chain[-1][0] == "/accounts/password-reset/sent/"
    assert mail.outbox == []


def test_a_deactivated_account_gets_no_reset_email(client, personas) -> None:
    personas.nurse.is_active = False
    personas.nurse.save()
    request_reset(client, "nurse@demo.clinic")
    assert mail.outbox == []


def test_the_link_lets_the_user_set_a_new_password_and_sign_in(client, personas) -> None:
    request_reset(client, "nurse@demo.clinic")
    response, form_url = open_reset_form(client, reset_link(mail.outbox[0]))
    assert "Choose a new password" in response.content.decode()
    response = client.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}, follow=True)
    assert response.redirect_chain[-1][0] == "/accounts/reset/done/"
    personas.nurse.refresh_from_db()
    assert personas.nurse.check_password(NEW_PASSWORD)
    client.logout()
    client.post("/accounts/login/", {"email": "nurse@demo.clinic", "password": NEW_PASSWORD})
    assert int(client.session[SESSION_KEY]) == personas.nurse.pk


@pytest.mark.parametrize(
    ("weak", "reason"),
    [
        ("short1", "too short"),
        ("password123", "too common"),
        ("8675309124", "entirely numeric"),
        ("nursedemoclinic", "too similar"),
    ],
)
def test_a_weak_new_password_is_refused_with_the_reason(client, personas, weak: str, reason: str) -> None:
    request_reset(client, "nurse@demo.clinic")
    _, form_url = open_reset_form(client, reset_link(mail.outbox[0]))
    response = client.post(form_url, {"new_password1": weak, "new_password2": weak})
    assert response.status_code == 200
    assert reason in response.content.decode()
    personas.nurse.refresh_from_db()
    assert not personas.nurse.check_password(weak)


def test_a_link_works_only_once(client, personas) -> None:
    request_reset(client, "nurse@demo.clinic")
    link = reset_link(mail.outbox[0])
    _, form_url = open_reset_form(client, link)
    client.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    response, _ = open_reset_form(client, link)
    assert "This link no longer works" in response.content.decode()


def test_a_tampered_link_is_refused_without_a_500(client, personas) -> None:
    response = client.get("/accounts/reset/MQ/not-a-token/", follow=True)
    assert response.status_code == 200
    assert "This link no longer works" in response.content.decode()


def test_a_new_staff_member_without_a_password_sets_one_by_reset(client, personas) -> None:
    user = services.user_create_staff(
        actor=personas.admin, email="new.rn@demo.clinic", full_name="Nia Rowe", role="clinician", discipline="nurse"
    )
    assert not user.has_usable_password()
    request_reset(client, "new.rn@demo.clinic")
    assert len(mail.outbox) == 1
    _, form_url = open_reset_form(client, reset_link(mail.outbox[0]))
    client.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert User.objects.get(pk=user.pk).check_password(NEW_PASSWORD)
