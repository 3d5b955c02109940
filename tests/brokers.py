"""A broker that goes away and comes back, for the tests of what survives an outage.

- ``broker_down`` / ``broker_away()`` (embedded mode): publishing points at a closed port and
  fails in milliseconds; calling the value brings the broker "back", which in this process means
  tasks run in-process again, the way the embedded mode runs them.
- ``own_redis`` (services mode): a redis-server of the test's own on a free port, which it stops
  and starts (the shared one is never touched). Skips without REDIS_URL, PostgreSQL and redis-server.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from kap_clinic.celery import app

CLOSED_PORT_BROKER = "redis://127.0.0.1:1/8"  # nothing listens on port 1


def forget_connections() -> None:
    # Celery caches the broker pools (kombu keeps one producer pool per connection URL, so switching
    # back finds the earlier one intact) and, per thread, the result backend; drop them so the next
    # use connects to the URLs configured now.
    app._pool = None
    app.amqp._producer_pool = None
    app._local.__dict__.pop("backend", None)


@contextmanager
def broker_away() -> Iterator[Callable[[], None]]:
    """Publishing fails from here on; call the value (or leave the block) and the broker is back."""
    saved = (app.conf.task_always_eager, app.conf.broker_url)
    forget_connections()
    app.conf.task_always_eager = False
    app.conf.broker_url = CLOSED_PORT_BROKER

    def back() -> None:
        forget_connections()
        app.conf.task_always_eager, app.conf.broker_url = saved

    try:
        yield back
    finally:
        back()


@pytest.fixture
def broker_down():
    with broker_away() as back:
        yield back


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class OwnRedis:
    def __init__(self, exe: str, folder: Path) -> None:
        self.exe, self.folder, self.port = exe, folder, free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(  # noqa: S603 - fixed arguments
            [
                self.exe,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.folder),
            ],
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


@pytest.fixture
def own_redis(tmp_path):
    exe = shutil.which("redis-server")
    if not settings.REDIS_URL or connection.vendor != "postgresql" or exe is None:
        pytest.skip("needs REDIS_URL, PostgreSQL and redis-server (CI's services run)")
    redis = OwnRedis(exe, tmp_path)
    redis.start()
    saved = (app.conf.task_always_eager, app.conf.broker_url, app.conf.result_backend)
    forget_connections()
    app.conf.task_always_eager = False
    app.conf.broker_url = app.conf.result_backend = redis.url
    yield redis
    redis.stop()
    app.conf.task_always_eager, app.conf.broker_url, app.conf.result_backend = saved
    forget_connections()
