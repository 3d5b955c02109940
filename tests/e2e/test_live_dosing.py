"""Two clinicians on one dosing page, in two browsers: each sees what the other records within 3 s,
without a reload, and a half-typed vitals form survives the update. Then the treatment-room board:
it follows a new reading by itself, and the admin's board carries no clinical values.

Set E2E_SCREENSHOTS to a folder to keep the screenshots (1280 and 390 px wide, both users)."""

from __future__ import annotations

import os

import pytest
from playwright.sync_api import expect

from kap_clinic.accounts.demo import DEMO_PASSWORD
from sessions_app.clinical.services.monitoring import vitals_record
from tests.e2e.conftest import SCREENSHOTS
from tests.e2e.dosing_day import at, book_dosing_day, ready_for_the_dose

pytestmark = pytest.mark.django_db(transaction=True)

LIVE = 3000  # ms: what one clinician records shows on the other's page within this
WIDE = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def ready_to_dose(personas, time_machine, settings):
    """Checked in, fasting and ride home confirmed, pre-dose vitals taken: the dose is next."""
    settings.STAFF_IDLE_TIMEOUT_MINUTES = 600
    p = personas
    session, lot = book_dosing_day(p, time_machine, tick=True)
    dosing = ready_for_the_dose(p, session, time_machine, opened_at=at(9, 50), tick=True)
    time_machine.move_to(at(10, 0), tick=True)
    return session, dosing, lot


@pytest.fixture
def signed_in(browser, live_server):
    """signed_in(email) -> a page in its own browser context (its own cookies), closed after the test
    so no poll reaches the live server once the database is gone."""
    contexts = []

    def make(email: str):
        context = browser.new_context(viewport=WIDE)
        contexts.append(context)
        return _sign_in(context, live_server, email)

    yield make
    for context in contexts:
        context.close()


def _sign_in(context, live_server, email: str):
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")
    page.js_errors = errors
    return page


def shoot(page, name: str, viewport: dict) -> None:
    if SCREENSHOTS:
        os.makedirs(SCREENSHOTS, exist_ok=True)
        page.set_viewport_size(viewport)
        # From the top: a full-page capture of a scrolled page draws the sticky strip where the scroll left it.
        page.evaluate("window.scrollTo({top: 0, behavior: 'instant'})")
        page.screenshot(path=os.path.join(SCREENSHOTS, f"{name}-{viewport['width']}.png"), full_page=True)
        page.set_viewport_size(WIDE)


def record_vitals(page, sys_: str, dia: str, hr: str, spo2: str, rr: str) -> None:
    form = page.locator("[data-testid=vitals-form]")
    for name, value in (("systolic", sys_), ("diastolic", dia), ("heart_rate", hr), ("spo2", spo2), ("resp_rate", rr)):
        form.locator(f"[name={name}]").fill(value)
    form.locator("[data-testid=record-vitals]").click()
    expect(page.locator("[data-testid=vitals-table]")).to_contain_text(f"{sys_}/{dia}")


