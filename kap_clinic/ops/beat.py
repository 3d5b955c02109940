"""Beat's liveness: the default scheduler, plus a ``beat`` row written as it ticks.

Set as CELERY_BEAT_SCHEDULER. Beat sleeps until its next entry is due; the sleep is capped at
JOBS_HEARTBEAT_SECONDS so the row moves even between sparse entries, and written at most every
few seconds however fast it ticks.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from celery.beat import PersistentScheduler

log = logging.getLogger("kap_clinic.jobs")

WRITE_AT_MOST_EVERY = 5.0  # seconds


class RecordingScheduler(PersistentScheduler):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._last_written = 0.0
        self._started_at = None

    def tick(self, *args: Any, **kwargs: Any) -> float:
        interval = super().tick(*args, **kwargs)
        try:
            from django.conf import settings

            self._record()
            return min(interval, float(settings.JOBS_HEARTBEAT_SECONDS))
        except Exception as exc:  # beat must keep scheduling whatever happens to its row
            log.warning("beat heartbeat failed: %s", exc.__class__.__name__)
            return interval

    def _record(self) -> None:
        now = time.monotonic()
        if self._last_written and now - self._last_written < WRITE_AT_MOST_EVERY:
            return
        from django.utils import timezone

        from .models import JobHeartbeat
        from .services import heartbeat_record

        self._started_at = self._started_at or timezone.now()
        heartbeat_record(name=JobHeartbeat.BEAT, started_at=self._started_at, reconnect=True)
        self._last_written = now
