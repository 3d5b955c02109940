"""Browser journey: the prescriber records a PHQ-9 on the chart, sees the score, band and updated chart;
an item-9 answer raises the alert on the care team's dashboard."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from playwright.sync_api import expect

from patients import services

pytestmark = pytest.mark.django_db(transaction=True)


def seed_history(personas) -> None:
    """Two earlier PHQ-9 results so the chart starts with a baseline and a line."""
    for weeks_ago, item in ((6, 2), (3, 1)):
        when = dt.datetime.now(dt.UTC) - dt.timedelta(weeks=weeks_ago)
        with time_machine.travel(when, tick=False):
            services.assessment_record(
                actor=personas.nurse, patient=personas.demo_patient, instrument="phq9", answers=[item] * 8 + [0]
            )


def fill_phq9(page, answers: list[int]) -> None:
    for index, value in enumerate(answers):
        page.click(f"label[for=id_item_{index}_{value}]")


def test_the_prescriber_records_a_phq9_and_sees_score_band_and_chart(personas, login, live_server, screenshot) -> None:
    seed_history(personas)
    page = login("prescriber@demo.clinic")
    chart_url = f"{live_server.url}/patients/{personas.demo_patient.public_id}/"
    page.goto(chart_url)
    canvas = page.locator("[data-testid=outcome-chart]")
    assert canvas.get_attribute("data-points") == "2"
    assert page.evaluate("window.kapOutcomes.code") == "phq9"
    screenshot("patients-chart-before")

    page.click("[data-testid=record-phq9]")
    page.wait_for_selector("[data-testid=assessment-form]")
    fill_phq9(page, [1, 1, 1, 0, 1, 0, 1, 0, 0])
    screenshot("patients-phq9-form")
    page.click("[data-testid=assessment-submit]")
    page.wait_for_load_state("networkidle")

    assert page.url.startswith(chart_url)
    assert "PHQ-9 recorded: 5 — Mild." in page.locator("#messages").inner_text()
    first_row = page.locator("[data-testid=recent-assessments] tbody tr").first
    assert "PHQ-9" in first_row.inner_text() and "5" in first_row.inner_text() and "Mild" in first_row.inner_text()
    assert canvas.get_attribute("data-points") == "3"
    points = page.evaluate("window.kapOutcomes.chart.data.datasets[0].data.map(p => p.y)")
    assert points == [16, 8, 5]
    # 5 is at most half of the baseline 16: the new point is marked as a response.
    assert "Response" in page.locator("[data-testid=outcome-summary]").inner_text()
    screenshot("patients-chart-after")


def test_an_item_9_answer_raises_the_alert_on_the_dashboard(personas, login, live_server, screenshot) -> None:
    page = login("prescriber@demo.clinic")
    page.goto(f"{live_server.url}/patients/{personas.demo_patient.public_id}/assessments/new/phq9/")
    fill_phq9(page, [2, 2, 2, 1, 1, 1, 1, 0, 2])
    page.click("[data-testid=assessment-submit]")
    page.wait_for_load_state("networkidle")
    assert "A safety alert was raised" in page.locator("#messages").inner_text()
    assert page.locator("[data-testid=chart-safety-flags]").is_visible()
    screenshot("patients-chart-safety-alert")

    page.goto(f"{live_server.url}/dashboard/")
    alert = page.locator("[data-testid=safety-alert]")
    assert alert.count() == 1
    assert "Jordie Ellis" in alert.inner_text() and "PHQ-9 item 9 answered 2" in alert.inner_text()
    screenshot("patients-dashboard-alert")

    # The nurse on the same team sees it too; acknowledging it with a note clears it.
    page = login("nurse@demo.clinic")
    page.goto(f"{live_server.url}/dashboard/")
    page.click("[data-testid=safety-alert] a.btn")
    page.fill("textarea[name=note]", "Phoned the patient; safety plan reviewed; seen tomorrow.")
    page.click("button[type=submit].btn-danger")
    page.wait_for_load_state("networkidle")
    page.goto(f"{live_server.url}/dashboard/")
    assert page.locator("[data-testid=safety-alert]").count() == 0


def test_the_patient_list_searches_as_you_type(personas, login, live_server, screenshot) -> None:
    page = login("prescriber@demo.clinic")
    page.goto(f"{live_server.url}/patients/")
    assert page.locator("[data-testid=patient-table] tbody tr").count() >= 5
    screenshot("patients-list")
    page.fill("input[name=q]", "ell")
    # Web-first assertions, not wait_for_function: that compiles a string, which our CSP forbids.
    expect(page.locator("[data-testid=patient-table] tbody tr")).to_have_count(1, timeout=5000)
    assert "Ellis, Jordan" in page.locator("[data-testid=patient-table]").inner_text()
    assert "q=ell" in page.url
