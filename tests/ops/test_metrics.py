"""/metrics: only for the token or an allowed address; request latency by view, queue depth and age,
job state and outcomes, audit seal status, all readable by Prometheus's text parser."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from kap_clinic.common.tasks import ping_task
from kap_clinic.ops import services
from tests.ops.conftest import NOW

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent.parent
OUTSIDE = "203.0.113.7"  # TEST-NET-3: never one of ours
TOKEN = "a-metrics-token-for-tests-0123456789"


def samples(text: str) -> dict[tuple[str, tuple], float]:
    """{(sample name, sorted labels): value} from the exposition text."""
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def scrape(client, **extra: str):  # noqa: ANN001, ANN201
    return client.get("/metrics", **extra)


@pytest.mark.parametrize(
    "extra",
    [
        {"REMOTE_ADDR": OUTSIDE},
        {"REMOTE_ADDR": OUTSIDE, "HTTP_AUTHORIZATION": "Bearer wrong-token"},
        {"REMOTE_ADDR": OUTSIDE, "HTTP_AUTHORIZATION": f"Basic {TOKEN}"},
        {"REMOTE_ADDR": OUTSIDE, "HTTP_AUTHORIZATION": f"Bearer {TOKEN}x"},
        # Relayed by a proxy nobody declared (TRUSTED_PROXY_HOPS 0): every client would look local.
        {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": OUTSIDE},
    ],
    ids=["outside", "wrong-token", "not-bearer", "longer-token", "undeclared-proxy"],
)
def test_anyone_without_the_token_or_an_allowed_address_is_refused(client, settings, extra) -> None:
    settings.METRICS_TOKEN = TOKEN
    response = scrape(client, **extra)
    assert response.status_code == 403
    assert b"kap_" not in response.content


def test_no_token_configured_means_no_token_works(client, settings) -> None:
    settings.METRICS_TOKEN = ""
    assert scrape(client, REMOTE_ADDR=OUTSIDE, HTTP_AUTHORIZATION="Bearer ").status_code == 403


def test_the_token_is_let_in_from_anywhere(client, settings) -> None:
    settings.METRICS_TOKEN = TOKEN
    response = scrape(client, REMOTE_ADDR=OUTSIDE, HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=")
    assert "no-store" in response["Cache-Control"]


def test_loopback_is_allowed_by_default_and_the_networks_are_settings(client, settings) -> None:
    assert scrape(client, REMOTE_ADDR="127.0.0.1").status_code == 200
    assert scrape(client, REMOTE_ADDR="::1").status_code == 200
    assert scrape(client, REMOTE_ADDR="10.1.2.3").status_code == 403
    settings.METRICS_ALLOWED_NETWORKS = ["10.0.0.0/8"]
    assert scrape(client, REMOTE_ADDR="10.1.2.3").status_code == 200
    assert scrape(client, REMOTE_ADDR="127.0.0.1").status_code == 403


def test_behind_our_proxy_the_client_it_relays_must_be_allowed_too(client, settings) -> None:
    settings.TRUSTED_PROXY_HOPS = 1
    settings.METRICS_ALLOWED_NETWORKS = ["10.0.0.0/8"]
    proxy = "10.0.0.2"
    assert scrape(client, REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR=OUTSIDE).status_code == 403
    assert scrape(client, REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR="10.9.9.9").status_code == 200
    # Straight to the app with a made-up header: the connection itself is outside.
    assert scrape(client, REMOTE_ADDR=OUTSIDE, HTTP_X_FORWARDED_FOR="10.9.9.9").status_code == 403


def test_queue_depth_and_oldest_age_are_read_from_the_metrics(client, waiting, clock) -> None:
    clock()
    waiting.reminders(NOW - dt.timedelta(minutes=7), NOW - dt.timedelta(minutes=1))
    waiting.reports(NOW - dt.timedelta(seconds=40))
    found = samples(scrape(client).content.decode())
    assert found[("kap_reminders_waiting", ())] == 2
    assert found[("kap_reminders_oldest_age_seconds", ())] == 420
    assert found[("kap_reports_waiting", ())] == 1
    assert found[("kap_reports_oldest_age_seconds", ())] == 40


def test_jobs_state_heartbeats_and_task_outcomes(client, clock) -> None:
    clock()
    services.sweep_finished(ok=True, now=NOW - dt.timedelta(minutes=4))
    services.heartbeat_record(name="worker:celery@w1", now=NOW - dt.timedelta(seconds=20))
    ping_task.delay(1)
    ping_task.delay(2)
    found = samples(scrape(client).content.decode())
    assert found[("kap_jobs_state", ())] == 1  # late
    assert found[("kap_jobs_sweep_age_seconds", ())] == 240
    assert found[("kap_jobs_heartbeat_age_seconds", (("name", "worker:celery@w1"),))] == 20
    ping = "kap_clinic.common.tasks.ping_task"
    assert found[("kap_job_runs_total", (("outcome", "ok"), ("task", ping)))] == 2
    assert found[("kap_job_runs_total", (("outcome", "failed"), ("task", ping)))] == 0
    assert found[("kap_job_duration_seconds_count", (("task", ping),))] == 2
    assert ("kap_job_duration_seconds_sum", (("task", ping),)) in found


def test_request_latency_is_counted_by_view_name(client) -> None:
    before = samples(scrape(client).content.decode())
    key = ("kap_http_request_duration_seconds_count", (("method", "GET"), ("status", "2xx"), ("view", "healthz")))
    client.get("/healthz")
    client.get("/healthz")
    client.get("/no/such/page/for/metrics")
    after = samples(scrape(client).content.decode())
    assert after[key] - before.get(key, 0) == 2
    unresolved = (
        "kap_http_request_duration_seconds_count",
        (("method", "GET"), ("status", "4xx"), ("view", "<unresolved>")),
    )
    assert after[unresolved] - before.get(unresolved, 0) == 1
    assert not any("no/such" in str(labels) for _, labels in after)


def test_the_audit_seal_status_is_there(client, clock) -> None:
    from kap_clinic.audit.integrity import audit_seal
    from kap_clinic.audit.tasks import audit_verify_task

    clock(NOW - dt.timedelta(minutes=30))
    found = samples(scrape(client).content.decode())
    assert found[("kap_audit_trail_intact", ())] == -1  # never checked
    audit_verify_task.delay()  # the nightly check, half an hour ago; its result is an audit event
    clock(NOW)
    assert audit_seal() is not None  # the five-minute seal takes the events older than ten minutes
    clock(NOW + dt.timedelta(minutes=1))
    found = samples(scrape(client).content.decode())
    assert found[("kap_audit_trail_intact", ())] == 1
    assert found[("kap_audit_last_check_age_seconds", ())] == 31 * 60
    assert found[("kap_audit_last_seal_age_seconds", ())] == 60
    assert found[("kap_audit_oldest_unsealed_age_seconds", ())] == 0


def test_with_a_multiprocess_folder_every_process_adds_up(client, tmp_path, monkeypatch) -> None:
    """gunicorn's workers each write their own file; a scrape reads them all."""
    script = (
        "import django; django.setup();"
        "from kap_clinic.ops.metrics import observe_request;"
        "observe_request(view='patients:list', method='GET', status=200, seconds=0.2)"
    )
    env = {
        **os.environ,
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "kap_clinic.settings.test",
    }
    for _ in range(2):
        subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, check=True, timeout=120)  # noqa: S603
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    found = samples(scrape(client).content.decode())
    key = ("kap_http_request_duration_seconds_count", (("method", "GET"), ("status", "2xx"), ("view", "patients:list")))
    assert found[key] == 2
    assert ("kap_jobs_state", ()) in found  # the database's figures are there in this mode too
