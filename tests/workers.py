"""Real Celery worker processes for the tests that need one (CI's PostgreSQL + Redis run)."""

from __future__ import annotations

import os
import subprocess
import sys
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
