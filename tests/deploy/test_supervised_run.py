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
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import xmlrpc.client
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone
from supervisor.options import ServerOptions
from supervisor.xmlrpc import SupervisorTransport

from kap_clinic.celery import app
from sessions_app.reports.models import GeneratedReport
from sessions_app.reports.services import report_request
from tests.workers import worker_env

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / "deploy" / "supervisor" / "run.conf"


def _run_env(run_dir: str, *, web: bool, celery: bool) -> dict[str, str]:
    return {
        "KAP_RUN_DIR": run_dir,
        "KAP_PYTHON": sys.executable,
        "KAP_WEB_ADDR": "127.0.0.1:8000",
        "KAP_RUN_WEB": str(web).lower(),
        "KAP_RUN_CELERY": str(celery).lower(),
        "KAP_RUN_EMBEDDED": str(not celery).lower(),
    }


def _programs(monkeypatch, tmp_path, **mode: bool) -> dict:
    for name, value in _run_env(str(tmp_path), **mode).items():
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


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _listening(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture
def own_redis_url(tmp_path) -> Iterator[str]:
    exe = shutil.which("redis-server")
    if not settings.REDIS_URL or connection.vendor != "postgresql" or exe is None:
        pytest.skip("needs REDIS_URL, PostgreSQL and redis-server (CI's services run)")
    port = _free_port()
    proc = subprocess.Popen(  # noqa: S603 - fixed arguments
        [exe, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", str(tmp_path)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    _until(lambda: _listening(port), 20, "redis-server did not start")
    yield f"redis://127.0.0.1:{port}/0"
    proc.terminate()
    proc.wait(timeout=20)


class Supervised:
    """A supervisord running run.conf in the foreground, and its XML-RPC interface (what supervisorctl uses)."""

    def __init__(self, env: dict[str, str], run_dir: str) -> None:
        self.log = Path(run_dir) / "supervisord.out"
        with self.log.open("wb") as out:
            self.proc = subprocess.Popen(  # noqa: S603 - fixed arguments
                [sys.executable, "-m", "supervisor.supervisord", "-n", "-c", str(CONFIG)],
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        self.serverurl = f"unix://{run_dir}/supervisor.sock"

    def rpc(self) -> xmlrpc.client.ServerProxy:
        # A connection per question: the transport keeps one open, and a failed request spoils it.
        transport = SupervisorTransport(serverurl=self.serverurl)
        return xmlrpc.client.ServerProxy("http://127.0.0.1", transport=transport).supervisor

    def info(self, name: str) -> dict:
        try:
            return self.rpc().getProcessInfo(name)
        except (OSError, xmlrpc.client.Fault):  # socket not there yet, or supervisord still starting
            return {"statename": "UNKNOWN", "pid": 0}

    def running(self, name: str) -> bool:
        return self.info(name)["statename"] == "RUNNING"

    def stop(self) -> None:
        """SIGTERM, as Ctrl-C would: supervisord stops its programs and exits; SIGKILL only if it hangs."""
        if self.proc.poll() is not None:
            return
        groups = [self.info(name)["pid"] for name in ("web", "worker", "beat", "jobs")]
        self.proc.terminate()
        try:
            self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)
            for pgid in groups:  # its programs would outlive it: each runs in a process group of its own
                if pgid and _live_processes_in_group(pgid):
                    os.killpg(pgid, signal.SIGKILL)

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-6000:]


@pytest.fixture
def supervised(own_redis_url) -> Iterator[Supervised]:
    # A short folder of its own: a unix socket's path is limited to about 100 characters.
    run_dir = tempfile.mkdtemp(prefix="kap-sv-")
    env = worker_env(REDIS_URL=own_redis_url, DJANGO_MEDIA_ROOT=str(settings.MEDIA_ROOT))
    env.update(_run_env(run_dir, web=False, celery=True))
    running = Supervised(env, run_dir)
    yield running
    running.stop()
    shutil.rmtree(run_dir, ignore_errors=True)


def _until(predicate, seconds: float, message: object) -> None:  # noqa: ANN001
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError(message() if callable(message) else message)


def _live_processes_in_group(pgid: int) -> list[int]:
    """Processes of a process group that still run (a zombie waiting for its parent does not count)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # the process ended while we looked
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            found.append(int(stat.parent.name))
    return found


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_a_killed_worker_is_started_again_and_sigterm_stops_everything(supervised) -> None:
    _until(lambda: supervised.running("worker") and supervised.running("beat"), 60, supervised.output)
    killed = supervised.info("worker")["pid"]
    beat = supervised.info("beat")["pid"]

    os.kill(killed, signal.SIGKILL)
    _until(lambda: supervised.running("worker") and supervised.info("worker")["pid"] != killed, 20, supervised.output)
    restarted = supervised.info("worker")["pid"]
    assert supervised.info("beat")["pid"] == beat  # only the process that died was started again
    assert "exited: worker (terminated by SIGKILL; not expected)" in supervised.output()

    supervised.proc.send_signal(signal.SIGTERM)
    assert supervised.proc.wait(timeout=60) == 0, supervised.output()
    # Each program runs in its own process group: every group is empty (the killed worker's pool too).
    _until(
        lambda: not any(_live_processes_in_group(pgid) for pgid in (killed, restarted, beat)),
        15,
        lambda: f"still running: {[_live_processes_in_group(g) for g in (killed, restarted, beat)]}",
    )
    assert "Warm shutdown" in supervised.output()


@pytest.fixture
def publishing_to(own_redis_url) -> Iterator[None]:
    """This test process hands tasks to the test's own Redis, as the web server does in production."""
    saved = (app.conf.task_always_eager, app.conf.broker_url, app.conf.result_backend)
    _forget_connections()
    app.conf.task_always_eager = False
    app.conf.broker_url = app.conf.result_backend = own_redis_url
    yield
    app.conf.task_always_eager, app.conf.broker_url, app.conf.result_backend = saved
    _forget_connections()


def _forget_connections() -> None:
    # Celery caches the broker pools and (per thread) the result backend; drop them so the next use
    # connects to the URLs configured now.
    app._pool = None
    app.amqp._producer_pool = None
    app._local.__dict__.pop("backend", None)


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_stopping_the_worker_lets_the_render_in_hand_finish_and_loses_no_queued_one(
    supervised, publishing_to, personas
) -> None:
    _until(lambda: supervised.running("worker"), 60, supervised.output)
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

    _until(rendering, 60, supervised.output)
    stop_sent = timezone.now()
    assert supervised.rpc().stopProcess("worker", True)  # `supervisorctl stop worker`: SIGTERM, wait until it exits

    assert "Warm shutdown" in supervised.output()
    assert not rows.filter(status="running").exists(), "a render was cut off by the stop"
    caught = GeneratedReport.objects.get(pk=in_hand[0])
    assert caught.status == "done" and caught.attempts == 1
    assert caught.finished_at > stop_sent, "the render finished before the stop: nothing was in flight"

    # The jobs the stopped worker had not started went back to Redis; the next worker renders them.
    assert supervised.rpc().startProcess("worker", True)
    _until(lambda: not rows.exclude(status="done").exists(), 90, supervised.output)
    assert sorted(rows.values_list("attempts", flat=True)) == [1] * len(reports)
