"""docker-compose.yml read as data: every service comes back by itself and says whether it works."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def services() -> dict[str, dict]:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]


def _probe(service: dict) -> str:
    test = service["healthcheck"]["test"]
    assert isinstance(test, list) and test[0] in ("CMD", "CMD-SHELL"), test
    return " ".join(test[1:])


def test_every_service_restarts_by_itself_and_has_a_healthcheck(services) -> None:
    assert {"db", "redis", "mailpit", "web", "worker", "beat"} <= set(services)
    for name, service in services.items():
        assert service.get("restart") in ("unless-stopped", "always"), name
        assert _probe(service).strip(), name


def test_web_is_probed_through_healthz_and_stops_gracefully(services) -> None:
    web = services["web"]
    assert "/healthz" in _probe(web)
    assert "gunicorn -c deploy/gunicorn.conf.py" in " ".join(web["command"])
    # gunicorn must replace the shell, or SIGTERM stops at a PID 1 shell that ignores it.
    assert "exec gunicorn" in " ".join(web["command"])
    assert web["stop_signal"] == "SIGTERM"
    assert _seconds(web["stop_grace_period"]) > 30  # gunicorn's graceful_timeout


def test_worker_and_beat_are_probed_by_their_own_liveness_rows(services) -> None:
    assert "manage.py jobs_alive worker --max-age" in _probe(services["worker"])
    assert "manage.py jobs_alive beat --max-age" in _probe(services["beat"])
    for name in ("worker", "beat"):
        assert services[name]["command"][0] == "celery", "exec form: celery is PID 1 and gets SIGTERM itself"
        assert services[name]["stop_signal"] == "SIGTERM"
    assert _seconds(services["worker"]["stop_grace_period"]) > 300  # the hard task time limit


@pytest.mark.skipif(shutil.which("sh") is None, reason="needs a POSIX shell")
def test_the_liveness_probes_max_age_is_three_beats_in_the_containers_shell(services) -> None:
    # Compose turns $$ into $; the container's sh does the arithmetic from its own environment.
    # The fallbacks are the settings' defaults: a heartbeat every 30 s, a sweep every 60 s.
    for name, variable, default_age in (
        ("worker", "JOBS_HEARTBEAT_SECONDS", settings.JOBS_HEARTBEAT_SECONDS * 3),
        ("beat", "JOBS_SWEEP_EVERY_SECONDS", settings.JOBS_SWEEP_EVERY_SECONDS * 3),
    ):
        command = _probe(services[name]).replace("$$", "$").replace("python manage.py", "echo")
        default = subprocess.run(["sh", "-c", command], capture_output=True, text=True, env={}, check=True)  # noqa: S603, S607
        assert default.stdout.split() == ["jobs_alive", name, "--max-age", str(default_age)]
        raised = subprocess.run(  # noqa: S603
            ["sh", "-c", command],  # noqa: S607
            capture_output=True,
            text=True,
            env={variable: "20"},
            check=True,
        )
        assert raised.stdout.split()[-1] == "60"


def test_the_image_runs_gunicorn_with_the_shared_config_as_pid_1() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert 'CMD ["gunicorn", "-c", "deploy/gunicorn.conf.py", "kap_clinic.wsgi:application"]' in dockerfile


def _seconds(value: str | int) -> int:
    text = str(value)
    if text.endswith("m"):
        return int(text[:-1]) * 60
    return int(text.rstrip("s"))
