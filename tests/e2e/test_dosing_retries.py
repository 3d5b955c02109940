"""'Record dose' sent more than once records one dose and draws the lot once.

* A double tap while the first answer is slow. With JavaScript, htmx holds the second submit until
  the first is answered and then drops it, as its form has been replaced; without JavaScript the
  browser posts the form twice and the server answers the second with the first answer.
* The answer to 'Record dose' is lost on the way back to the tablet (the dose is recorded, the
  browser sees a network error); the nurse leaves the page, comes back with Back, finds the dose she
  typed still in the form and sends it again: the browser put the form's one-time key back too, so
  the server answers with the first answer and records nothing more. Likewise when she just taps
  again without leaving.

An IM dose, so the dose form stays on the page after the first dose (an IV infusion hides it while
it runs).
"""

from __future__ import annotations

import time
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from kap_clinic.accounts.demo import DEMO_PASSWORD
from sessions_app.clinical.models.dosing import Administration
from sessions_app.inventory.models import InventoryEntry, InventoryLot
from tests.e2e.dosing_day import at, book_dosing_day, ready_for_the_dose

pytestmark = pytest.mark.django_db(transaction=True)

VIEWPORT = {"width": 1180, "height": 820}
ADMINISTER = "**/dosing/administer/"


@pytest.fixture
def ready_to_dose(personas, time_machine, settings):
    settings.STAFF_IDLE_TIMEOUT_MINUTES = 600
    p = personas
    session, lot = book_dosing_day(p, time_machine, tick=True)
    dosing = ready_for_the_dose(p, session, time_machine, opened_at=at(9, 50), tick=True, route="im")
    time_machine.move_to(at(10, 0), tick=True)
    return session, dosing, lot


