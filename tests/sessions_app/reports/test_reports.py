"""Report jobs: every kind renders (its key text checked in the PDF), on every page the clinic,
the patient's name and date of birth and "Page x of y"; failures end failed, never an empty done;
only people who may see the subject ask for and download it; every download is audited."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from django.db import IntegrityError, transaction

from consent.models import ConsentPdf
from kap_clinic.audit.models import AuditEvent
from kap_clinic.common.errors import PermissionDeniedError, ValidationFailed
from kap_clinic.common.pdf import PdfRenderError
from sessions_app.reports import services as report_services
from sessions_app.reports.models import GeneratedReport
from sessions_app.tasks import report_render_task
from tests.sessions_app import reportkit as kit
from tests.sessions_app.clinical.conftest import MONDAY, local
from tests.sessions_app.factories import GeneratedReportFactory, ReminderFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def ask(django_capture_on_commit_callbacks):
    """ask(actor, kind, **subject) -> the report after its after-commit render (eager, in-process)."""

    def make(actor, kind, **subject):
        with django_capture_on_commit_callbacks(execute=True):
            report = report_services.report_request(actor=actor, kind=kind, **subject)
        report.refresh_from_db()
        return report

    return make


def assert_every_page_carries_the_header(pages: list[str], *, patient: str | None, dob: str | None) -> None:
    assert pages
    for number, text in enumerate(pages, start=1):
        assert "KAP Clinic" in text
        assert f"Page {number} of {len(pages)}" in text
        if patient:
            assert patient in text and f"DOB {dob}" in text, f"page {number} lacks the patient header"


def test_a_dosing_session_note_has_doses_vitals_table_events_discharge_and_no_psychotherapy_note(
    personas, ready, clock, ask
) -> None:
    r = kit.finished_racemic_session(personas, ready, clock)
    report = ask(personas.prescriber, "session_note", session=r.session)
    assert report.status == GeneratedReport.Status.DONE and report.size > 1000 and report.sha256
    data = kit.pdf_bytes(report)
    assert data.startswith(b"%PDF") and hashlib.sha256(data).hexdigest() == report.sha256
    pages = kit.pdf_pages(data)
    text = kit.flat(pages)
    assert_every_page_carries_the_header(pages, patient="Jordan Ellis", dob="1987-05-09")
    for expected in (
        "Dosing session record",
        "Racemic ketamine",
        "IV infusion",
        "35.00 mg",
        "KV-001",
        "142/90",
        "124/80",
        "Nausea",
        "Antiemetic given",
        "Modified Aldrete",
        "10/10",
        "Sam Ellis",
        "Signed by",
        "Psychotherapy notes are kept separately",
    ):
        assert expected in text, expected
    assert kit.PSYCHOTHERAPY_SECRET not in text
    assert "lake house" not in text
    assert kit.chart_titles(report) == ["Vitals during the session"]
    assert kit.images_on(data) >= 1


def test_a_preparation_session_note_prints_the_preparation_record(personas, ready, clock, ask) -> None:
    r = ready()
    prep = personas.demo_patient.sessions.get(kind="preparation")
    report = ask(personas.therapist, "session_note", session=prep)
    assert report.status == GeneratedReport.Status.DONE, report.error
    text = kit.flat(kit.pdf_pages(kit.pdf_bytes(report)))
    for expected in (
        "Preparation session record",
        "Understand my grief",
        "Losing control",
        "Nausea and vomiting",
        "Partner drives",
        "Ready for a first dose",
    ):
        assert expected in text, expected
    assert r.session.pk != prep.pk


def test_a_treatment_summary_has_outcomes_with_response_and_remission_doses_and_adverse_events(
    personas, ready, clock, ask
) -> None:
    r = kit.finished_racemic_session(personas, ready, clock)
    patient = r.session.patient
    kit.phq9(patient, personas.nurse, local(MONDAY, 7) - dt.timedelta(days=30), 20, "severe")
    kit.phq9(patient, personas.nurse, local(MONDAY, 7) - dt.timedelta(days=10), 9, "mild")
    kit.phq9(patient, personas.nurse, local(MONDAY, 7) + dt.timedelta(days=1, hours=5), 3, "minimal")
    report = ask(personas.prescriber, "treatment_summary", patient=patient)
    assert report.status == GeneratedReport.Status.DONE, report.error
    pages = kit.pdf_pages(kit.pdf_bytes(report))
    text = kit.flat(pages)
    assert_every_page_carries_the_header(pages, patient="Jordan Ellis", dob="1987-05-09")
    for expected in (
        "Treatment summary",
        "Treatment-resistant depression" if patient.conditions.exists() else "Conditions",
        "PHQ-9",
        "Remission",
        "first response",
        "first remission",
        "35.00 mg",
        "cumulative Racemic ketamine",
        "Nausea",
        "Dosing",
        "Preparation",
    ):
        assert expected in text, expected
    assert kit.chart_titles(report) == ["PHQ-9 over time"]


def test_an_esketamine_monitoring_sheet_has_the_rems_form_fields(personas, ready, clock, ask) -> None:
    r = kit.finished_esketamine_session(personas, ready, clock)
    report = ask(personas.nurse, "esketamine_monitoring", session=r.session)
    assert report.status == GeneratedReport.Status.DONE, report.error
    pages = kit.pdf_pages(kit.pdf_bytes(report))
    text = kit.flat(pages)
    assert_every_page_carries_the_header(pages, patient="Jordan Ellis", dob="1987-05-09")
    for expected in (
        "Esketamine monitoring data sheet",
        "56.00 mg",
        "2 devices given",
        "ESK-1",
        "minutes from first device to end of monitoring 125",  # pypdf splits the kerned "T otal"
        "Before the first device",
        "About 40 minutes after the first device",
        "146/92",
        "Before the end of the session",
        "128/82",
        "Benzodiazepines",
        "Psychostimulants",
        "Opioids",
        "Respiratory depression",
        "Serious adverse event",
        "75",
    ):
        assert expected in text, expected


def test_an_esketamine_sheet_is_refused_for_a_racemic_session(personas, ready, clock) -> None:
    r = ready()
    with pytest.raises(ValidationFailed) as exc:
        report_services.report_request(actor=personas.prescriber, kind="esketamine_monitoring", session=r.session)
    assert exc.value.field == "session"


def test_the_signed_consent_pdf_runs_through_the_same_job_path_and_keeps_its_hash(personas, ask) -> None:
    record = kit.signed_consent(personas.demo_patient, personas.admin)
    report = ask(personas.admin, "consent", consent_record=record)
    assert report.status == GeneratedReport.Status.DONE, report.error
    snapshot = ConsentPdf.objects.get(record=record)
    assert report.sha256 == snapshot.sha256
    pages = kit.pdf_pages(kit.pdf_bytes(report))
    text = kit.flat(pages)
    assert_every_page_carries_the_header(pages, patient="Jordan Ellis", dob="1987-05-09")
    assert "Consent to ketamine-assisted psychotherapy" in text and "Electronic signature" in text
    # A second request for the same record reuses the consent app's snapshot (rendered once).
    again = ask(personas.prescriber, "consent", consent_record=record)
    assert again.sha256 == report.sha256 and ConsentPdf.objects.filter(record=record).count() == 1


def test_the_operations_report_counts_sessions_rooms_and_reminders_and_names_no_patient(
    personas, ready, clock, ask
) -> None:
    from sessions_app.reminders.models import Reminder

    r = kit.finished_racemic_session(personas, ready, clock)
    # The booking planned the session's reminders; say one went out and another (SMS) failed.
    rows = list(Reminder.objects.filter(session=r.session).order_by("id"))
    Reminder.objects.filter(pk=rows[0].pk).update(status="sent", sent_at=r.session.starts_at)
    ReminderFactory(
        session=r.session,
        channel="sms",
        offset_minutes=1440,  # not one of the planned offsets, so it cannot collide with a planned row
        planned_for=rows[0].planned_for,
        due_at=rows[0].due_at,
        status="failed",
        last_error="SMS provider answered 503 (after 5 attempts)",
    )
    Reminder.objects.filter(session=r.session).exclude(status__in=["sent", "failed"]).update(status="cancelled")
    failed = 1
    report = ask(personas.admin, "operations", start=MONDAY - dt.timedelta(days=7), end=MONDAY + dt.timedelta(days=6))
    assert report.status == GeneratedReport.Status.DONE, report.error
    assert report.patient is None and report.params == {"start": "2026-02-23", "end": "2026-03-08"}
    pages = kit.pdf_pages(kit.pdf_bytes(report))
    text = kit.flat(pages)
    assert_every_page_carries_the_header(pages, patient=None, dob=None)
    for expected in (
        "Operations report",
        "Sessions per week by kind",
        "Mon 2 Mar 2026",
        "no-show rate",
        "late-cancel rate",
        "Room utilisation",
        "Main clinic · Dosing A",
        "Reminders",
        "reminders sent / failed",
        f"1 / {failed}",
    ):
        assert expected in text, expected
    assert "Jordan" not in text and "Ellis" not in text


@pytest.mark.parametrize("persona", ["admin", "outsider", "patient_user"])
def test_clinical_reports_are_refused_to_anyone_off_the_care_team(personas, ready, clock, persona) -> None:
    r = ready()
    with pytest.raises(PermissionDeniedError):
        report_services.report_request(actor=getattr(personas, persona), kind="session_note", session=r.session)
    assert not GeneratedReport.objects.exists()


def test_only_admins_run_the_operations_report(personas) -> None:
    with pytest.raises(PermissionDeniedError):
        report_services.report_request(actor=personas.prescriber, kind="operations")


def test_a_download_is_audited_and_someone_else_gets_a_404(personas, ready, clock, ask, client) -> None:
    r = kit.finished_racemic_session(personas, ready, clock)
    report = ask(personas.prescriber, "session_note", session=r.session)
    client.force_login(personas.nurse)  # on the care team: may download a colleague's report
    response = client.get(f"/sessions/reports/{report.public_id}/download/")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content == kit.pdf_bytes(report)
    assert "attachment" in response["Content-Disposition"] and "Jordan" not in response["Content-Disposition"]
    assert AuditEvent.objects.filter(action="report.downloaded", actor=personas.nurse).count() == 1
    for persona in ("outsider", "admin"):
        client.force_login(getattr(personas, persona))
        assert client.get(f"/sessions/reports/{report.public_id}/download/").status_code == 404
        assert AuditEvent.objects.filter(
            action="report.access_denied", actor=getattr(personas, persona), outcome="denied"
        ).exists()


def test_a_tampered_file_is_refused_at_download(personas, ready, clock, ask, client) -> None:
    r = kit.finished_racemic_session(personas, ready, clock)
    report = ask(personas.prescriber, "session_note", session=r.session)
    with open(report.file.path, "ab") as handle:
        handle.write(b"tampered")
    client.force_login(personas.prescriber)
    response = client.get(f"/sessions/reports/{report.public_id}/download/")
    assert response.status_code == 302
    assert AuditEvent.objects.filter(action="report.integrity_failed").exists()


def test_a_render_error_ends_failed_with_the_error_and_no_file(personas, ready, clock, ask, monkeypatch) -> None:
    r = ready()

    def broken(html):
        raise PdfRenderError("PDF rendering failed: LayoutError: page too small")

    monkeypatch.setattr("kap_clinic.common.pdf.html_to_pdf", broken)
    report = ask(personas.prescriber, "treatment_summary", patient=r.session.patient)
    assert (
        report.status == GeneratedReport.Status.FAILED
        and report.error == "PDF rendering failed: LayoutError: page too small"
    )
    assert not report.file and report.size == 0 and report.sha256 == ""


def test_an_empty_pdf_is_a_failure_not_a_done_report(personas, ready, clock, ask, monkeypatch) -> None:
    r = ready()
    monkeypatch.setattr("kap_clinic.common.pdf.html_to_pdf", lambda html: b"")
    report = ask(personas.prescriber, "treatment_summary", patient=r.session.patient)
    assert report.status == GeneratedReport.Status.FAILED and "no PDF" in report.error and not report.file


def test_the_database_refuses_a_done_report_without_a_file(personas, ready, clock) -> None:
    r = ready()
    report = GeneratedReportFactory(requested_by=personas.prescriber, patient=r.session.patient)
    with pytest.raises(IntegrityError), transaction.atomic():
        GeneratedReport.objects.filter(pk=report.pk).update(status="done")
    with pytest.raises(IntegrityError), transaction.atomic():
        GeneratedReport.objects.filter(pk=report.pk).update(status="failed")


def test_a_session_without_a_record_fails_validation_before_queueing(personas, ready, clock, book) -> None:
    consultation = book(local(MONDAY, 15), kind="consultation")
    with pytest.raises(ValidationFailed) as exc:
        report_services.report_request(actor=personas.prescriber, kind="session_note", session=consultation)
    assert exc.value.field == "session" and not GeneratedReport.objects.exists()


def test_the_render_task_run_twice_renders_once(personas, ready, clock, ask) -> None:
    r = ready()
    report = ask(personas.prescriber, "treatment_summary", patient=r.session.patient)
    first = (report.file.name, report.sha256, report.attempts)
    assert report_render_task.delay(report.pk).get() == GeneratedReport.Status.DONE
    report.refresh_from_db()
    assert (report.file.name, report.sha256, report.attempts) == first


def test_a_double_click_returns_the_report_already_queued(personas, ready, clock) -> None:
    r = ready()
    one = report_services.report_request(actor=personas.prescriber, kind="treatment_summary", patient=r.session.patient)
    two = report_services.report_request(actor=personas.prescriber, kind="treatment_summary", patient=r.session.patient)
    assert one.pk == two.pk and one.status == GeneratedReport.Status.QUEUED


def test_a_worker_killed_mid_render_is_recovered_by_the_sweep(personas, ready, clock) -> None:
    r = ready()
    report = report_services.report_request(
        actor=personas.prescriber, kind="treatment_summary", patient=r.session.patient
    )
    # The worker claimed it and died: the row says running, with no file.
    GeneratedReport.objects.filter(pk=report.pk).update(status="running", started_at=clock.now, attempts=1)
    assert report_services.reports_relay() == {"failed": 0, "requeued": 0, "handed_over": 0}  # not stale yet
    clock.advance(minutes=11)
    result = report_services.reports_relay()
    assert result["requeued"] == 1 and result["handed_over"] == 1  # eager: rendered right there
    report.refresh_from_db()
    assert report.status == GeneratedReport.Status.DONE and report.attempts == 2 and report.size > 0


def test_a_job_whose_worker_keeps_dying_ends_failed(personas, ready, clock) -> None:
    r = ready()
    report = report_services.report_request(
        actor=personas.prescriber, kind="treatment_summary", patient=r.session.patient
    )
    GeneratedReport.objects.filter(pk=report.pk).update(status="running", started_at=clock.now, attempts=3)
    clock.advance(minutes=11)
    assert report_services.reports_relay()["failed"] == 1
    report.refresh_from_db()
    assert report.status == GeneratedReport.Status.FAILED and "worker stopped" in report.error


def test_a_failed_report_can_be_retried_by_its_requester(
    personas, ready, clock, ask, monkeypatch, django_capture_on_commit_callbacks
) -> None:
    r = ready()
    monkeypatch.setattr("kap_clinic.common.pdf.html_to_pdf", lambda html: b"")
    report = ask(personas.prescriber, "treatment_summary", patient=r.session.patient)
    assert report.status == GeneratedReport.Status.FAILED
    monkeypatch.undo()
    with pytest.raises(PermissionDeniedError):
        report_services.report_retry(actor=personas.nurse, report=report)
    with django_capture_on_commit_callbacks(execute=True):
        report_services.report_retry(actor=personas.prescriber, report=report)
    report.refresh_from_db()
    assert report.status == GeneratedReport.Status.DONE and report.size > 0
    assert AuditEvent.objects.filter(action="report.retried").count() == 1


def test_the_status_partial_polls_until_the_report_is_finished(personas, ready, clock, client) -> None:
    r = ready()
    report = report_services.report_request(
        actor=personas.prescriber, kind="treatment_summary", patient=r.session.patient
    )
    client.force_login(personas.prescriber)
    url = f"/sessions/reports/{report.public_id}/status/"
    queued = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert 'data-status="queued"' in queued and f'hx-get="{url}"' in queued and "every 2s" in queued
    assert """hx-headers='{"X-KAP-Background": "poll"}'""" in queued  # not activity for the idle timeout
    report_render_task.delay(report.pk)
    done = client.get(url, HTTP_HX_REQUEST="true")
    body = done.content.decode()
    assert 'data-status="done"' in body and "hx-get" not in body and "Download PDF" in body
    assert done["HX-Trigger"] == "report-finished"
    page = client.get(f"/sessions/reports/{report.public_id}/").content.decode()
    assert 'data-testid="report-status"' in page


def test_a_report_requested_through_the_page_is_rendered_after_commit(
    personas, ready, clock, client, django_capture_on_commit_callbacks
) -> None:
    r = ready()
    client.force_login(personas.prescriber)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/sessions/reports/new/", {"kind": "session_note", "session": str(r.session.public_id)})
    report = GeneratedReport.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/sessions/reports/{report.public_id}/"
    assert report.status == GeneratedReport.Status.DONE and report.requested_by == personas.prescriber
    assert AuditEvent.objects.filter(action="report.requested", actor=personas.prescriber).count() == 1


def test_the_patient_reports_page_is_audited_and_shows_clinical_items_to_the_care_team_only(
    personas, ready, clock, client
) -> None:
    r = kit.finished_racemic_session(personas, ready, clock)
    url = f"/sessions/reports/patient/{r.session.patient.public_id}/"
    client.force_login(personas.nurse)
    page = client.get(url).content.decode()
    assert "Whole treatment" in page and 'data-testid="request-session-note"' in page
    assert AuditEvent.objects.filter(action="patient.reports_viewed", actor=personas.nurse).count() == 1
    client.force_login(personas.admin)  # demographics and consents, no clinical reports
    page = client.get(url).content.decode()
    assert "Whole treatment" not in page and "Signed consents" in page
    client.force_login(personas.outsider)
    assert client.get(url).status_code == 404


def test_the_sweep_renders_a_signed_consent_snapshot_whose_task_never_ran(personas) -> None:
    record = kit.signed_consent(personas.demo_patient, personas.admin)  # signed, no PDF (broker was down)
    assert not ConsentPdf.objects.filter(record=record).exists()
    assert report_services.consent_snapshots_catch_up() == 1
    assert ConsentPdf.objects.filter(record=record, stage="signed").count() == 1
    assert report_services.consent_snapshots_catch_up() == 0  # once
