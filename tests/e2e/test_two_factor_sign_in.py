"""A nurse sets up an authenticator app at her first sign-in, signs out, and signs in with password + code."""

from __future__ import annotations

import time

import pytest

from kap_clinic.accounts import totp

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_nurse_sets_up_two_factor_then_signs_in_with_a_code(
    login, live_server, personas, settings, screenshot
) -> None:
    settings.STAFF_MFA_REQUIRED = True
    page = login("nurse@demo.clinic")
    # The password alone leads to setting up the app, not to the dashboard.
    assert page.url == f"{live_server.url}/accounts/two-factor/"
    assert page.get_by_role("heading", name="Set up two-factor sign-in").is_visible()
    assert page.locator("[data-testid=totp-qr] svg").is_visible()
    assert page.locator("[data-testid=staff-nav]").count() == 0
    page.get_by_text("Can't scan it? Type this key instead").click()
    secret = page.locator("[data-testid=totp-secret]").inner_text().replace(" ", "")
    screenshot("two-factor-enrol")
    page.fill("input[name=otp]", totp.code_at(secret))
    page.get_by_role("button", name="Check code and sign in").click()
    page.wait_for_url(f"{live_server.url}/dashboard/")
    assert page.get_by_text("Your authenticator app is set up").is_visible()

    page.locator("[data-testid=whoami]").click()
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(f"{live_server.url}/accounts/login/")

    page = login("nurse@demo.clinic")
    assert page.url == f"{live_server.url}/accounts/two-factor/"
    assert page.get_by_role("heading", name="Enter your sign-in code").is_visible()
    assert page.locator("[data-testid=totp-secret]").count() == 0  # the key is never shown again
    screenshot("two-factor-code")
    # The code just used is spent; the app's next code (30 s ahead) is accepted.
    page.fill("input[name=otp]", totp.code_at(secret, time.time() + totp.STEP_SECONDS))
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/dashboard/")
    assert page.locator("[data-testid=whoami]").inner_text().startswith(personas.nurse.full_name)
    screenshot("two-factor-dashboard")
    # The account menu shows it is on (and, as the clinic requires it, that it cannot be turned off here).
    page.locator("[data-testid=whoami]").click()
    page.get_by_role("link", name="Two-factor sign-in").click()
    assert page.locator("[data-testid=mfa-status]").inner_text().startswith("On.")
    screenshot("two-factor-settings")
