"""`make run` under supervisord (deploy/supervisor/run.conf): the config as supervisord reads it, and, on
CI's services run, a real supervisord: its worker killed comes back and SIGTERM stops everything; its
worker stopped mid-render finishes the render and loses none of the queued ones.

The services tests start their own redis-server on a free port (the shared one is never touched) and
point the worker and beat at this test's PostgreSQL database; they run when REDIS_URL and a PostgreSQL
DATABASE_URL are set and redis-server is installed, and are skipped in embedded mode.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone
from supervisor.options import ServerOptions

from sessions_app.reports.models import GeneratedReport
from sessions_app.reports.services import report_request
from tests.workers import Supervised, live_processes_in_group, until, worker_env

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / "deploy" / "supervisor" / "run.conf"


def _programs(monkeypatch, tmp_path, **mode: bool) -> dict:
    for name, value in Supervised.run_env(str(tmp_path), **mode).items():
        monkeypatch.setenv(name, value)
    options = ServerOptions()
    options.realize(args=["-c", str(CONFIG)])
    assert options.nodaemon  # foreground: Ctrl-C reaches it
    return {p.name: p for group in options.process_group_configs for p in group.process_configs}


def test_with_redis_the_worker_and_beat_start_and_every_program_restarts_when_it_exits(monkeypatch, tmp_path) -> None:
    programs = _programs(monkeypatch, tmp_path, web=True, celery=True)
    assert {name for name, p in programs.items() if p.autostart} == {"web", "worker", "beat"}
    for program in programs.values():
        assert program.autorestart is not False, program.name
        assert program.startsecs > 0
        assert program.stopsignal == signal.SIGTERM
        assert program.killasgroup  # nothing outlives a kill
        assert Path(program.directory).resolve() == ROOT
        assert program.command.startswith(sys.executable)
    # Warm shutdown: SIGTERM to Celery's main process only, up to the hard task time limit.
    assert programs["worker"].stopasgroup is False
    assert programs["worker"].stopwaitsecs > 300
    assert programs["web"].stopasgroup  # runserver's reloader and its child
    assert "-A kap_clinic worker" in programs["worker"].command
    assert f"--schedule={tmp_path}/celerybeat-schedule" in programs["beat"].command


def test_embedded_mode_runs_the_embedded_job_loop_instead(monkeypatch, tmp_path) -> None:
    programs = _programs(monkeypatch, tmp_path, web=True, celery=False)
    assert {name for name, p in programs.items() if p.autostart} == {"web", "jobs"}
    assert programs["jobs"].command.endswith("manage.py run_embedded_jobs")


# --- a real supervisord (services mode) ------------------------------------------------------


@pytest.fixture
def supervised(own_redis) -> Iterator[Supervised]:
    running = Supervised(worker_env(REDIS_URL=own_redis.url, DJANGO_MEDIA_ROOT=str(settings.MEDIA_ROOT)))
    yield running
    running.stop()


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_a_killed_worker_is_started_again_and_sigterm_stops_everything(supervised) -> None:
    until(lambda: supervised.running("worker") and supervised.running("beat"), 60, supervised.output)
    killed = supervised.info("worker")["pid"]
    beat = supervised.info("beat")["pid"]

    os.kill(killed, signal.SIGKILL)
    until(lambda: supervised.running("worker") and supervised.info("worker")["pid"] != killed, 20, supervised.output)
    restarted = supervised.info("worker")["pid"]
    assert supervised.info("beat")["pid"] == beat  # only the process that died was started again
    assert "exited: worker (terminated by SIGKILL; not expected)" in supervised.output()

    supervised.proc.send_signal(signal.SIGTERM)
    assert supervised.proc.wait(timeout=60) == 0, supervised.output()
    # Each program runs in its own process group: every group is empty (the killed worker's pool too).
    until(
        lambda: not any(live_processes_in_group(pgid) for pgid in (killed, restarted, beat)),
        15,
        lambda: f"still running: {[live_processes_in_group(g) for g in (killed, restarted, beat)]}",
    )
    assert "Warm shutdown" in supervised.output()


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_stopping_the_worker_lets_the_render_in_hand_finish_and_loses_no_queued_one(supervised, personas) -> None:
    until(lambda: supervised.running("worker"), 60, supervised.output)
    first = dt.date(2026, 1, 5)
    reports = [
        report_request(
            actor=personas.admin,
            kind="operations",
            start=first + dt.timedelta(weeks=week),
            end=first + dt.timedelta(weeks=week, days=6),
        )
        for week in range(6)
    ]
    rows = GeneratedReport.objects.filter(pk__in=[r.pk for r in reports])
    in_hand: list[int] = []

    def rendering() -> bool:
        in_hand[:] = rows.filter(status="running").values_list("pk", flat=True)
        return bool(in_hand)

    until(rendering, 60, supervised.output)
    stop_sent = timezone.now()
    assert supervised.rpc().stopProcess("worker", True)  # `supervisorctl stop worker`: SIGTERM, wait until it exits

    assert "Warm shutdown" in supervised.output()
    assert not rows.filter(status="running").exists(), "a render was cut off by the stop"
    caught = GeneratedReport.objects.get(pk=in_hand[0])
    assert caught.status == "done" and caught.attempts == 1
    assert caught.finished_at > stop_sent, "the render finished before the stop: nothing was in flight"

    # The jobs the stopped worker had not started went back to Redis; the next worker renders them.
    assert supervised.rpc().startProcess("worker", True)
    until(lambda: not rows.exclude(status="done").exists(), 90, supervised.output)
    assert sorted(rows.values_list("attempts", flat=True)) == [1] * len(reports)
