"""The one place that hands tasks to the broker (tests/architecture/test_enqueue_paths.py keeps it so).

The rows are the truth and the broker only a doorbell: every job leaves a row (or a state) that
the minute sweep (``sessions_app.tasks.jobs_sweep_task``) hands over again when the doorbell did
not ring. So a broker outage must never turn into an error page after the user's work was
committed: ``publish`` tries once, logs a warning naming the task and its IDs (IDs only, never
patient data: task arguments are IDs by convention) and returns False.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction

log = logging.getLogger(__name__)

# Publish once, no retry loop: with the broker down this fails in milliseconds instead of
# holding the request for seconds (Celery's default retries, or kombu's reconnects with
# retry=False, measured at 0.6–6 s against a closed port). The sweep is the retry.
PUBLISH_ONCE: dict[str, Any] = {"retry": True, "retry_policy": {"max_retries": 0}}


def publish(task: Any, *args: Any) -> bool:
    """Hand ``task(*args)`` to the broker now, once. False (logged, never raised) when that failed.

    In embedded mode (eager tasks) the task runs here, in-process; its own failure is logged
    and swallowed the same way, since the sweep catches up on it as on a lost message.
    """
    try:
        # ignore_result: the row, not the result store, says what happened. Asking for a result
        # would also have the request subscribe to it first, which with Redis away retries ~20 s.
        task.apply_async(args=list(args), ignore_result=True, **PUBLISH_ONCE)
    except Exception:
        if task.app.conf.task_always_eager:
            log.warning("job %s%s failed in-process; left for the sweep", task.name, tuple(args), exc_info=True)
        else:
            log.warning("broker unavailable: %s%s left for the sweep", task.name, tuple(args), exc_info=True)
        return False
    return True


def enqueue_after_commit(task: Any, *args: Any) -> None:
    """``publish`` once the current transaction commits (at once outside one); never raises."""
    transaction.on_commit(lambda: publish(task, *args))
