"""The liveness, metrics and log settings come from the environment; a malformed value stops start-up
naming the variable. A fresh interpreter for each case, as settings are read once at import."""

from __future__ import annotations

import pytest

from tests.test_settings import PRODUCTION, run

OURS = {
    "JOBS_SWEEP_EVERY_SECONDS": "",
    "JOBS_LATE_AFTER_SECONDS": "",
    "JOBS_DOWN_AFTER_SECONDS": "",
    "JOBS_HEARTBEAT_SECONDS": "",
    "METRICS_TOKEN": "",
    "METRICS_ALLOWED_NETWORKS": "",
    "LOG_FORMAT": "",
}
SHOW = (
    "import django; django.setup(); from django.conf import settings as s;"
    "print(s.JOBS_SWEEP_EVERY_SECONDS, s.JOBS_LATE_AFTER_SECONDS, s.JOBS_DOWN_AFTER_SECONDS, s.JOBS_HEARTBEAT_SECONDS);"
    "print(s.CELERY_BEAT_SCHEDULE['jobs-sweep']['schedule'].total_seconds(), s.CELERY_BEAT_SCHEDULER);"
    "print(','.join(s.METRICS_ALLOWED_NETWORKS), repr(s.METRICS_TOKEN));"
    "print(s.LOGGING['handlers']['console']['formatter'])"
)
LOCAL = {"DJANGO_SETTINGS_MODULE": "kap_clinic.settings.local"}


def settings_with(**env: str):  # noqa: ANN201
    unset = {k: v for k, v in OURS.items() if k not in env}
    # An empty value is not "unset" for every reader: drop the variables instead of blanking them.
    result = run("-c", f"import os; [os.environ.pop(k, None) for k in {list(unset)!r}]; " + SHOW, **LOCAL, **env)
    return result


def test_the_defaults() -> None:
    result = settings_with()
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "60 180 600 30",
        "60.0 kap_clinic.ops.beat:RecordingScheduler",
        "127.0.0.0/8,::1/128 ''",
        "plain",
    ]


def test_a_fault_drill_runs_the_jobs_in_seconds_with_json_logs() -> None:
    result = settings_with(
        JOBS_SWEEP_EVERY_SECONDS="2",
        JOBS_LATE_AFTER_SECONDS="6",
        JOBS_DOWN_AFTER_SECONDS="15",
        JOBS_HEARTBEAT_SECONDS="1",
        METRICS_ALLOWED_NETWORKS="10.0.0.0/8, 192.168.1.7",
        LOG_FORMAT="json",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "2 6 15 1",
        "2.0 kap_clinic.ops.beat:RecordingScheduler",
        "10.0.0.0/8,192.168.1.7/32 ''",
        "json",
    ]


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("JOBS_LATE_AFTER_SECONDS", "three minutes"),
        ("JOBS_HEARTBEAT_SECONDS", "0"),
        ("JOBS_DOWN_AFTER_SECONDS", "60"),  # not after "late"
        ("METRICS_ALLOWED_NETWORKS", "10.0.0.0/33"),
        ("LOG_FORMAT", "xml"),
    ],
)
def test_a_malformed_value_stops_start_up_naming_the_variable(variable: str, value: str) -> None:
    result = settings_with(**{variable: value})
    assert result.returncode != 0
    assert variable in result.stderr


def test_production_refuses_a_short_metrics_token_and_probes_are_not_redirected_to_https() -> None:
    script = "import django; django.setup(); from django.conf import settings as s; print(s.SECURE_REDIRECT_EXEMPT)"
    result = run("-c", script, **PRODUCTION, METRICS_TOKEN="short")
    assert result.returncode != 0 and "METRICS_TOKEN" in result.stderr
    result = run("-c", script, **PRODUCTION, METRICS_TOKEN="m" * 40)
    assert result.returncode == 0, result.stderr
    assert "healthz/jobs" in result.stdout and "metrics" in result.stdout
