"""Two-factor sign-in through the web pages and the token endpoint (STAFF_MFA_REQUIRED on).

Until the code step succeeds the visitor is anonymous: no page, no patient data, no API.
"""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import SESSION_KEY
from django.test import override_settings

from kap_clinic.accounts import services, totp
from kap_clinic.accounts.demo import DEMO_PASSWORD
from kap_clinic.accounts.models import TotpDevice
from kap_clinic.audit.models import AuditEvent

LOGIN = "/accounts/login/"
CODE_STEP = "/accounts/two-factor/"
TOKEN_URL = "/api/v1/auth/token/"
NOW = 1_900_000_000  # a fixed clock: codes depend on the time

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("_mfa_required")]


@pytest.fixture
def _mfa_required():
    with override_settings(STAFF_MFA_REQUIRED=True):
        yield


@pytest.fixture
def clock(time_machine):
    time_machine.move_to(NOW, tick=False)
    return time_machine


@pytest.fixture
def enrolled(personas, clock):
    """The prescriber with a confirmed authenticator (enrolled a minute ago); returns the secret."""
    clock.move_to(NOW - 60, tick=False)
    device = services.user_begin_totp_enrolment(user=personas.prescriber)
    services.user_confirm_totp_enrolment(user=personas.prescriber, code=totp.code_at(device.secret))
    clock.move_to(NOW, tick=False)
    return device.secret


def password_step(client, email="prescriber@demo.clinic", next_url=None):
    data = {"email": email, "password": DEMO_PASSWORD}
    if next_url is not None:
        data["next"] = next_url
    return client.post(LOGIN, data)


def wrong(secret: str) -> str:
    return "000000" if totp.code_at(secret) != "000000" else "111111"


def test_the_password_alone_signs_nobody_in(client, personas, enrolled) -> None:
    response = password_step(client)
    assert response.status_code == 302 and response["Location"] == CODE_STEP
    assert SESSION_KEY not in client.session
    dashboard = client.get("/dashboard/")
    assert dashboard.status_code == 302 and dashboard["Location"].startswith(LOGIN)
    assert client.get("/api/v1/patients/").status_code in (401, 403)
    assert client.get(f"/patients/{personas.demo_patient.public_id}/").status_code == 302
    page = client.get(CODE_STEP)
    assert page.status_code == 200
    assert "authenticator app on your phone" in page.content.decode()


def test_the_right_code_signs_in_and_is_audited(client, personas, enrolled) -> None:
    password_step(client)
    response = client.post(CODE_STEP, {"otp": totp.code_at(enrolled)})
    assert response.status_code == 302 and response["Location"] == "/"
    assert int(client.session[SESSION_KEY]) == personas.prescriber.pk
    assert client.get("/dashboard/").status_code == 200
    assert AuditEvent.objects.filter(action="mfa.verified", actor=personas.prescriber).count() == 1


def test_a_wrong_code_gets_a_generic_error_and_stays_anonymous(client, personas, enrolled) -> None:
    password_step(client)
    response = client.post(CODE_STEP, {"otp": wrong(enrolled)})
    assert response.status_code == 200
    assert services.MFA_INVALID_MESSAGE in response.content.decode()
    assert SESSION_KEY not in client.session
    assert AuditEvent.objects.filter(action="mfa.failed", actor=personas.prescriber, outcome="denied").exists()


def test_a_used_code_is_refused_the_second_time(client, personas, enrolled) -> None:
    code = totp.code_at(enrolled)
    password_step(client)
    client.post(CODE_STEP, {"otp": code})
    client.post("/accounts/logout/")
    password_step(client)
    response = client.post(CODE_STEP, {"otp": code})
    assert response.status_code == 200
    assert services.MFA_INVALID_MESSAGE in response.content.decode()
    assert SESSION_KEY not in client.session


def test_five_wrong_codes_lock_the_code_step(client, personas, enrolled, settings) -> None:
    password_step(client)
    for _ in range(settings.MFA_FAILURE_LIMIT):
        client.post(CODE_STEP, {"otp": wrong(enrolled)})
    response = client.post(CODE_STEP, {"otp": totp.code_at(enrolled)})
    assert services.MFA_LOCKED_MESSAGE in response.content.decode()
    assert SESSION_KEY not in client.session
    assert AuditEvent.objects.filter(action="mfa.locked", actor=personas.prescriber).exists()


def test_the_code_step_expires_after_five_minutes(client, personas, enrolled, clock) -> None:
    password_step(client)
    clock.move_to(NOW + 5 * 60 + 1, tick=False)
    response = client.post(CODE_STEP, {"otp": totp.code_at(enrolled)})
    assert response.status_code == 302 and response["Location"] == LOGIN
    assert SESSION_KEY not in client.session


