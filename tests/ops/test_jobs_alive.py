"""manage.py jobs_alive: the exit code a container healthcheck reads (0 fresh, 1 stale or unknown)."""

from __future__ import annotations

import datetime as dt
import io
import socket

import pytest
from django.core.management import call_command

from kap_clinic.ops import services
from kap_clinic.ops.models import JobHeartbeat
from tests.ops.conftest import NOW

pytestmark = pytest.mark.django_db

S = dt.timedelta(seconds=1)


def alive(*args: str) -> tuple[int, str]:
    out = io.StringIO()
    try:
        call_command("jobs_alive", *args, stdout=out)
    except SystemExit as exit_:
        return int(exit_.code or 0), out.getvalue()
    return 0, out.getvalue()


@pytest.mark.parametrize("kind", ["worker", "beat", "sweep", "embedded"])
def test_a_process_never_seen_is_not_alive(kind, clock) -> None:
    clock()
    code, out = alive(kind)
    assert code == 1
    assert "never seen" in out and out.count("\n") == 1


@pytest.mark.parametrize("kind", [JobHeartbeat.BEAT, JobHeartbeat.EMBEDDED])
def test_beat_and_the_embedded_runner_are_alive_within_three_heartbeats(kind, clock, settings) -> None:
    settings.JOBS_HEARTBEAT_SECONDS = 30
    services.heartbeat_record(name=kind, now=NOW)
    clock(NOW + 90 * S)
    assert alive(kind) == (0, f"{kind}: seen 90 s ago (max 90 s): ok\n")
    clock(NOW + 91 * S)
    assert alive(kind) == (1, f"{kind}: seen 91 s ago (max 90 s): stale\n")
    assert alive(kind, "--max-age", "120")[0] == 0


def test_the_worker_check_reads_the_worker_of_this_host(clock, settings) -> None:
    settings.JOBS_HEARTBEAT_SECONDS = 30
    here = socket.gethostname()
    services.heartbeat_record(name="worker:celery@elsewhere", now=NOW, host="another-host")
    clock(NOW + 10 * S)
    assert alive("worker")[0] == 1  # a worker on another host says nothing about ours
    services.heartbeat_record(name=f"worker:celery@{here}", now=NOW, host=here)
    services.heartbeat_record(name=f"worker:reports@{here}", now=NOW - 100 * S, host=here)
    code, out = alive("worker")
    assert (code, out) == (0, f"worker:celery@{here}: seen 10 s ago (max 90 s): ok\n")


def test_the_sweep_check_reads_the_last_successful_sweep(clock, settings) -> None:
    settings.JOBS_LATE_AFTER_SECONDS = 180
    services.sweep_finished(ok=True, now=NOW)
    services.sweep_finished(ok=False, error="OperationalError", now=NOW + 150 * S)
    clock(NOW + 179 * S)
    assert alive("sweep")[0] == 0
    clock(NOW + 181 * S)
    assert alive("sweep")[0] == 1


def test_a_database_that_does_not_answer_is_not_alive(monkeypatch) -> None:
    from django.db.utils import OperationalError

    from kap_clinic.ops.management.commands import jobs_alive

    def down(*_: object, **__: object) -> None:
        raise OperationalError("connection refused")

    monkeypatch.setattr(jobs_alive, "liveness_age", down)
    assert alive("beat") == (1, "beat: unknown, database error OperationalError\n")


def test_an_unknown_kind_is_refused() -> None:
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("jobs_alive", "web")
