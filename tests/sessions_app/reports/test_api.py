"""The reports API: the same rules as the pages, JSON errors naming the field."""

from __future__ import annotations

import pytest

from kap_clinic.audit.models import AuditEvent
from sessions_app.reports.models import GeneratedReport

pytestmark = pytest.mark.django_db


def test_a_report_is_asked_for_polled_and_downloaded_through_the_api(
    personas, ready, clock, api_for, django_capture_on_commit_callbacks
) -> None:
    r = ready()
    api = api_for(personas.prescriber)
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(
            "/api/v1/reports/",
            {"kind": "treatment_summary", "patient": str(r.session.patient.public_id)},
            format="json",
        )
    assert response.status_code == 202
    job = response.json()
    assert job["kind"] == "treatment_summary" and job["status"] == "queued" and job["download_url"] is None
    polled = api.get(f"/api/v1/reports/{job['id']}/").json()
    assert polled["status"] == "done" and polled["size"] > 0
    assert polled["download_url"] == f"/api/v1/reports/{job['id']}/download/"
    pdf = api.get(polled["download_url"])
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    assert AuditEvent.objects.filter(action="report.downloaded", actor=personas.prescriber).count() == 1
    listed = api.get("/api/v1/reports/").json()
    assert [row["id"] for row in listed["results"]] == [job["id"]]


def test_bad_input_names_the_field(personas, api_for) -> None:
    api = api_for(personas.admin)
    response = api.post("/api/v1/reports/", {"kind": "horoscope"}, format="json")
    assert response.status_code == 400 and response.json()["error"]["field"] == "kind"
    response = api.post(
        "/api/v1/reports/", {"kind": "operations", "start": "2026-03-10", "end": "2026-03-01"}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["error"] == {
        "code": "validation_failed",
        "message": "The period must end on or after its first day.",
        "field": "end",
    }
    response = api.post("/api/v1/reports/", {"kind": "session_note"}, format="json")
    assert response.status_code == 400 and response.json()["error"]["field"] == "session"


def test_downloading_a_report_that_is_not_done_is_a_conflict(personas, ready, clock, api_for) -> None:
    r = ready()
    api = api_for(personas.prescriber)
    job = api.post(
        "/api/v1/reports/", {"kind": "treatment_summary", "patient": str(r.session.patient.public_id)}, format="json"
    ).json()
    response = api.get(f"/api/v1/reports/{job['id']}/download/")
    assert response.status_code == 409 and response.json()["error"]["field"] == "status"


def test_someone_elses_report_is_a_404(personas, ready, clock, api_for) -> None:
    r = ready()
    job = (
        api_for(personas.prescriber)
        .post(
            "/api/v1/reports/",
            {"kind": "treatment_summary", "patient": str(r.session.patient.public_id)},
            format="json",
        )
        .json()
    )
    assert api_for(personas.outsider).get(f"/api/v1/reports/{job['id']}/").status_code == 404
    assert api_for(personas.admin).get(f"/api/v1/reports/{job['id']}/").status_code == 404
    assert GeneratedReport.objects.count() == 1