def test_the_code_step_without_a_password_step_goes_back_to_the_login(client, personas) -> None:
    response = client.get(CODE_STEP)
    assert response.status_code == 302 and response["Location"] == LOGIN


def test_next_is_kept_through_the_code_step(client, personas, enrolled) -> None:
    target = f"/patients/{personas.demo_patient.public_id}/"
    password_step(client, next_url=target)
    response = client.post(CODE_STEP, {"otp": totp.code_at(enrolled)})
    assert response["Location"] == target


def test_a_next_on_another_host_is_dropped(client, personas, enrolled) -> None:
    password_step(client, next_url="https://evil.example/steal")
    response = client.post(CODE_STEP, {"otp": totp.code_at(enrolled)})
    assert response["Location"] == "/"


def test_staff_without_an_app_set_it_up_before_they_are_signed_in(client, personas, clock) -> None:
    response = password_step(client, "nurse@demo.clinic")
    assert response["Location"] == CODE_STEP
    page = client.get(CODE_STEP).content.decode()
    assert "Set up two-factor sign-in" in page and "<svg" in page
    shown = re.search(r'data-testid="totp-secret">([A-Z2-7 ]+)<', page).group(1).replace(" ", "")
    assert shown == TotpDevice.objects.get(user=personas.nurse).secret
    assert client.get("/dashboard/").status_code == 302
    assert client.post(CODE_STEP, {"otp": wrong(shown)}).status_code == 200
    assert SESSION_KEY not in client.session
    response = client.post(CODE_STEP, {"otp": totp.code_at(shown)})
    assert response["Location"] == "/"
    assert int(client.session[SESSION_KEY]) == personas.nurse.pk
    assert services.user_totp_device(personas.nurse) is not None
    assert AuditEvent.objects.filter(action="mfa.enrolled", actor=personas.nurse).exists()
    # Set up once: the key is never shown again.
    client.post("/accounts/logout/")
    password_step(client, "nurse@demo.clinic")
    assert shown not in client.get(CODE_STEP).content.decode().replace(" ", "")


def test_patients_sign_in_with_their_password_alone(client, personas) -> None:
    response = client.post(LOGIN, {"email": "patient@demo.clinic", "password": DEMO_PASSWORD})
    assert int(client.session[SESSION_KEY]) == personas.patient_user.pk
    assert response["Location"] != CODE_STEP


def test_without_the_requirement_staff_without_an_app_sign_in_with_the_password(client, personas) -> None:
    with override_settings(STAFF_MFA_REQUIRED=False):
        password_step(client, "nurse@demo.clinic")
    assert int(client.session[SESSION_KEY]) == personas.nurse.pk


# --- The account menu's "Two-factor sign-in" page and the admin reset ------------------------------


def test_staff_opt_in_from_the_account_menu_and_then_need_a_code(client, personas, clock) -> None:
    with override_settings(STAFF_MFA_REQUIRED=False):
        client.force_login(personas.therapist)
        assert "Two-factor sign-in" in client.get("/dashboard/").content.decode()
        page = client.get("/accounts/two-factor/settings/").content.decode()
        secret = TotpDevice.objects.get(user=personas.therapist).secret
        assert secret[:4] in page
        # The current password is asked again (someone at a signed-in computer cannot add their own phone).
        no_password = client.post("/accounts/two-factor/settings/", {"otp": totp.code_at(secret), "password": "x"})
        assert no_password.status_code == 200 and "current password is not correct" in no_password.content.decode()
        assert services.user_totp_device(personas.therapist) is None
        response = client.post(
            "/accounts/two-factor/settings/", {"otp": totp.code_at(secret), "password": DEMO_PASSWORD}
        )
        assert response.status_code == 302
        assert "<strong>On.</strong>" in client.get("/accounts/two-factor/settings/").content.decode()
        client.post("/accounts/logout/")
        password_step(client, "therapist@demo.clinic")
        assert SESSION_KEY not in client.session
        clock.move_to(NOW + 30, tick=False)
        client.post(CODE_STEP, {"otp": totp.code_at(secret)})
        assert int(client.session[SESSION_KEY]) == personas.therapist.pk
        # Turning it off needs the password and a code.
        clock.move_to(NOW + 60, tick=False)
        bad = client.post("/accounts/two-factor/disable/", {"password": "nope", "otp": totp.code_at(secret)})
        assert bad.status_code == 200 and "current password is not correct" in bad.content.decode()
        clock.move_to(NOW + 90, tick=False)
        ok = client.post("/accounts/two-factor/disable/", {"password": DEMO_PASSWORD, "otp": totp.code_at(secret)})
        assert ok.status_code == 302
        assert not TotpDevice.objects.filter(user=personas.therapist).exists()


