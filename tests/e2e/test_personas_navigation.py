"""Each persona signs in through the real form and sees the navigation of their role."""

from __future__ import annotations

import pytest
from django.core.cache import cache

pytestmark = pytest.mark.django_db(transaction=True)

TABLET = {"width": 820, "height": 1180}  # a 10.9" tablet held upright


def nav_links(page, testid: str) -> list[str]:
    locator = page.locator(f"[data-testid={testid}] a.nav-link")
    return [t.strip() for t in locator.all_inner_texts()]


def test_the_login_page_is_a_clear_sign_in_form(page, live_server, personas, screenshot) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    assert page.locator("input[name=email]").is_visible()
    assert page.locator("input[name=password]").is_visible()
    assert page.locator("button[type=submit]").inner_text().strip() == "Sign in"
    assert page.locator("[data-testid=staff-nav]").count() == 0
    screenshot("login")


def test_a_wrong_password_shows_the_generic_error(login, personas) -> None:
    try:
        page = login("prescriber@demo.clinic", "not-the-password")
        assert "/accounts/login/" in page.url
        assert page.get_by_text("That email and password do not match an active account.").is_visible()
    finally:
        cache.clear()  # the failed attempt is counted; later logins as the prescriber must not inherit it


def test_the_admin_sees_staff_and_audit_trail_in_the_navigation(login, live_server, personas, screenshot) -> None:
    page = login("admin@demo.clinic")
    assert page.url == f"{live_server.url}/dashboard/"
    assert nav_links(page, "staff-nav")[:2] == ["Dashboard", "Patients"]
    assert {"Staff", "Audit trail"} <= set(nav_links(page, "staff-nav"))
    assert page.locator("[data-testid=whoami]").inner_text().startswith("Alex Morgan")
    assert page.locator("[data-testid=staff-nav] a.active").inner_text() == "Dashboard"
    screenshot("dashboard-admin")

    page.click("[data-testid=staff-nav] >> text=Staff")
    page.wait_for_load_state("networkidle")
    assert page.url == f"{live_server.url}/accounts/staff/"
    assert page.get_by_role("heading", name="Staff accounts").is_visible()
    assert page.locator("[data-testid=staff-nav] a.active").inner_text() == "Staff"
    assert page.get_by_text("nurse@demo.clinic").is_visible()
    screenshot("staff-list")

    page.click("text=Add staff member")
    page.wait_for_load_state("networkidle")
    page.fill("input[name=email]", "nurse@demo.clinic")
    page.fill("input[name=full_name]", "Duplicate Nurse")
    page.select_option("select[name=role]", "clinician")
    page.select_option("select[name=discipline]", "nurse")
    page.click("main button[type=submit]")
    page.wait_for_load_state("networkidle")
    screenshot("staff-form-errors")
    assert page.locator("#id_email").get_attribute("class").count("is-invalid") == 1
    assert page.get_by_text("A user with this email already exists.").is_visible()


def test_the_admin_reads_the_prescribers_chart_visit_on_the_audit_trail(
    login, live_server, personas, screenshot
) -> None:
    page = login("prescriber@demo.clinic")
    page.goto(f"{live_server.url}/patients/{personas.demo_patient.public_id}/")
    assert "Ellis" in page.locator("[data-testid=patient-name]").inner_text()
    page = login("outsider@demo.clinic")
    page.goto(f"{live_server.url}/patients/{personas.demo_patient.public_id}/")
    page = login("admin@demo.clinic")
    page.click("[data-testid=staff-nav] >> text=Audit trail")
    page.wait_for_load_state("networkidle")
    table = page.locator("[data-testid=audit-table]")
    assert table.get_by_text("prescriber@demo.clinic").first.is_visible()
    assert table.get_by_text("patient.viewed").first.is_visible()
    assert table.get_by_text("patient.access_denied").first.is_visible()
    screenshot("audit-trail")


@pytest.mark.parametrize(
    ("email", "name"),
    [
        ("prescriber@demo.clinic", "Dr. Priya Raman"),
        ("nurse@demo.clinic", "Noah Bennett"),
        ("therapist@demo.clinic", "Tessa Kline"),
        ("outsider@demo.clinic", "Dr. Owen Price"),
    ],
)
def test_clinicians_see_dashboard_and_patients_but_not_staff(login, live_server, personas, email, name) -> None:
    page = login(email)
    assert page.url == f"{live_server.url}/dashboard/"
    links = nav_links(page, "staff-nav")
    assert links[:2] == ["Dashboard", "Patients"]
    assert "Staff" not in links
    assert "Audit trail" not in links
    assert page.locator("[data-testid=whoami]").inner_text().startswith(name)
    assert page.locator("[data-testid=portal-nav]").count() == 0


def test_the_prescriber_sees_the_demo_patient_on_the_dashboard(login, personas, screenshot) -> None:
    page = login("prescriber@demo.clinic")
    assert page.get_by_role("link", name="Jordie Ellis").is_visible()
    screenshot("dashboard-prescriber")


def test_the_patient_lands_on_the_portal_with_portal_navigation_only(login, live_server, personas, screenshot) -> None:
    page = login("patient@demo.clinic")
    assert page.url == f"{live_server.url}/portal/"
    assert page.locator("[data-testid=portal-nav]").is_visible()
    assert "My care" in nav_links(page, "portal-nav")
    assert page.locator("[data-testid=staff-nav]").count() == 0
    assert page.get_by_text("Staff", exact=True).count() == 0
    screenshot("portal")
    page.goto(f"{live_server.url}/dashboard/")
    assert page.get_by_text("You do not have access to this page.").is_visible()


def test_the_outsider_gets_the_404_page_for_the_demo_patients_chart(login, live_server, personas, screenshot) -> None:
    page = login("outsider@demo.clinic")
    response = page.goto(f"{live_server.url}/patients/{personas.demo_patient.public_id}/")
    assert response.status == 404
    assert page.get_by_text("We could not find that page").is_visible()
    assert "Ellis" not in page.content()
    screenshot("chart-404-outsider")


def test_signing_out_returns_to_the_login_page(login, live_server, personas) -> None:
    page = login("nurse@demo.clinic")
    page.click("[data-testid=whoami]")  # the account menu holds "Change password" and "Sign out"
    page.get_by_role("link", name="Change password").wait_for()
    page.click("text=Sign out")
    page.wait_for_load_state("networkidle")
    assert page.url.startswith(f"{live_server.url}/accounts/login/")
    page.goto(f"{live_server.url}/dashboard/")
    assert "/accounts/login/" in page.url


def test_on_a_tablet_the_staff_navigation_folds_into_a_menu(login, live_server, personas, screenshot) -> None:
    page = login("admin@demo.clinic")
    page.set_viewport_size(TABLET)
    page.goto(f"{live_server.url}/accounts/staff/")
    toggler = page.locator("button.navbar-toggler")
    assert toggler.is_visible()
    toggler.click()
    page.locator("#mainnav.show").wait_for(state="visible")
    page.wait_for_timeout(400)  # let the collapse animation finish before the screenshot
    screenshot("tablet-staff-list-menu-open")
    page.set_viewport_size({"width": 1280, "height": 900})
