"""Real Celery worker processes for the tests that need one (CI's PostgreSQL + Redis run)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterable
from pathlib import Path

import pytest
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


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class OwnRedis:
    """A redis-server of the test's own on a free port, which the test may stop and start at will."""

    def __init__(self, exe: str, folder: Path) -> None:
        self.exe, self.folder, self.port = exe, folder, free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc: subprocess.Popen | None = None
        self.dir = ("--dir", str(folder))

    def start(self) -> None:
        self.proc = subprocess.Popen(  # noqa: S603 - fixed arguments
            [self.exe, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", *self.dir],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.1)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(timeout=20)
            self.proc = None


def forget_broker_connections() -> None:
    """Drop Celery's cached broker pools and (per thread) result backend, so that the next use
    connects to the URLs configured now."""
    from kap_clinic.celery import app

    app._pool = None
    app.amqp._producer_pool = None
    app._local.__dict__.pop("backend", None)


def services_or_skip() -> str:
    """redis-server's path, when this run has REDIS_URL, PostgreSQL and redis-server (CI's services run)."""
    exe = shutil.which("redis-server")
    if not settings.REDIS_URL or connection.vendor != "postgresql" or exe is None:
        pytest.skip("needs REDIS_URL, PostgreSQL and redis-server (CI's services run)")
    return exe


class publishing_to:  # noqa: N801 - used as a context manager, named for how it reads
    """This test process publishes tasks to ``redis`` (not eagerly) while inside."""

    def __init__(self, redis: OwnRedis) -> None:
        self.redis = redis

    def __enter__(self) -> OwnRedis:
        from kap_clinic.celery import app

        self.saved = (app.conf.task_always_eager, app.conf.broker_url, app.conf.result_backend)
        forget_broker_connections()
        app.conf.task_always_eager = False
        app.conf.broker_url = app.conf.result_backend = self.redis.url
        return self.redis

    def __exit__(self, *exc: object) -> None:
        from kap_clinic.celery import app

        app.conf.task_always_eager, app.conf.broker_url, app.conf.result_backend = self.saved
        forget_broker_connections()


class Supervised:
    """The project's supervisord configuration (deploy/supervisor/run.conf) running some of its
    programs for a test, its output kept in a file for failure messages."""

    CONFIG = ROOT / "deploy" / "supervisor" / "run.conf"

    def __init__(self, folder: Path, env: dict[str, str], *, celery: bool = True, embedded: bool = False) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.folder, self.log = folder, folder / "supervisord.log"
        self.env = {
            **env,
            "KAP_RUN_DIR": str(folder),
            "KAP_PYTHON": sys.executable,
            "KAP_WEB_ADDR": f"127.0.0.1:{free_port()}",
            "KAP_RUN_WEB": "false",
            "KAP_RUN_CELERY": "true" if celery else "false",
            "KAP_RUN_EMBEDDED": "true" if embedded else "false",
        }
        self.proc: subprocess.Popen | None = None

    def start(self, programs: Iterable[str] = ("worker", "beat"), seconds: float = 60) -> None:
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(  # noqa: S603 - fixed arguments
                [sys.executable, "-m", "supervisor.supervisord", "-n", "-c", str(self.CONFIG)],
                cwd=ROOT,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if all(self.state(name) == "RUNNING" for name in programs):
                return
            time.sleep(0.5)
        raise AssertionError(f"supervisord did not start {programs}:\n{self.logs()}")

    def ctl(self, *args: str) -> str:
        result = subprocess.run(  # noqa: S603 - fixed arguments
            [sys.executable, "-m", "supervisor.supervisorctl", "-c", str(self.CONFIG), *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        return result.stdout

    def state(self, name: str) -> str:
        words = self.ctl("status", name).split()
        return words[1] if len(words) > 1 else "UNKNOWN"

    def pid(self, name: str) -> int | None:
        text = self.ctl("pid", name).strip()
        return int(text) if text.isdigit() and text != "0" else None

    def logs(self) -> str:
        return self.log.read_text(errors="replace")[-20000:] if self.log.exists() else ""

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self.proc = None