def test_turning_it_off_is_refused_while_the_clinic_requires_it(client, personas, enrolled) -> None:
    client.force_login(personas.prescriber)
    page = client.get("/accounts/two-factor/settings/").content.decode()
    assert "cannot be turned off" in page and "two-factor/disable" not in page
    response = client.post("/accounts/two-factor/disable/", {"password": DEMO_PASSWORD, "otp": totp.code_at(enrolled)})
    assert response.status_code == 200 and "cannot be turned off" in response.content.decode()
    assert services.user_totp_device(personas.prescriber) is not None


def test_a_practice_admin_resets_a_lost_phone_from_the_staff_page(client, personas, enrolled) -> None:
    client.force_login(personas.admin)
    edit = f"/accounts/staff/{personas.prescriber.public_id}/"
    assert "Reset two-factor sign-in" in client.get(edit).content.decode()
    response = client.post(f"{edit}two-factor-reset/")
    assert response.status_code == 302 and response["Location"] == edit
    assert not TotpDevice.objects.filter(user=personas.prescriber).exists()
    assert AuditEvent.objects.filter(action="mfa.reset", actor=personas.admin).exists()
    # The prescriber sets a new app up at the next sign-in.
    client.post("/accounts/logout/")
    password_step(client)
    assert "Set up two-factor sign-in" in client.get(CODE_STEP).content.decode()


def test_clinicians_cannot_reset_someone_elses_device(client, personas, enrolled) -> None:
    client.force_login(personas.nurse)
    response = client.post(f"/accounts/staff/{personas.prescriber.public_id}/two-factor-reset/")
    assert response.status_code == 403
    assert services.user_totp_device(personas.prescriber) is not None


# --- API token ------------------------------------------------------------------------------------


def test_the_token_needs_the_otp_of_a_two_factor_user(api_client, personas, enrolled) -> None:
    body = {"email": "prescriber@demo.clinic", "password": DEMO_PASSWORD}
    missing = api_client.post(TOKEN_URL, body, format="json")
    assert missing.status_code == 400
    assert missing.json()["error"]["field"] == "otp"
    bad = api_client.post(TOKEN_URL, {**body, "otp": wrong(enrolled)}, format="json")
    assert bad.status_code == 400 and bad.json()["error"]["field"] == "otp"
    good = api_client.post(TOKEN_URL, {**body, "otp": totp.code_at(enrolled)}, format="json")
    assert good.status_code == 200 and good.json()["token"]
    replay = api_client.post(TOKEN_URL, {**body, "otp": totp.code_at(enrolled)}, format="json")
    assert replay.status_code == 400 and replay.json()["error"]["field"] == "otp"
    assert "token" not in missing.json() and "token" not in bad.json()


def test_staff_required_to_use_two_factor_without_an_app_get_no_token(api_client, personas) -> None:
    response = api_client.post(TOKEN_URL, {"email": "nurse@demo.clinic", "password": DEMO_PASSWORD}, format="json")
    assert response.status_code == 400 and response.json()["error"]["field"] == "otp"
    response = api_client.post(
        TOKEN_URL, {"email": "nurse@demo.clinic", "password": DEMO_PASSWORD, "otp": "123456"}, format="json"
    )
    assert response.status_code == 400 and response.json()["error"]["field"] == "otp"


def test_users_who_need_no_second_factor_get_a_token_as_before(api_client, personas) -> None:
    patient = {"email": "patient@demo.clinic", "password": DEMO_PASSWORD}
    assert api_client.post(TOKEN_URL, patient, format="json").status_code == 200
    with override_settings(STAFF_MFA_REQUIRED=False):
        nurse = {"email": "nurse@demo.clinic", "password": DEMO_PASSWORD}
        assert api_client.post(TOKEN_URL, nurse, format="json").status_code == 200


def test_a_password_reset_does_not_skip_the_code(client, personas, enrolled, mailoutbox) -> None:
    client.post("/accounts/password-reset/", {"email": "prescriber@demo.clinic"})
    link = re.search(r"/accounts/reset/\S+/", mailoutbox[-1].body).group(0)
    form_url = client.get(link)["Location"]
    new_password = "a-brand-new-passphrase-2026"
    client.post(form_url, {"new_password1": new_password, "new_password2": new_password})
    assert SESSION_KEY not in client.session
    response = client.post(LOGIN, {"email": "prescriber@demo.clinic", "password": new_password})
    assert response["Location"] == CODE_STEP
    assert SESSION_KEY not in client.session