def test_two_clinicians_see_each_others_entries_live_without_losing_their_typing(
    signed_in, live_server, ready_to_dose
) -> None:
    session, _dosing, lot = ready_to_dose
    url = f"{live_server.url}/sessions/{session.public_id}/dosing/"
    nurse = signed_in("nurse@demo.clinic")
    prescriber = signed_in("prescriber@demo.clinic")
    nurse.goto(url)
    prescriber.goto(url)
    prescriber.evaluate("window.__sameDocument = true")

    # The prescriber has half-typed a reading when the nurse's arrives.
    sys_field = prescriber.locator("#v-sys")
    sys_field.click()
    sys_field.type("13")
    prescriber.locator("#v-hr").fill("7")
    sys_field.focus()
    record_vitals(nurse, "129", "83", "75", "98", "14")
    expect(prescriber.locator("[data-testid=vitals-table]")).to_contain_text("129/83", timeout=LIVE)
    expect(sys_field).to_have_value("13")
    expect(prescriber.locator("#v-hr")).to_have_value("7")
    expect(sys_field).to_be_focused()
    sys_field.type("6")  # the caret stayed at the end
    expect(sys_field).to_have_value("136")
    assert prescriber.evaluate("window.__sameDocument") is True  # swapped in place, not reloaded
    shoot(prescriber, "live-dosing-prescriber-typing", WIDE)
    shoot(nurse, "live-dosing-nurse", WIDE)

    # The prescriber's dose shows on the nurse's page.
    prescriber.fill("#dose-mg", "35")
    prescriber.select_option("#dose-lot", str(lot.public_id))
    prescriber.locator("[data-testid=record-dose]").click()
    expect(prescriber.locator("[data-testid=dose]")).to_contain_text("35 mg IV")
    expect(nurse.locator("[data-testid=dose]")).to_contain_text("35 mg IV", timeout=LIVE)
    expect(nurse.locator("[data-testid=dosing-status]")).to_contain_text("Dose started", timeout=LIVE)

    # The nurse's alarming reading raises the alert on the prescriber's page; its acknowledgement clears both.
    record_vitals(nurse, "186", "104", "92", "96", "13")
    expect(nurse.locator("[data-testid=open-alert]")).to_have_count(1)
    expect(prescriber.locator("[data-testid=open-alert]")).to_contain_text("Systolic BP high", timeout=LIVE)
    shoot(prescriber, "live-dosing-prescriber-alert", WIDE)
    shoot(prescriber, "live-dosing-prescriber-alert", PHONE)
    shoot(nurse, "live-dosing-nurse-alert", PHONE)
    alert = prescriber.locator("[data-testid=open-alert]")
    alert.locator("input[name=note]").fill("Infusion paused 5 min")
    alert.locator("[data-testid=acknowledge-alert]").click()
    expect(prescriber.locator("[data-testid=open-alert]")).to_have_count(0)
    expect(nurse.locator("[data-testid=open-alert]")).to_have_count(0, timeout=LIVE)
    expect(nurse.locator("[data-testid=vitals-table]")).to_contain_text("ack Dr. Priya Raman", timeout=LIVE)
    # Swapped in place: one status strip each, however many updates came in.
    expect(prescriber.locator("[data-testid=dosing-status]")).to_have_count(1)
    expect(nurse.locator("[data-testid=dosing-status]")).to_have_count(1)
    # The prescriber's own half-typed reading is still there after all of it.
    expect(prescriber.locator("#v-sys")).to_have_value("136")
    assert not nurse.js_errors and not prescriber.js_errors, (nurse.js_errors, prescriber.js_errors)


def test_the_board_follows_a_new_reading_by_itself_and_shows_the_admin_no_clinical_values(
    signed_in, live_server, ready_to_dose, personas
) -> None:
    from tests.sessions_app.clinical.helpers import Ready
    from tests.sessions_app.clinical.test_dosing_gates import give

    session, dosing, lot = ready_to_dose
    give(personas, Ready(session=session, dosing=dosing, lot=lot, consent=None), actor=personas.prescriber)
    nurse = signed_in("nurse@demo.clinic")
    admin = signed_in("admin@demo.clinic")
    nurse.goto(f"{live_server.url}/sessions/board/")
    admin.goto(f"{live_server.url}/sessions/board/")
    nurse.evaluate("window.__sameDocument = true")
    card = nurse.locator("[data-testid=room-card][data-room='Dosing A']")
    expect(card).to_contain_text("Dose running")

    vitals_record(actor=personas.nurse, dosing=dosing, systolic=188, diastolic=99, heart_rate=95, spo2=96, resp_rate=14)
    expect(card.locator("[data-testid=room-last-vitals]")).to_contain_text("BP 188/99", timeout=LIVE)
    expect(card.locator("[data-testid=room-alert]")).to_contain_text("Systolic BP high", timeout=LIVE)
    assert nurse.evaluate("window.__sameDocument") is True
    expect(admin.locator("[data-testid=room-card][data-room='Dosing A']")).to_contain_text("In progress")
    admin.wait_for_timeout(2500)  # a poll round on the admin's board too
    html = admin.content()
    for clinical in ("188/99", "Systolic BP high", "Dose running", "room-last-vitals"):
        assert clinical not in html, clinical
    assert personas.demo_patient.display_name in html
    shoot(nurse, "live-board-nurse", WIDE)
    shoot(nurse, "live-board-nurse", PHONE)
    shoot(admin, "live-board-admin", WIDE)
    assert not nurse.js_errors and not admin.js_errors, (nurse.js_errors, admin.js_errors)
