"""Real Celery worker processes for the tests that need one (CI's PostgreSQL + Redis run)."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import xmlrpc.client
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent


def worker_env(**extra: str) -> dict[str, str]:
    """The environment of a worker on this test process's databases.

    The test database's name (``test_kap_ci``, or ``test_kap_ci_gw1`` under pytest-xdist), not the
    configured one, and this process's Redis database (settings/test.py gives each xdist worker its own),
    not the REDIS_URL the run was started with. ``extra`` overrides either (a test's own Redis server).
    """
    db = settings.DATABASES["default"]
    url = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{connection.settings_dict['NAME']}"
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "kap_clinic.settings.local",
        "DATABASE_URL": url,
        "REDIS_URL": settings.REDIS_URL,
        **extra,
    }


def start_worker(env: dict[str, str]) -> subprocess.Popen:
    """One solo-pool worker, quiet and without cluster chatter, its output kept for failure messages."""
    return subprocess.Popen(  # noqa: S603 - fixed arguments
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "kap_clinic",
            "worker",
            "--pool=solo",
            "--loglevel=WARNING",
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


def stop_worker(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


class Supervised:
    """supervisord running the project's deploy/supervisor/run.conf in the foreground, as `make run` does,
    in a short folder of its own (a unix socket's path is limited to about 100 characters), with its
    XML-RPC interface (what supervisorctl uses) and its output kept in a file for failure messages."""

    CONFIG = ROOT / "deploy" / "supervisor" / "run.conf"
    PROGRAMS = ("web", "worker", "beat", "jobs")

    def __init__(self, env: dict[str, str], *, web: bool = False, celery: bool = True) -> None:
        self.run_dir = tempfile.mkdtemp(prefix="kap-sv-")
        self.env = {**env, **self.run_env(self.run_dir, web=web, celery=celery)}
        self.log = Path(self.run_dir) / "supervisord.out"
        with self.log.open("wb") as out:
            self.proc = subprocess.Popen(  # noqa: S603 - fixed arguments
                [sys.executable, "-m", "supervisor.supervisord", "-n", "-c", str(self.CONFIG)],
                cwd=ROOT,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        self.serverurl = f"unix://{self.run_dir}/supervisor.sock"

    @staticmethod
    def run_env(run_dir: str, *, web: bool, celery: bool) -> dict[str, str]:
        """The variables run.conf reads (the Makefile sets them for `make run`)."""
        return {
            "KAP_RUN_DIR": run_dir,
            "KAP_PYTHON": sys.executable,
            "KAP_WEB_ADDR": "127.0.0.1:8000",
            "KAP_RUN_WEB": str(web).lower(),
            "KAP_RUN_CELERY": str(celery).lower(),
            "KAP_RUN_EMBEDDED": str(not celery).lower(),
        }

    def rpc(self) -> xmlrpc.client.ServerProxy:
        from supervisor.xmlrpc import SupervisorTransport

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

    def pid(self, name: str) -> int:
        return self.info(name)["pid"]

    def wait_running(self, *names: str, seconds: float = 60) -> None:
        until(lambda: all(self.running(n) for n in names), seconds, self.output)

    def stop(self) -> None:
        """SIGTERM, as Ctrl-C would: supervisord stops its programs and exits; SIGKILL only if it hangs."""
        if self.proc.poll() is None:
            groups = [self.info(name)["pid"] for name in self.PROGRAMS]
            self.proc.terminate()
            try:
                self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
                for pgid in groups:  # its programs would outlive it: each runs in a process group of its own
                    if pgid and live_processes_in_group(pgid):
                        os.killpg(pgid, signal.SIGKILL)
        shutil.rmtree(self.run_dir, ignore_errors=True)

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-6000:] if self.log.exists() else ""


def until(predicate: Callable[[], bool], seconds: float, message: object) -> None:
    """Wait for ``predicate``; on time-out fail with ``message`` (or what calling it returns)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError(message() if callable(message) else message)


def live_processes_in_group(pgid: int) -> list[int]:
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
