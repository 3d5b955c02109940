"""Signing in and out: email login, one generic error, role-aware landing, patients kept off staff pages."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.contrib.auth import SESSION_KEY
from django.urls import reverse

from kap_clinic.accounts.demo import DEMO_PASSWORD
from kap_clinic.accounts.forms import EmailLoginForm

LOGIN = "/accounts/login/"
GENERIC = EmailLoginForm.error_message

pytestmark = pytest.mark.django_db


def sign_in(client, email: str, password: str = DEMO_PASSWORD, **extra: str):
    return client.post(LOGIN, {"email": email, "password": password, **extra}, follow=True)


def test_the_login_page_renders_an_email_and_password_form(client) -> None:
    response = client.get(LOGIN)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="email"' in html
    assert 'name="password"' in html
    assert 'type="email"' in html


def test_a_clinician_logs_in_with_their_email(client, personas) -> None:
    response = sign_in(client, "prescriber@demo.clinic")
    assert response.redirect_chain[-1][0] == reverse("dashboard")
    assert int(client.session[SESSION_KEY]) == personas.prescriber.pk


def test_the_email_is_matched_case_insensitively(client, personas) -> None:
    response = sign_in(client, "  Prescriber@DEMO.Clinic ")
    assert response.status_code == 200
    assert int(client.session[SESSION_KEY]) == personas.prescriber.pk


def test_a_wrong_password_gets_the_generic_error(client, personas) -> None:
    response = sign_in(client, "prescriber@demo.clinic", "not-the-password")
    assert response.status_code == 200
    assert SESSION_KEY not in client.session
    assert GENERIC in response.content.decode()


def test_an_unknown_email_gets_the_same_generic_error(client, personas) -> None:
    wrong_password = sign_in(client, "prescriber@demo.clinic", "not-the-password").content.decode()
    unknown_email = sign_in(client, "nobody@demo.clinic", "not-the-password").content.decode()
    assert GENERIC in unknown_email
    assert wrong_password.count(GENERIC) == unknown_email.count(GENERIC) == 1


def test_a_deactivated_account_gets_the_same_generic_error(client, personas) -> None:
    personas.nurse.is_active = False
    personas.nurse.save()
    response = sign_in(client, "nurse@demo.clinic")
    assert SESSION_KEY not in client.session
    assert GENERIC in response.content.decode()


def test_an_empty_form_is_refused_without_a_500(client, personas) -> None:
    response = client.post(LOGIN, {})
    assert response.status_code == 200
    assert SESSION_KEY not in client.session


@pytest.mark.parametrize(
    ("email", "landing"),
    [
        ("admin@demo.clinic", "/dashboard/"),
        ("prescriber@demo.clinic", "/dashboard/"),
        ("nurse@demo.clinic", "/dashboard/"),
        ("therapist@demo.clinic", "/dashboard/"),
        ("outsider@demo.clinic", "/dashboard/"),
        ("patient@demo.clinic", "/portal/"),
    ],
)
def test_after_login_each_role_lands_on_its_own_home(client, personas, email: str, landing: str) -> None:
    response = sign_in(client, email)
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == landing


def test_login_follows_a_safe_next_url(client, personas) -> None:
    response = sign_in(client, "prescriber@demo.clinic", next="/patients/")
    assert response.redirect_chain[-1][0] == "/patients/"


def test_login_ignores_a_next_url_on_another_site(client, personas) -> None:
    response = sign_in(client, "prescriber@demo.clinic", next="https://evil.example.com/")
    assert response.redirect_chain[-1][0] == "/dashboard/"


def test_an_anonymous_visit_to_a_staff_page_goes_to_the_login_page(client) -> None:
    response = client.get("/dashboard/")
    assert response.status_code == 302
    assert response["Location"].startswith(f"{LOGIN}?next=")


def test_logout_is_a_post_that_ends_the_session(client, personas) -> None:
    client.force_login(personas.prescriber)
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert response["Location"] == LOGIN
    assert SESSION_KEY not in client.session
    assert client.get("/dashboard/").status_code == 302


def test_logout_by_get_is_refused_and_keeps_the_session(client, personas) -> None:
    client.force_login(personas.prescriber)
    assert client.get("/accounts/logout/").status_code == 405
    assert client.get("/dashboard/").status_code == 200


@pytest.mark.parametrize("path", ["/dashboard/", "/patients/", "/accounts/staff/", "/audit/"])
def test_a_patient_gets_403_on_staff_pages(client, personas, path: str) -> None:
    client.force_login(personas.patient_user)
    response = client.get(path)
    assert response.status_code == 403
    assert "do not have access" in response.content.decode()


def test_staff_get_403_on_the_patient_portal(client, personas) -> None:
    client.force_login(personas.prescriber)
    assert client.get("/portal/").status_code == 403


def test_a_signed_in_user_visiting_the_login_page_is_sent_home(client, personas) -> None:
    client.force_login(personas.patient_user)
    response = client.get(LOGIN, follow=True)
    assert response.redirect_chain[-1][0] == "/portal/"


class TestRepeatedFailures:
    def test_after_too_many_failures_even_the_right_password_is_refused_for_a_while(
        self, client, personas, settings
    ) -> None:
        settings.LOGIN_FAILURE_LIMIT = 3
        for _ in range(3):
            sign_in(client, "nurse@demo.clinic", "guess-again")
        response = sign_in(client, "nurse@demo.clinic")
        assert SESSION_KEY not in client.session
        assert EmailLoginForm.locked_message in response.content.decode()

    def test_the_lock_lifts_after_the_window(self, client, personas, settings) -> None:
        settings.LOGIN_FAILURE_LIMIT = 3
        # Redis expires keys by its own clock, which time-machine cannot move; the local cache can.
        settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
        with time_machine.travel(dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC), tick=False) as traveller:
            for _ in range(3):
                sign_in(client, "nurse@demo.clinic", "guess-again")
            traveller.shift(dt.timedelta(seconds=settings.LOGIN_FAILURE_WINDOW_SECONDS + 1))
            sign_in(client, "nurse@demo.clinic")
            assert int(client.session[SESSION_KEY]) == personas.nurse.pk

    def test_unknown_emails_lock_the_same_way(self, client, personas, settings) -> None:
        settings.LOGIN_FAILURE_LIMIT = 2
        for _ in range(2):
            sign_in(client, "nobody@demo.clinic", "guess-again")
        assert EmailLoginForm.locked_message in sign_in(client, "nobody@demo.clinic").content.decode()

    def test_the_count_is_per_email_and_address(self, client, personas, settings) -> None:
        settings.LOGIN_FAILURE_LIMIT = 2
        for _ in range(2):
            client.post(LOGIN, {"email": "nurse@demo.clinic", "password": "x"}, REMOTE_ADDR="10.0.0.66")
        sign_in(client, "prescriber@demo.clinic")
        assert int(client.session[SESSION_KEY]) == personas.prescriber.pk
        client.logout()
        client.post(LOGIN, {"email": "nurse@demo.clinic", "password": DEMO_PASSWORD}, REMOTE_ADDR="10.0.0.77")
        assert int(client.session[SESSION_KEY]) == personas.nurse.pk

    def test_a_successful_sign_in_resets_the_count(self, client, personas, settings) -> None:
        settings.LOGIN_FAILURE_LIMIT = 2
        sign_in(client, "nurse@demo.clinic", "guess-again")
        sign_in(client, "nurse@demo.clinic")
        client.logout()
        sign_in(client, "nurse@demo.clinic", "guess-again")
        sign_in(client, "nurse@demo.clinic")
        assert int(client.session[SESSION_KEY]) == personas.nurse.pk
