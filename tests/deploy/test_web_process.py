"""Gunicorn's shared config file and the web container's healthcheck probe (deploy/)."""

from __future__ import annotations

import http.server
import os
import runpy
import signal
import socket
import subprocess
import sys
import threading
import time
import types
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from gunicorn.config import Config

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
GUNICORN_ENV = ("GUNICORN_BIND", "WEB_CONCURRENCY", "GUNICORN_TIMEOUT", "GUNICORN_GRACEFUL_TIMEOUT")


def _gunicorn_settings(monkeypatch, **env: str) -> dict:
    for name in GUNICORN_ENV:
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    namespace = runpy.run_path(str(DEPLOY / "gunicorn.conf.py"))
    modules = ("os", "shutil", "annotations")
    return {k: v for k, v in namespace.items() if not k.startswith("_") and k not in modules}


def test_gunicorn_config_defaults_are_real_gunicorn_settings(monkeypatch) -> None:
    values = _gunicorn_settings(monkeypatch)
    config = Config()
    for name, value in values.items():
        assert name in config.settings, f"{name} is not a gunicorn setting (gunicorn would ignore it)"
        config.set(name, value)
    assert config.bind == ["0.0.0.0:8000"]
    assert config.workers == 3
    assert config.timeout == 30
    assert config.graceful_timeout == 30
    assert config.accesslog == "-"


def test_gunicorn_config_reads_the_environment(monkeypatch) -> None:
    values = _gunicorn_settings(
        monkeypatch, GUNICORN_BIND="127.0.0.1:9000", WEB_CONCURRENCY="5", GUNICORN_GRACEFUL_TIMEOUT="20"
    )
    assert (values["bind"], values["workers"], values["graceful_timeout"]) == ("127.0.0.1:9000", 5, 20)


@pytest.mark.parametrize("value", ["three", "0", "-2"])
def test_a_malformed_number_stops_gunicorn_with_the_variables_name(monkeypatch, value: str) -> None:
    with pytest.raises(SystemExit, match="WEB_CONCURRENCY"):
        _gunicorn_settings(monkeypatch, WEB_CONCURRENCY=value)


class _Answer(http.server.BaseHTTPRequestHandler):
    status = 200
    seen: list[dict[str, str]] = []

    def do_GET(self) -> None:
        type(self).seen.append(dict(self.headers))
        self.send_response(self.status)
        if self.status == 301:
            self.send_header("Location", "https://localhost/healthz")
        self.end_headers()
        self.wfile.write(b'{"status": "ok"}')

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def fake_web() -> Iterator[tuple[str, type[_Answer]]]:
    handler = type("Handler", (_Answer,), {"status": 200, "seen": []})
    server = http.server.HTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/healthz", handler
    server.shutdown()
    server.server_close()


def _probe(url: str, allowed_hosts: str = "") -> int:
    env = {"DJANGO_ALLOWED_HOSTS": allowed_hosts} if allowed_hosts else {}
    return subprocess.run(  # noqa: S603 - fixed arguments
        [sys.executable, str(DEPLOY / "probe_healthz.py"), url], env=env, capture_output=True, timeout=30
    ).returncode


def test_probe_asks_as_the_proxy_would_and_passes_on_200(fake_web) -> None:
    url, handler = fake_web
    assert _probe(url, ".clinic.example.org,localhost") == 0
    assert handler.seen[-1]["Host"] == "clinic.example.org"  # a leading dot allows the domain itself
    assert handler.seen[-1]["X-Forwarded-Proto"] == "https"  # so the SSL redirect does not answer
    assert _probe(url, "*") == 0
    assert handler.seen[-1]["Host"] == "localhost"


@pytest.mark.parametrize("status", [503, 301, 400])
def test_probe_fails_on_anything_but_200_and_follows_no_redirect(fake_web, status: int) -> None:
    url, handler = fake_web
    handler.status = status
    assert _probe(url, "localhost") == 1
    assert len(handler.seen) == 1


def test_probe_fails_when_nothing_listens() -> None:
    assert _probe(f"http://127.0.0.1:{_free_port()}/healthz") == 1


@pytest.mark.django_db(transaction=True)
def test_probe_passes_against_the_real_healthz(live_server) -> None:
    assert _probe(f"{live_server.url}/healthz", "localhost") == 0


def test_sigterm_lets_gunicorn_finish_the_request_in_flight(tmp_path) -> None:
    port = _free_port()
    started = tmp_path / "started"
    env = {
        **{k: v for k, v in os.environ.items() if k not in GUNICORN_ENV},  # the config file's own defaults
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": "1",
        "SLOW_APP_STARTED": str(started),
        "SLOW_APP_SECONDS": "2",
    }
    gunicorn = subprocess.Popen(  # noqa: S603 - fixed arguments
        [sys.executable, "-m", "gunicorn", "-c", str(DEPLOY / "gunicorn.conf.py"), "tests.deploy.slow_app:app"],
        cwd=DEPLOY.parent,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        _wait_for(lambda: _listening(port), 20)
        answer: dict[str, object] = {}

        def ask() -> None:
            url = f"http://127.0.0.1:{port}/patients/?q=Avery+Quinn+1984-03-02"
            request = urllib.request.Request(url, headers={"Referer": f"http://127.0.0.1:{port}/?q=Avery"})  # noqa: S310
            with urllib.request.urlopen(request, timeout=20) as response:  # noqa: S310
                answer.update(status=response.status, body=response.read())

        client = threading.Thread(target=ask)
        client.start()
        _wait_for(started.exists, 20)
        gunicorn.send_signal(signal.SIGTERM)  # what docker stop / systemctl stop send
        client.join(timeout=20)
        assert answer == {"status": 200, "body": b"finished"}
        assert gunicorn.wait(timeout=20) == 0
    finally:
        if gunicorn.poll() is None:
            gunicorn.kill()
        output = gunicorn.communicate(timeout=10)[0].decode(errors="replace")
    assert "Handling signal: term" in output
    assert '"GET /patients/ HTTP/1.1" 200' in output  # the access log goes to stdout
    assert "Avery" not in output and "1984" not in output  # no search terms (PHI) from the query or referrer


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _listening(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def _wait_for(predicate: Callable[[], bool], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_with_a_metrics_folder_gunicorn_empties_it_at_start_and_marks_exited_workers_dead(
    monkeypatch, tmp_path
) -> None:
    folder = tmp_path / "metrics"
    folder.mkdir()
    (folder / "counter_999.db").write_bytes(b"left by the last run")
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(folder))
    config = runpy.run_path(str(DEPLOY / "gunicorn.conf.py"))
    config["on_starting"](None)
    assert folder.is_dir() and not any(folder.iterdir())
    (folder / "gauge_livesum_4242.db").write_bytes(b"")
    config["child_exit"](None, types.SimpleNamespace(pid=4242))
    assert not (folder / "gauge_livesum_4242.db").exists()  # prometheus_client removes a dead worker's live gauges
