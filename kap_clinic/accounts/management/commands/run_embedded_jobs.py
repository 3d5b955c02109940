"""Run the periodic jobs in-process when there is no Redis (embedded mode, `make run`).

With Redis, `celery beat` reads the same CELERY_BEAT_SCHEDULE and a worker runs the tasks; this
command is the laptop stand-in so reminders and sweeps still happen while the dev server is up.
"""

from __future__ import annotations

import logging
import time
from datetime import timedelta

from celery.schedules import schedule as interval_schedule
from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone

from kap_clinic.celery import app
from kap_clinic.ops.models import JobHeartbeat
from kap_clinic.ops.services import heartbeat_record

log = logging.getLogger("kap_clinic.jobs")


def _as_schedule(value: object) -> object:
    if isinstance(value, int | float):
        value = timedelta(seconds=value)
    if isinstance(value, timedelta):
        return interval_schedule(run_every=value, app=app)
    value.app = app  # type: ignore[attr-defined]
    return value


class Command(BaseCommand):
    help = "Run CELERY_BEAT_SCHEDULE in this process (embedded mode, no broker needed)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--once", action="store_true", help="Run every job once and exit.")

    def handle(self, *args: object, **options: object) -> None:
        entries = {
            name: (spec["task"], _as_schedule(spec["schedule"])) for name, spec in settings.CELERY_BEAT_SCHEDULE.items()
        }
        app.loader.import_default_modules()
        started_at = timezone.now()
        if options["once"]:
            heartbeat_record(name=JobHeartbeat.EMBEDDED, started_at=started_at, reconnect=True)
            for name, (task_name, _) in entries.items():
                self._run(name, task_name)
            return
        last_run = {name: app.now() for name in entries}
        self.stdout.write(f"Embedded jobs running: {', '.join(entries) or 'none'}")
        while True:
            heartbeat_record(name=JobHeartbeat.EMBEDDED, started_at=started_at, reconnect=True)
            wait = float(settings.JOBS_HEARTBEAT_SECONDS)
            for name, (task_name, sched) in entries.items():
                due, next_in = sched.is_due(last_run[name])
                if due:
                    last_run[name] = app.now()
                    self._run(name, task_name)
                wait = min(wait, max(float(next_in), 1.0))
            time.sleep(wait)

    def _run(self, name: str, task_name: str) -> None:
        try:
            app.tasks[task_name].apply(throw=True)
        except Exception:  # keep the loop alive; the error is logged with its traceback
            log.exception("embedded job %s failed", name)
        else:
            log.info("embedded job %s ran", name)
