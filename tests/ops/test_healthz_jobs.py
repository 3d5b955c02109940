"""/healthz/jobs: ok, late and down for monitoring (503 when down), without a login or patient data.

Embedded mode here (``run_embedded_jobs --once`` records itself and its sweep); the services mode,
with a real worker and beat, is in test_services_liveness.py.
"""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command

from kap_clinic.ops.models import JobHeartbeat, JobStat
from tests.ops.conftest import NOW

pytestmark = pytest.mark.django_db

SWEEP_TASK = "sessions_app.tasks.jobs_sweep_task"


@pytest.fixture
def embedded(settings):  # noqa: ANN001, ANN201
    settings.REDIS_URL, settings.EMBEDDED_JOBS = "", True
    return settings


def run_embedded_once() -> str:
    out = io.StringIO()
    call_command("run_embedded_jobs", "--once", stdout=out)
    return out.getvalue()


def test_the_embedded_runner_records_itself_and_its_sweep_and_the_jobs_are_ok(client, embedded, clock) -> None:
    clock()
    run_embedded_once()
    response = client.get("/healthz/jobs")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["jobs"] == "ok"
    assert body["mode"] == "embedded"
    assert body["since"] == "2026-06-10T14:00:00Z"
    assert body["sweep_age_seconds"] == 0
    assert body["embedded"]["age_seconds"] == 0
    assert body["reminders"] == {"waiting": 0, "oldest_age_seconds": 0}
    assert body["reports"] == {"queued": 0, "oldest_age_seconds": 0}
    stat = JobStat.objects.get(task_name=SWEEP_TASK)
    assert (stat.ok_count, stat.failed_count) == (1, 0)


def test_the_embedded_jobs_go_late_then_down_and_down_answers_503(client, embedded, clock) -> None:
    clock()
    run_embedded_once()
    clock(NOW + dt.timedelta(minutes=3))
    response = client.get("/healthz/jobs")
    assert (response.status_code, response.json()["jobs"]) == (200, "late")
    assert response.json()["sweep_age_seconds"] == 180
    clock(NOW + dt.timedelta(minutes=10))
    response = client.get("/healthz/jobs")
    assert (response.status_code, response.json()["jobs"]) == (503, "down")
    clock(NOW + dt.timedelta(minutes=11))
    run_embedded_once()  # the runner is back
    assert client.get("/healthz/jobs").json()["jobs"] == "ok"


def test_a_failing_sweep_is_recorded_by_its_error_class_only(client, embedded, clock, monkeypatch, personas) -> None:
    from sessions_app.reminders.services import delivery

    def broken(**_: object) -> dict:
        raise RuntimeError(f"could not reach {personas.demo_patient.legal_last_name}")

    monkeypatch.setattr(delivery, "reminders_send_due", broken)
    clock()
    run_embedded_once()
    sweep = JobHeartbeat.objects.get(name=JobHeartbeat.SWEEP)
    assert sweep.last_ok_at is None and sweep.last_finished_at == NOW
    assert sweep.last_error == "RuntimeError"
    assert JobStat.objects.get(task_name=SWEEP_TASK).failed_count == 1
    body = client.get("/healthz/jobs").json()
    assert body["sweep"]["last_error"] == "RuntimeError"
    assert body["jobs"] == "ok"  # the runner started just now: the grace before a first sweep
    clock(NOW + dt.timedelta(minutes=4))
    assert client.get("/healthz/jobs").json()["jobs"] == "late"


def test_with_nothing_ever_run_the_jobs_are_down(client) -> None:
    response = client.get("/healthz/jobs")
    assert response.status_code == 503
    assert response.json()["jobs"] == "down"
    assert response.json()["since"] is None


def test_it_needs_no_login_is_never_cached_and_holds_no_patient_data(client, waiting, clock, personas) -> None:
    clock()
    waiting.reminders(NOW - dt.timedelta(minutes=20))
    waiting.reports(NOW - dt.timedelta(minutes=5))
    response = client.get("/healthz/jobs")
    assert response.status_code == 503  # no sweep ever: the reminders wait
    assert "no-cache" in response["Cache-Control"] and "no-store" in response["Cache-Control"]
    body = response.json()
    assert body["reminders"] == {"waiting": 1, "oldest_age_seconds": 1200}
    assert body["reports"] == {"queued": 1, "oldest_age_seconds": 300}
    text = response.content.decode()
    patient = personas.demo_patient
    for detail in (
        patient.legal_first_name,
        patient.legal_last_name,
        patient.email,
        patient.mrn,
        str(patient.public_id),
    ):
        assert detail and detail not in text


def test_it_answers_head_and_refuses_writes(client) -> None:
    assert client.head("/healthz/jobs").status_code == 503
    assert client.post("/healthz/jobs").status_code == 405


def test_a_database_that_does_not_answer_is_503_without_detail(client, monkeypatch) -> None:
    from django.db.utils import OperationalError

    from kap_clinic.ops import views

    def down(*_: object, **__: object) -> dict:
        raise OperationalError("could not connect to server at 10.0.0.5")

    monkeypatch.setattr(views, "jobs_status", down)
    response = client.get("/healthz/jobs")
    assert response.status_code == 503
    assert response.json() == {"jobs": "unknown", "error": "database: OperationalError"}
