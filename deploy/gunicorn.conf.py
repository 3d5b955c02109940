"""Gunicorn's settings for compose, the Dockerfile and the systemd unit: `gunicorn -c deploy/gunicorn.conf.py`.

SIGTERM is a graceful stop: the arbiter stops accepting, lets each worker finish the request in hand for up
to ``graceful_timeout`` seconds, then kills what is left. The supervisor's stop timeout (compose
``stop_grace_period``, systemd ``TimeoutStopSec``) is longer than that, so gunicorn always gets its full
grace before anything is killed.
"""

from __future__ import annotations

import os
import shutil


def _positive_int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if value < 1:
        raise SystemExit(f"Environment variable {name} must be a whole number of at least 1, not {raw!r}")
    return value


bind = os.environ.get("GUNICORN_BIND", "").strip() or "0.0.0.0:8000"  # noqa: S104 - inside the container
workers = _positive_int("WEB_CONCURRENCY", 3)
# A worker silent for longer than this (a stuck request) is killed and replaced.
timeout = _positive_int("GUNICORN_TIMEOUT", 30)
graceful_timeout = _positive_int("GUNICORN_GRACEFUL_TIMEOUT", 30)
accesslog = "-"
# The path without its query string, and no referrer: a patient search (?q=name or date of birth) must not
# reach the access log. Method, path, status, size, milliseconds, the request id (kap_clinic/ops) and the
# user agent are enough to follow a request.
access_log_format = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms rid=%({x-request-id}o)s "%(a)s"'
errorlog = "-"


# Prometheus with several workers (kap_clinic/ops/metrics.py): when PROMETHEUS_MULTIPROC_DIR is set, the
# workers write their samples to files in that folder and /metrics adds them up. The folder starts empty
# at each start, and a worker that exits is marked dead so its live gauges stop counting.
def on_starting(server: object) -> None:
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR", "").strip()
    if folder:
        shutil.rmtree(folder, ignore_errors=True)
        os.makedirs(folder, exist_ok=True)


def child_exit(server: object, worker: object) -> None:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR", "").strip():
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)  # type: ignore[attr-defined]
