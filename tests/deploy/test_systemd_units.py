"""The example systemd units (deploy/systemd) read with configparser, as systemd reads them."""

from __future__ import annotations

import configparser
from pathlib import Path

import pytest

UNITS = Path(__file__).resolve().parents[2] / "deploy" / "systemd"
# Stop timeouts as in docker-compose.yml's stop_grace_period (deploy/README.md's table).
STOP_SECONDS = {"kap-web.service": 40, "kap-worker.service": 330, "kap-beat.service": 30}


def _unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # systemd keys are case-sensitive
    parser.read_string((UNITS / name).read_text())
    return parser


@pytest.mark.parametrize("name", sorted(STOP_SECONDS))
def test_each_service_restarts_always_and_stops_gracefully(name: str) -> None:
    unit = _unit(name)
    service = unit["Service"]
    assert service["Restart"] == "always"
    assert int(service["RestartSec"]) > 0
    assert unit["Unit"]["StartLimitIntervalSec"] == "0"  # never give up restarting
    assert service["ExecStart"].startswith("/")
    assert service["KillSignal"] == "SIGTERM"
    assert int(service["TimeoutStopSec"]) == STOP_SECONDS[name]
    assert service["User"] == "kap"
    assert service["EnvironmentFile"]
    assert unit["Unit"]["PartOf"] == "kap.target"
    assert unit["Install"]["WantedBy"] == "kap.target"


def test_web_and_worker_send_sigterm_to_their_main_process_only() -> None:
    # The worker's pool children reset SIGTERM to its default: a TERM to the whole cgroup would kill the
    # tasks in flight instead of Celery's warm shutdown.
    for name in ("kap-web.service", "kap-worker.service"):
        assert _unit(name)["Service"]["KillMode"] == "mixed"
    assert "gunicorn -c deploy/gunicorn.conf.py" in _unit("kap-web.service")["Service"]["ExecStart"]


def test_the_target_pulls_in_all_three() -> None:
    wants = _unit("kap.target")["Unit"]["Wants"].split()
    assert sorted(wants) == sorted(STOP_SECONDS)