@pytest.fixture
def nurse_page(browser, live_server):
    """nurse_page(javascript=True) -> the nurse signed in, in a browser context of its own."""
    contexts = []

    def make(*, javascript: bool = True):
        context = browser.new_context(viewport=VIEWPORT, java_script_enabled=javascript)
        contexts.append(context)
        page = context.new_page()
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("input[name=email]", "nurse@demo.clinic")
        page.fill("input[name=password]", DEMO_PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_load_state("networkidle")
        return page

    yield make
    for context in contexts:
        context.close()


def fill_the_dose(page, lot) -> None:
    page.fill("#dose-mg", "35")
    page.select_option("#dose-lot", str(lot.public_id))


def lose_the_next_answer(page) -> None:
    def lose(route) -> None:
        route.fetch()  # the server records the dose...
        route.abort("connectionreset")  # ...and the tablet never hears back

    page.route(ADMINISTER, lose)


def assert_one_dose_drawn_once(dosing, lot) -> None:
    assert Administration.objects.filter(dosing=dosing).count() == 1
    debits = InventoryEntry.objects.filter(lot=lot, kind=InventoryEntry.Kind.ADMINISTRATION)
    assert [e.quantity for e in debits] == [Decimal("-35")]
    assert InventoryLot.objects.get(pk=lot.pk).balance == Decimal("465")


@pytest.fixture
def slow_dose(monkeypatch):
    """Recording a dose takes a second (a busy server, a slow network), so a second tap comes while
    the first is still being answered."""
    from sessions_app.clinical.views import dosing as dosing_views

    record = dosing_views.administration_record

    def slowly(**kwargs):
        time.sleep(1)
        return record(**kwargs)

    monkeypatch.setattr(dosing_views, "administration_record", slowly)


def test_a_double_tap_on_record_dose_records_one_dose(ready_to_dose, slow_dose, nurse_page, live_server) -> None:
    session, dosing, lot = ready_to_dose
    page = nurse_page()
    page.goto(f"{live_server.url}/sessions/{session.public_id}/dosing/")
    fill_the_dose(page, lot)
    page.locator("[data-testid=record-dose]").dblclick()
    expect(page.locator("[data-testid=dose]")).to_have_count(1)
    page.wait_for_load_state("networkidle")
    page.reload()
    expect(page.locator("[data-testid=dose]")).to_have_count(1)
    assert_one_dose_drawn_once(dosing, lot)


def test_without_javascript_a_second_tap_gets_the_first_answer(
    ready_to_dose, slow_dose, nurse_page, live_server
) -> None:
    """Two plain form posts: the browser drops the first answer and shows the second, which is the first's."""
    session, dosing, lot = ready_to_dose
    page = nurse_page(javascript=False)
    page.goto(f"{live_server.url}/sessions/{session.public_id}/dosing/")
    fill_the_dose(page, lot)
    posts: list[str] = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" and "/administer/" in r.url else None)
    button = page.locator("[data-testid=record-dose]")
    button.scroll_into_view_if_needed()
    box = button.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.click(x, y)
    page.wait_for_timeout(300)
    page.mouse.click(x, y)  # the first answer has not come yet: the page and its form are still there
    page.wait_for_load_state("networkidle")
    assert len(posts) == 2
    expect(page.locator("#messages")).to_contain_text("This form had already been sent: it was saved once")
    expect(page.locator("[data-testid=dose]")).to_have_count(1)
    assert_one_dose_drawn_once(dosing, lot)


def test_record_dose_tapped_again_after_a_lost_answer_records_one_dose(ready_to_dose, nurse_page, live_server) -> None:
    session, dosing, lot = ready_to_dose
    page = nurse_page()
    page.goto(f"{live_server.url}/sessions/{session.public_id}/dosing/")
    fill_the_dose(page, lot)
    lose_the_next_answer(page)
    with page.expect_event("requestfailed"):
        page.locator("[data-testid=record-dose]").click()
    page.unroute(ADMINISTER)
    assert Administration.objects.filter(dosing=dosing).count() == 1
    with page.expect_response(lambda r: "/dosing/administer/" in r.url) as sent_again:
        page.locator("[data-testid=dose-form] [data-testid=record-dose]").click()
    assert sent_again.value.headers.get("idempotent-replayed") == "true"
    expect(page.locator("[data-testid=dose]")).to_have_count(1)
    assert_one_dose_drawn_once(dosing, lot)


def test_record_dose_sent_again_after_a_lost_answer_and_going_back_records_one_dose(
    ready_to_dose, nurse_page, live_server
) -> None:
    session, dosing, lot = ready_to_dose
    page = nurse_page()
    dosing_url = f"{live_server.url}/sessions/{session.public_id}/dosing/"
    page.goto(dosing_url)
    fill_the_dose(page, lot)
    key = page.locator("[data-testid=dose-form] input[name=idempotency_key]").input_value()

    lose_the_next_answer(page)
    with page.expect_event("requestfailed"):
        page.locator("[data-testid=record-dose]").click()
    page.unroute(ADMINISTER)
    assert Administration.objects.filter(dosing=dosing).count() == 1

    # The nurse goes to the lot's page and comes back with Back: the page is drawn anew (no-store),
    # and the browser restores what the form held, the dose and its key included.
    page.goto(f"{live_server.url}/sessions/inventory/lots/{lot.public_id}/")
    page.go_back()
    page.wait_for_load_state("networkidle")
    form = page.locator("[data-testid=dose-form]")
    page.locator("summary", has_text="Record another dose").click()
    expect(form.locator("#dose-mg")).to_have_value("35")
    assert form.locator("input[name=idempotency_key]").input_value() == key

    with page.expect_response(lambda r: "/dosing/administer/" in r.url) as sent_again:
        form.locator("[data-testid=record-dose]").click()
    assert sent_again.value.headers.get("idempotent-replayed") == "true"
    expect(page.locator("[data-testid=dose]")).to_have_count(1)
    assert_one_dose_drawn_once(dosing, lot)
