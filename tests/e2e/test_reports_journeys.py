"""Browser journeys for background jobs: a clinician asks for a PDF and watches it finish (htmx
polling), downloads it; an admin finds a failed reminder and resends it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from sessions_app.reminders.models import Reminder
from sessions_app.reports import services as report_services
from sessions_app.reports.models import GeneratedReport

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_clinician_asks_for_a_treatment_summary_watches_it_render_and_downloads_it(
    login, live_server, personas, screenshot, monkeypatch
) -> None:
    # Keep the job queued (as if the worker were busy) so the page has to poll for it.
    monkeypatch.setattr(report_services, "_hand_over_after_commit", lambda report: None)
    page = login("prescriber@demo.clinic")
    page.click("[data-testid=staff-nav] >> text=Reports")
    assert page.url == f"{live_server.url}/sessions/reports/"
    page.select_option("[data-testid=report-patient-select]", label=f"Ellis, Jordan · {personas.demo_patient.mrn}")
    page.click("text=Open")
    page.wait_for_url(f"**/sessions/reports/patient/{personas.demo_patient.public_id}/")
    screenshot("reports-patient")
    page.click("[data-testid=request-treatment-summary]")
    page.wait_for_url("**/sessions/reports/*/")
    status = page.locator("[data-testid=report-status]")
    assert status.get_attribute("data-status") == "queued"
    assert "Queued" in status.inner_text()
    screenshot("report-queued")
    report = GeneratedReport.objects.get()
    assert report_services.report_render(report_id=report.pk) == "done"  # the worker gets to it
    page.wait_for_selector("[data-testid=report-status][data-status=done]", timeout=10_000)  # polled, no reload
    screenshot("report-done")
    with page.expect_download() as download:
        page.click("[data-testid=report-download]")
    path = download.value.path()
    assert download.value.suggested_filename.endswith(".pdf") and "Ellis" not in download.value.suggested_filename
    with open(path, "rb") as handle:
        assert handle.read(5) == b"%PDF-"


def test_an_admin_sees_a_failed_reminder_on_the_dashboard_and_resends_it(
    login, live_server, personas, screenshot
) -> None:
    from sessions_app.scheduling.services.sessions import session_schedule
    from tests.sessions_app.conftest import make_clinic

    clinic = make_clinic([personas.prescriber])
    session = session_schedule(
        actor=personas.admin,
        patient=personas.demo_patient,
        kind="consultation",
        lead_clinician=personas.prescriber,
        room=clinic.consult_room,
        starts_at=timezone.now() + dt.timedelta(days=3),
        override_hours=True,
        override_reason="e2e",
    )
    reminder = Reminder.objects.filter(session=session, channel="email").order_by("offset_minutes").first()
    Reminder.objects.filter(pk=reminder.pk).update(
        status="failed",
        attempts=5,
        last_error="email not sent: SMTPServerDisconnected (after 5 attempts)",
        next_attempt_at=timezone.now() - dt.timedelta(minutes=1),
    )
    page = login("admin@demo.clinic")
    warning = page.locator("[data-testid=dashboard-jobs]")
    assert "1 reminder failed" in warning.inner_text()
    warning.locator("text=Background jobs").click()
    page.wait_for_url("**/sessions/operations/")
    table = page.locator("[data-testid=failed-reminders]")
    assert "SMTPServerDisconnected" in table.inner_text() and "Ellis" in table.inner_text()
    screenshot("operations-failed-reminder")
    page.click("[data-testid=reminder-resend]")
    page.wait_for_load_state("networkidle")
    assert page.get_by_text("The reminder will be sent again now.").is_visible()
    reminder.refresh_from_db()
    assert reminder.status == "sent"
    assert "None." in page.locator("[data-testid=failed-reminders]").inner_text()
    screenshot("operations-after-resend")


def test_a_patient_turns_text_message_reminders_off_in_the_portal(login, live_server, personas, screenshot) -> None:
    patient = personas.demo_patient
    patient.mobile = "+15555550142"
    patient.reminder_sms_opt_in = True
    patient.save(update_fields=["mobile", "reminder_sms_opt_in"])
    page = login("patient@demo.clinic")
    page.goto(f"{live_server.url}/portal/appointments/")
    card = page.locator("[data-testid=portal-reminder-channels]")
    assert card.locator("#reminder-email").is_checked() and card.locator("#reminder-sms").is_checked()
    card.locator("#reminder-sms").uncheck()
    card.locator("[data-testid=reminder-channels-save]").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_text("Your reminder choices are saved.").is_visible()
    assert not page.locator("#reminder-sms").is_checked() and page.locator("#reminder-email").is_checked()
    screenshot("portal-reminder-channels")
    patient.refresh_from_db()
    assert patient.reminder_email_opt_in and not patient.reminder_sms_opt_in
