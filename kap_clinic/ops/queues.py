"""Work waiting for the background jobs, as the apps that own it count it.

``kap_clinic.ops`` knows no domain app: the apps whose rows wait for a job (reminders due, reports
queued) register a counter here from ``AppConfig.ready()``, the way panels fill page slots. The jobs
status, the admins' banner and /metrics read every registered queue with one query each.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass


def age_seconds(now: dt.datetime, then: dt.datetime) -> int:
    """Whole seconds from ``then`` to ``now``, never negative. In UTC: Python subtracts two times of
    one zone by their wall clocks, which is an hour off across a daylight-saving change."""
    return max(int((now.astimezone(dt.UTC) - then.astimezone(dt.UTC)).total_seconds()), 0)


@dataclass(frozen=True)
class Backlog:
    """How many rows wait and since when the oldest has been due (None: nothing waits)."""

    count: int
    oldest_at: dt.datetime | None

    def oldest_age_seconds(self, now: dt.datetime) -> int:
        return age_seconds(now, self.oldest_at) if self.oldest_at else 0


@dataclass(frozen=True)
class Queue:
    name: str  # "reminders": /healthz/jobs key, metric names kap_<name>_waiting and kap_<name>_oldest_age_seconds
    count_key: str  # the word /healthz/jobs uses for the count ("waiting", "queued")
    noun: str  # singular, for the banner ("reminder", "report")
    backlog: Callable[[dt.datetime], Backlog]  # one query
    order: int = 100


_registry: dict[str, Queue] = {}


def register_queue(queue: Queue) -> None:
    _registry[queue.name] = queue


def registered_queues() -> list[Queue]:
    return sorted(_registry.values(), key=lambda q: (q.order, q.name))
