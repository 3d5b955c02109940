"""A whole dosing session in the browser, on a tablet-sized screen.

The nurse opens the record (20 minutes before the booked start, which checks the patient in),
confirms fasting and the ride home, takes pre-dose vitals, starts a 0.5 mg/kg IV infusion,
records three monitoring rounds (the 40-minute one crosses the alert limit and is
acknowledged), ends the infusion and discharges after the observation time; the prescriber
signs with their password. The signed record and the lot balance show correctly. The clock is
moved with time-machine (the live server runs in this process), so the 60-minute observation is
real server time, not an override. The clock keeps ticking between the jumps, so times on the
page are matched to the minute range they can fall in.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.dosing_day import at, book_dosing_day
from tests.sessions_app.clinical import helpers

pytestmark = pytest.mark.django_db(transaction=True)

TABLET = {"width": 1180, "height": 820}


@pytest.fixture
def prepared_patient(personas, time_machine, settings):
    settings.STAFF_IDLE_TIMEOUT_MINUTES = 600  # the clock jumps an hour between steps
    p = personas
    session, lot = book_dosing_day(p, time_machine, tick=True)
    time_machine.move_to(at(9, 40), tick=True)
    return session, lot


def record_vitals(page, sys_: str, dia: str, hr: str, spo2: str, rr: str) -> None:
    form = page.locator("[data-testid=vitals-form]")
    form.locator("[name=systolic]").fill(sys_)
    form.locator("[name=diastolic]").fill(dia)
    form.locator("[name=heart_rate]").fill(hr)
    form.locator("[name=spo2]").fill(spo2)
    form.locator("[name=resp_rate]").fill(rr)
    form.locator("[data-testid=record-vitals]").click()
    expect(page.locator("[data-testid=vitals-table]")).to_contain_text(f"{sys_}/{dia}")


def test_a_whole_dosing_session_from_checks_to_the_signed_note(
    personas, prepared_patient, login, live_server, time_machine, screenshot
) -> None:
    session, lot = prepared_patient
    page = login("nurse@demo.clinic")
    page.set_viewport_size(TABLET)
    page.goto(f"{live_server.url}/sessions/{session.public_id}/dosing/")
    page.select_option("#open-medication", "racemic_ketamine")
    page.select_option("#open-route", "iv")
    page.get_by_role("button", name="Open dosing record").click()
    board = page.locator("[data-testid=dosing-board]")
    expect(board).to_be_visible()
    expect(page.locator("[data-testid=check-fasting]")).to_have_attribute("data-state", "unmet")
    expect(page.locator("[data-testid=record-dose]")).to_be_disabled()

    # Opening the record inside the booked window checked the patient in; the other pre-dose
    # checks go through an htmx swap of the board each.
    expect(page.locator("[data-testid=check-checked_in]")).to_have_attribute("data-state", "met")
    page.locator("[data-testid=confirm-fasting]").click()
    expect(page.locator("[data-testid=check-fasting]")).to_have_attribute("data-state", "met")
    page.locator("input[name=escort_name]").fill("Sam Ellis")
    page.locator("input[name=escort_phone]").fill("555-0100")
    page.locator("[data-testid=confirm-ride]").click()
    expect(page.locator("[data-testid=check-ride_home]")).to_have_attribute("data-state", "met")
    record_vitals(page, "128", "82", "74", "98", "14")
    expect(page.locator("[data-testid=checks-summary]")).to_have_text("All met")
    screenshot("dosing-1-checks-met")

    # The dose: 35 mg = 0.5 mg/kg at 70 kg, over 40 minutes, from the lot.
    time_machine.move_to(at(10, 0), tick=True)
    page.fill("#dose-mg", "35")
    expect(page.locator("[data-testid=dose-preview]")).to_have_text("0.5 mg/kg at 70 kg")
    page.select_option("#dose-lot", str(lot.public_id))
    page.locator("[data-testid=record-dose]").click()
    expect(page.locator("[data-testid=dose]")).to_contain_text("35 mg IV infusion · 0.5 mg/kg · over 40 min")
    expect(page.locator("[data-testid=dosing-status]")).to_contain_text(re.compile(r"Dose started 10:0\d"))

    # Three monitoring rounds; the 40-minute reading crosses the alert limit.
    time_machine.move_to(at(10, 15), tick=True)
    record_vitals(page, "138", "88", "80", "97", "14")
    time_machine.move_to(at(10, 30), tick=True)
    record_vitals(page, "150", "95", "84", "97", "13")
    time_machine.move_to(at(10, 40), tick=True)
    record_vitals(page, "186", "104", "92", "96", "13")
    alert = page.locator("[data-testid=open-alert]")
    expect(alert).to_contain_text("Systolic BP high")
    screenshot("dosing-2-alert")
    alert.locator("input[name=note]").fill("Infusion paused 5 min; prescriber informed")
    alert.locator("[data-testid=acknowledge-alert]").click()
    expect(page.locator("[data-testid=open-alert]")).to_have_count(0)
    expect(page.locator("[data-testid=vitals-table]")).to_contain_text("ack Noah Bennett")
    page.locator("[data-testid=end-dose]").click()
    expect(page.locator("[data-testid=dose]")).to_contain_text(re.compile(r"end 10:4\d"))

    # Discharge after the 60 minutes of observation.
    time_machine.move_to(at(11, 46), tick=True)  # 60 min after the end, with slack for a slow machine
    page.reload()
    form = page.locator("[data-testid=discharge-form]")
    for name in (
        "aldrete_activity",
        "aldrete_respiration",
        "aldrete_circulation",
        "aldrete_consciousness",
        "aldrete_spo2",
    ):
        form.locator(f"select[name={name}]").select_option("2")
    form.locator("#d-escort-ok").check()
    form.locator("#d-instr").check()
    form.locator("[data-testid=discharge]").click()
    expect(page.locator("[data-testid=discharge-summary]")).to_contain_text(
        re.compile(r"after 6\d min of observation · Aldrete 10/10")
    )
    screenshot("dosing-3-discharged")

    # The responsible clinician signs with their password.
    page = login("prescriber@demo.clinic")
    page.set_viewport_size(TABLET)
    page.goto(f"{live_server.url}/sessions/{session.public_id}/dosing/")
    page.fill("#sign-password", "wrong-password")
    page.locator("[data-testid=sign]").click()
    expect(page.locator("[data-testid=signature-card]")).to_contain_text("The password is not correct")
    page.fill("#sign-password", helpers.PASSWORD)
    page.locator("[data-testid=sign]").click()
    expect(page.locator("[data-testid=signature]")).to_contain_text("Signed by Dr. Priya Raman")
    expect(page.locator("[data-testid=vitals-form]")).to_have_count(0)
    screenshot("dosing-4-signed")

    # The lot's balance: 500 − 35.
    page.goto(f"{live_server.url}/sessions/inventory/lots/{lot.public_id}/")
    expect(page.locator("[data-testid=lot-balance]")).to_contain_text("Balance 465 mg")
    expect(page.locator("[data-testid=ledger]")).to_contain_text("Jordan Ellis")
    assert re.search(r"Administered\s+-35", page.locator("[data-testid=ledger]").inner_text())
    screenshot("dosing-5-lot")
    page.goto(f"{live_server.url}/sessions/inventory/reconciliation/")
    expect(page.locator("[data-testid=reconciliation-row]").filter(has_text="KV-2026-17")).to_contain_text("465 mg")
    screenshot("dosing-6-reconciliation")

    # From the session page to its record and back.
    page.goto(f"{live_server.url}/sessions/{session.public_id}/")
    records = page.locator("[data-testid=session-clinical-records]")
    expect(records.locator("[data-testid=record-dosing]")).to_have_attribute("data-state", "signed")
    records.get_by_role("link", name="Dosing record").click()
    expect(page.locator("[data-testid=dosing-title]")).to_be_visible()
    page.get_by_role("link", name="Session", exact=True).click()
    expect(records).to_be_visible()
