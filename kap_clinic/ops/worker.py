"""The worker's own heartbeat: a bootstep that refreshes ``worker:<nodename>`` every
JOBS_HEARTBEAT_SECONDS on the worker's timer, whether or not beat or any task runs.

The timer runs on the worker's event loop, so a row that stops moving means the worker stopped
consuming (a solo-pool worker busy with one long task also pauses it). Added to the worker
blueprint in ``kap_clinic/celery.py``; nothing Django is imported until the worker starts.
"""

from __future__ import annotations

import logging
from typing import Any

from celery import bootsteps

log = logging.getLogger("kap_clinic.jobs")


def worker_row_name(nodename: str) -> str:
    return f"worker:{nodename}"


class HeartbeatStep(bootsteps.StartStopStep):
    requires = {"celery.worker.components:Timer"}
    label = "kap liveness heartbeat"

    def __init__(self, parent: Any, **kwargs: Any) -> None:
        super().__init__(parent, **kwargs)
        self.tref = None
        self.started_at = None

    def start(self, parent: Any) -> None:
        from django.conf import settings
        from django.utils import timezone

        from .services import heartbeats_prune_workers

        self.started_at = timezone.now()
        heartbeats_prune_workers()
        self.beat(parent)
        self.tref = parent.timer.call_repeatedly(settings.JOBS_HEARTBEAT_SECONDS, self.beat, (parent,), priority=10)

    def beat(self, parent: Any) -> None:
        try:
            from .services import heartbeat_record

            heartbeat_record(name=worker_row_name(parent.hostname), started_at=self.started_at, reconnect=True)
        except Exception as exc:  # never stop the worker for its own liveness row
            log.warning("worker heartbeat failed: %s", exc.__class__.__name__)

    def stop(self, parent: Any) -> None:
        if self.tref is not None:
            self.tref.cancel()
            self.tref = None
