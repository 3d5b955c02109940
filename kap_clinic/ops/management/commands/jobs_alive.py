"""Exit 0 when a job process's liveness row is fresh, 1 when not: for container healthchecks.

    python manage.py jobs_alive worker      # this host's Celery worker (its own timer writes the row)
    python manage.py jobs_alive beat        # celery beat
    python manage.py jobs_alive sweep       # the last successful sweep
    python manage.py jobs_alive embedded    # manage.py run_embedded_jobs
    python manage.py jobs_alive beat --max-age 120

One line of output either way. Default maximum ages: three heartbeats (3 × JOBS_HEARTBEAT_SECONDS)
for the processes, JOBS_LATE_AFTER_SECONDS for the sweep.
"""

from __future__ import annotations

import socket

from django.conf import settings
from django.core.management.base import BaseCommand

from kap_clinic.ops.selectors import liveness_age

KINDS = ("worker", "beat", "sweep", "embedded")


class Command(BaseCommand):
    help = "Exit 0 if the worker, beat, sweep or embedded runner was seen recently, 1 if not."

    def add_arguments(self, parser) -> None:  # noqa: ANN001
        parser.add_argument("kind", choices=KINDS)
        parser.add_argument("--max-age", type=int, default=None, help="Seconds (default: see the module doc).")

    def handle(self, *args: object, **options: object) -> None:
        kind = str(options["kind"])
        max_age = options["max_age"]
        if max_age is None:
            max_age = settings.JOBS_LATE_AFTER_SECONDS if kind == "sweep" else 3 * settings.JOBS_HEARTBEAT_SECONDS
        try:
            name, age = liveness_age(kind, host=socket.gethostname())
        except Exception as exc:  # the database is down: not alive as far as anyone can tell
            self.stdout.write(f"{kind}: unknown, database error {exc.__class__.__name__}")
            raise SystemExit(1) from None
        if age is None:
            self.stdout.write(f"{name}: never seen (max {max_age} s)")
            raise SystemExit(1)
        fresh = age <= int(max_age)  # type: ignore[call-overload]
        self.stdout.write(f"{name}: seen {age} s ago (max {max_age} s): {'ok' if fresh else 'stale'}")
        if not fresh:
            raise SystemExit(1)
