"""Access follows the account as it is now: deactivation, demotion and staff idle time act on the next request."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.contrib.auth import SESSION_KEY
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from kap_clinic.accounts import services
from kap_clinic.accounts.demo import DEMO_PASSWORD

pytestmark = pytest.mark.django_db


def token_client(user) -> APIClient:
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return api


def test_a_deactivated_clinician_loses_the_html_pages_on_the_next_request(client, personas) -> None:
    client.force_login(personas.prescriber)
    assert client.get("/dashboard/").status_code == 200
    services.user_set_active(actor=personas.admin, user=personas.prescriber, active=False)
    response = client.get("/dashboard/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert client.get(f"/patients/{personas.demo_patient.public_id}/").status_code == 302


def test_a_deactivated_clinician_loses_their_api_token_on_the_next_request(personas) -> None:
    api = token_client(personas.prescriber)
    assert api.get("/api/v1/patients/").status_code == 200
    services.user_set_active(actor=personas.admin, user=personas.prescriber, active=False)
    response = api.get("/api/v1/patients/")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "authentication_failed"


def test_a_deactivated_clinician_cannot_get_a_new_token(api_client, personas) -> None:
    services.user_set_active(actor=personas.admin, user=personas.prescriber, active=False)
    response = api_client.post(
        "/api/v1/auth/token/", {"email": "prescriber@demo.clinic", "password": DEMO_PASSWORD}, format="json"
    )
    assert response.status_code == 400


def test_a_deactivated_patient_loses_the_portal_on_the_next_request(client, personas) -> None:
    client.force_login(personas.patient_user)
    assert client.get("/portal/").status_code == 200
    personas.patient_user.is_active = False
    personas.patient_user.save()
    assert client.get("/portal/").status_code == 302


def test_a_reactivated_clinician_can_sign_in_again(client, personas) -> None:
    services.user_set_active(actor=personas.admin, user=personas.nurse, active=False)
    services.user_set_active(actor=personas.admin, user=personas.nurse, active=True)
    client.post("/accounts/login/", {"email": "nurse@demo.clinic", "password": DEMO_PASSWORD})
    assert int(client.session[SESSION_KEY]) == personas.nurse.pk


def test_a_demoted_admin_loses_the_admin_pages_on_the_next_request(client, personas) -> None:
    second_admin = services.user_create_staff(
        actor=personas.admin, email="second.admin@demo.clinic", full_name="Sam Second", role="admin"
    )
    client.force_login(second_admin)
    assert client.get("/accounts/staff/").status_code == 200
    assert client.get("/audit/").status_code == 200
    services.user_update_staff(
        actor=personas.admin, user=second_admin, full_name="Sam Second", role="clinician", discipline="nurse"
    )
    assert client.get("/accounts/staff/").status_code == 403
    assert client.get("/audit/").status_code == 403
    assert client.get("/dashboard/").status_code == 200  # still staff, now as a nurse


def test_a_demoted_admin_loses_the_admin_api_on_the_next_request(personas) -> None:
    second_admin = services.user_create_staff(
        actor=personas.admin, email="second.admin@demo.clinic", full_name="Sam Second", role="admin"
    )
    api = token_client(second_admin)
    assert api.get("/api/v1/staff/").status_code == 200
    services.user_update_staff(
        actor=personas.admin, user=second_admin, full_name="Sam Second", role="clinician", discipline="nurse"
    )
    assert api.get("/api/v1/staff/").status_code == 403
    assert api.get("/api/v1/audit-events/").status_code == 403


class TestStaffIdleTimeout:
    START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)

    def test_staff_are_signed_out_after_the_idle_timeout(self, client, personas, settings) -> None:
        settings.STAFF_IDLE_TIMEOUT_MINUTES = 30
        with time_machine.travel(self.START, tick=False) as traveller:
            client.force_login(personas.nurse)
            assert client.get("/dashboard/").status_code == 200
            traveller.shift(dt.timedelta(minutes=31))
            response = client.get("/dashboard/")
            assert response.status_code == 302
            assert response["Location"].startswith("/accounts/login/?next=/dashboard/")
            assert SESSION_KEY not in client.session

    def test_the_sign_in_page_then_says_why(self, client, personas, settings) -> None:
        settings.STAFF_IDLE_TIMEOUT_MINUTES = 30
        with time_machine.travel(self.START, tick=False) as traveller:
            client.force_login(personas.nurse)
            client.get("/dashboard/")
            traveller.shift(dt.timedelta(minutes=31))
            response = client.get("/dashboard/", follow=True)
            assert "signed out after a period of inactivity" in response.content.decode()

    def test_activity_within_the_timeout_keeps_staff_signed_in(self, client, personas, settings) -> None:
        settings.STAFF_IDLE_TIMEOUT_MINUTES = 30
        with time_machine.travel(self.START, tick=False) as traveller:
            client.force_login(personas.nurse)
            for _ in range(4):  # two hours of work, a request every 25 minutes
                assert client.get("/dashboard/").status_code == 200
                traveller.shift(dt.timedelta(minutes=25))
            assert client.get("/dashboard/").status_code == 200

    def test_the_timeout_is_configurable(self, client, personas, settings) -> None:
        settings.STAFF_IDLE_TIMEOUT_MINUTES = 5
        with time_machine.travel(self.START, tick=False) as traveller:
            client.force_login(personas.admin)
            client.get("/dashboard/")
            traveller.shift(dt.timedelta(minutes=6))
            assert client.get("/dashboard/").status_code == 302

    def test_an_idle_staff_session_is_refused_by_the_api_too(self, personas, settings) -> None:
        settings.STAFF_IDLE_TIMEOUT_MINUTES = 30
        api = APIClient()
        with time_machine.travel(self.START, tick=False) as traveller:
            api.force_login(personas.prescriber)
            assert api.get("/api/v1/me/").status_code == 200
            traveller.shift(dt.timedelta(minutes=31))
            assert api.get("/api/v1/me/").status_code in (401, 403)

    def test_patients_are_not_subject_to_the_staff_idle_timeout(self, client, personas, settings) -> None:
        settings.STAFF_IDLE_TIMEOUT_MINUTES = 30
        with time_machine.travel(self.START, tick=False) as traveller:
            client.force_login(personas.patient_user)
            assert client.get("/portal/").status_code == 200
            traveller.shift(dt.timedelta(hours=2))
            assert client.get("/portal/").status_code == 200

    def test_the_clock_is_real_time_not_the_clinic_zone(self, client, personas, settings) -> None:
        # A daylight-saving jump in the clinic's zone must not count as idle time.
        settings.STAFF_IDLE_TIMEOUT_MINUTES = 30
        before_jump = dt.datetime(2026, 3, 8, 6, 50, tzinfo=dt.UTC)  # 01:50 EST, ten minutes before 03:00 EDT
        with time_machine.travel(before_jump, tick=False) as traveller:
            client.force_login(personas.nurse)
            client.get("/dashboard/")
            traveller.shift(dt.timedelta(minutes=20))
            assert timezone.localtime(timezone.now(), timezone.get_default_timezone()).hour == 7
            assert client.get("/dashboard/").status_code == 200

    def test_an_idle_htmx_request_sends_the_whole_page_to_sign_in(self, client, personas, settings) -> None:
        settings.STAFF_IDLE_TIMEOUT_MINUTES = 30
        with time_machine.travel(self.START, tick=False) as traveller:
            client.force_login(personas.nurse)
            client.get("/dashboard/")
            traveller.shift(dt.timedelta(minutes=31))
            response = client.get("/dashboard/", headers={"HX-Request": "true"})
            assert response.status_code == 200
            assert response["HX-Redirect"].startswith("/accounts/login/?next=")

    POLL = {"HX-Request": "true", "X-KAP-Background": "poll", "HX-Current-URL": "http://testserver/dashboard/?tab=1"}

    def test_background_polls_do_not_keep_an_idle_session_alive(self, client, personas, settings) -> None:
        # A page left open polls every 30 s; the clinician walked away 31 minutes ago.
        settings.STAFF_IDLE_TIMEOUT_MINUTES = 30
        with time_machine.travel(self.START, tick=False) as traveller:
            client.force_login(personas.nurse)
            assert client.get("/dashboard/").status_code == 200
            for _ in range(30):
                traveller.shift(dt.timedelta(minutes=1))
                assert client.get("/dashboard/", headers=self.POLL).status_code == 200
            traveller.shift(dt.timedelta(minutes=1))
            response = client.get("/dashboard/", headers=self.POLL)
            # The poll itself is refused: the browser is sent to sign in, back to the page it shows.
            assert response.status_code == 200
            assert response["HX-Redirect"] == "/accounts/login/?next=/dashboard/%3Ftab%3D1"
            assert client.get("/dashboard/").status_code == 302

    def test_a_real_request_still_counts_as_activity_between_polls(self, client, personas, settings) -> None:
        settings.STAFF_IDLE_TIMEOUT_MINUTES = 30
        with time_machine.travel(self.START, tick=False) as traveller:
            client.force_login(personas.nurse)
            client.get("/dashboard/")
            traveller.shift(dt.timedelta(minutes=20))
            client.get("/dashboard/", headers=self.POLL)
            assert client.get("/dashboard/").status_code == 200  # the clinician did something at 20 min
            traveller.shift(dt.timedelta(minutes=20))
            assert client.get("/dashboard/", headers=self.POLL).status_code == 200
            traveller.shift(dt.timedelta(minutes=11))
            assert "HX-Redirect" in client.get("/dashboard/", headers=self.POLL)

    def test_a_foreign_current_url_is_not_used_as_the_way_back(self, client, personas, settings) -> None:
        settings.STAFF_IDLE_TIMEOUT_MINUTES = 30
        with time_machine.travel(self.START, tick=False) as traveller:
            client.force_login(personas.nurse)
            client.get("/dashboard/")
            traveller.shift(dt.timedelta(minutes=31))
            headers = {**self.POLL, "HX-Current-URL": "https://evil.example/phish"}
            response = client.get("/dashboard/", headers=headers)
            assert response["HX-Redirect"] == "/accounts/login/?next=/dashboard/"
