"""The dosing page fits the screens it is used on, mid-session: a dose running, fourteen readings, one
of them an open alert.

On a phone nothing scrolls sideways (on the treatment-room board either), no column of a reading is
cut off, and the status strip scrolls away with the page instead of covering a quarter of it. On a tablet (portrait and
landscape) the status strip and the vitals form stay in view after scrolling to the last reading, and
the form still takes a reading there.
"""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from sessions_app.clinical.services.administration import administration_record
from tests.e2e.dosing_day import at, book_dosing_day, ready_for_the_dose
from tests.sessions_app.clinical import helpers

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 390, "height": 844}
TABLETS = [{"width": 820, "height": 1180}, {"width": 1180, "height": 820}]


@pytest.fixture
def busy_session(personas, time_machine, settings):
    """A dosing session an hour in: the dose given at 10:00, a reading every five minutes, an open alert."""
    settings.STAFF_IDLE_TIMEOUT_MINUTES = 600
    p = personas
    session, lot = book_dosing_day(p, time_machine, tick=False)
    dosing = ready_for_the_dose(p, session, time_machine, opened_at=at(9, 40), tick=False)
    time_machine.move_to(at(10), tick=False)
    administration_record(
        actor=p.nurse, dosing=dosing, dose_mg="35", lot=lot, ordering_prescriber=p.prescriber, infusion_minutes=40
    )
    for i in range(13):
        time_machine.move_to(at(10) + dt.timedelta(minutes=5 * (i + 1)), tick=False)
        helpers.full_vitals(p, dosing, systolic=186 if i == 7 else 128 + i, diastolic=84, heart_rate=76 + i % 4)
    time_machine.move_to(at(11, 7), tick=True)
    return session


def open_page(login, live_server, session, viewport):  # noqa: ANN001, ANN201
    page = login("nurse@demo.clinic")
    page.set_viewport_size(viewport)
    page.goto(f"{live_server.url}/sessions/{session.public_id}/dosing/")
    expect(page.locator("[data-testid=vitals-row]")).to_have_count(14)
    expect(page.locator("[data-testid=open-alert]")).to_have_count(1)
    return page


def test_on_a_phone_nothing_scrolls_sideways_and_every_column_shows(
    busy_session, login, live_server, screenshot
) -> None:
    page = open_page(login, live_server, busy_session, PHONE)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    # Each reading's cells lie inside the screen and inside the table's box (no column behind a scrollbar).
    clipped = page.evaluate(
        """() => {
          const box = document.querySelector('[data-testid=vitals-table]').parentElement.getBoundingClientRect();
          const left = Math.max(0, box.left) - 0.5, right = Math.min(window.innerWidth, box.right) + 0.5;
          return [...document.querySelectorAll('[data-testid=vitals-row] td')].filter(td => {
            const r = td.getBoundingClientRect();
            return r.width > 0 && (r.left < left || r.right > right);
          }).map(td => td.textContent.trim());
        }"""
    )
    assert clipped == []
    alert = page.locator("[data-testid=vitals-row] td.alert-cell")
    expect(alert).to_have_count(1)
    expect(alert).to_contain_text("Systolic BP high")
    assert alert.bounding_box()["width"] > 200  # its own line on the card, not a sliver
    expect(page.locator("[data-testid=vitals-row] .vitals-by").first).to_have_text("Noah Bennett")
    # The late-entry time has a row of its own, not a fifth of one.
    assert page.locator("#v-at").bounding_box()["width"] > 300
    screenshot("dosing-layout-phone-390")
    # The status strip (with its open alert, a quarter of the screen) scrolls away with the page on a phone.
    page.evaluate("window.scrollTo({top: 900, behavior: 'instant'})")
    assert page.locator("[data-testid=dosing-status]").bounding_box()["y"] < -100


@pytest.mark.parametrize("email", ["nurse@demo.clinic", "admin@demo.clinic"])
def test_on_a_phone_the_room_board_does_not_scroll_sideways(
    busy_session, login, live_server, screenshot, email
) -> None:
    page = login(email)
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/sessions/board/")
    card = page.locator("[data-testid=room-card][data-room='Dosing A']")
    expect(card).to_contain_text(busy_session.patient.display_name)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    box = card.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    screenshot(f"room-board-phone-390-{email.split('@')[0]}")


@pytest.mark.parametrize("viewport", TABLETS, ids=["portrait-820", "landscape-1180"])
def test_on_a_tablet_the_status_strip_and_vitals_form_stay_in_view_below_the_last_reading(
    busy_session, login, live_server, screenshot, viewport
) -> None:
    page = open_page(login, live_server, busy_session, viewport)
    last = page.locator("[data-testid=vitals-row]").last
    # "instant": Bootstrap makes the page scroll smoothly, and the boxes are read straight after.
    page.evaluate(
        "document.querySelectorAll('[data-testid=vitals-row]')[13].scrollIntoView({block: 'end', behavior: 'instant'})"
    )
    assert page.evaluate("window.scrollY") > 200
    height = viewport["height"]
    strip = page.locator("[data-testid=dosing-status]").bounding_box()
    form = page.locator("[data-testid=vitals-form]").bounding_box()
    row = last.bounding_box()
    assert abs(strip["y"]) <= 1  # the strip is stuck to the top
    assert form["y"] >= strip["y"] + strip["height"] - 1  # the form just below it, not hidden under it
    assert form["y"] + form["height"] <= height
    assert form["y"] + form["height"] <= row["y"] + 1 <= height  # the last reading shows below the form
    expect(page.locator("[data-testid=dosing-status]")).to_have_count(1)
    screenshot(f"dosing-layout-tablet-{viewport['width']}-scrolled", full_page=False)
    # The stuck form takes a reading where it is.
    form_el = page.locator("[data-testid=vitals-form]")
    for name, value in (("systolic", "132"), ("diastolic", "84"), ("heart_rate", "78")):
        form_el.locator(f"[name={name}]").fill(value)
    form_el.locator("[data-testid=record-vitals]").click()
    expect(page.locator("[data-testid=vitals-row]")).to_have_count(15)
    expect(page.locator("[data-testid=vitals-row]").first).to_contain_text("132/84")
