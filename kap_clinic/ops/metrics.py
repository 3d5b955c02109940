"""Prometheus metrics (prometheus-client), all named ``kap_…``.

- Request latency by view: a histogram the middleware fills in each process. With
  PROMETHEUS_MULTIPROC_DIR set (an empty folder shared by gunicorn's workers, emptied before it
  starts) the values live in files there and a scrape adds every worker's up; without it a scrape
  sees only the process it reached.
- Everything else is read from the database at scrape time, so any web process answers for the whole
  installation: the jobs state and each process's last sign of life, what waits in each queue and
  for how long, every task's outcomes and run time (kap_clinic.ops.models.JobStat, written by the
  workers), and the audit trail's seal status.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

from django.utils import timezone
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Histogram, generate_latest, multiprocess
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric, SummaryMetricFamily
from prometheus_client.registry import Collector

from kap_clinic.audit.selectors import audit_seal_status

from .models import JobHeartbeat, JobStat
from .queues import age_seconds, registered_queues
from .selectors import STATE_VALUES, jobs_status

REQUESTS = CollectorRegistry(auto_describe=True)
REQUEST_SECONDS = Histogram(
    "kap_http_request_duration_seconds",
    "Time to answer a request, by view name, method and status class.",
    ["view", "method", "status"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
    registry=REQUESTS,
)
METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}


def observe_request(*, view: str, method: str, status: int, seconds: float) -> None:
    method = method if method in METHODS else "other"
    REQUEST_SECONDS.labels(view=view, method=method, status=f"{status // 100}xx").observe(seconds)


class _Requests(Collector):
    """This process's request histogram (single-process mode)."""

    def collect(self) -> Iterator[Metric]:
        yield from REQUESTS.collect()

    def describe(self) -> list[Metric]:
        return []


class DatabaseCollector(Collector):
    """Gauges and counters computed from the database at each scrape (about ten small queries)."""

    def describe(self) -> list[Metric]:
        return []  # nothing is read when the collector is registered, only when scraped

    def collect(self) -> Iterator[Metric]:
        now = timezone.now()
        yield from self._jobs(now)
        yield from self._tasks()
        yield from self._audit(now)

    def _jobs(self, now) -> Iterator[Metric]:  # noqa: ANN001
        status = jobs_status(now)
        yield GaugeMetricFamily(
            "kap_jobs_state",
            "Background jobs: 0 ok, 1 late, 2 down (from the sweep's age).",
            STATE_VALUES[status["jobs"]],
        )
        if status["sweep_age_seconds"] is not None:
            yield GaugeMetricFamily(
                "kap_jobs_sweep_age_seconds", "Seconds since the last successful sweep.", status["sweep_age_seconds"]
            )
        ages = GaugeMetricFamily(
            "kap_jobs_heartbeat_age_seconds",
            "Seconds since each job process (sweep, beat, embedded, worker:<name>) was last seen.",
            labels=["name"],
        )
        for name, seen in JobHeartbeat.objects.values_list("name", "last_seen_at"):
            ages.add_metric([name], age_seconds(now, seen))
        yield ages
        for queue in registered_queues():
            backlog = status[queue.name]
            yield GaugeMetricFamily(
                f"kap_{queue.name}_waiting", f"{queue.noun.capitalize()}s waiting for a job.", backlog[queue.count_key]
            )
            yield GaugeMetricFamily(
                f"kap_{queue.name}_oldest_age_seconds",
                f"Seconds the oldest waiting {queue.noun} has waited (0: none waits).",
                backlog["oldest_age_seconds"],
            )

    def _tasks(self) -> Iterator[Metric]:
        runs = CounterMetricFamily(
            "kap_job_runs", "Task runs by outcome (ok, failed, retried).", labels=["task", "outcome"]
        )
        durations = SummaryMetricFamily("kap_job_duration_seconds", "Time tasks ran, all outcomes.", labels=["task"])
        last = GaugeMetricFamily("kap_job_last_duration_seconds", "How long the last run took.", labels=["task"])
        for stat in JobStat.objects.all():
            for outcome, value in (
                ("ok", stat.ok_count),
                ("failed", stat.failed_count),
                ("retried", stat.retried_count),
            ):
                runs.add_metric([stat.task_name, outcome], value)
            total = stat.ok_count + stat.failed_count + stat.retried_count
            durations.add_metric([stat.task_name], count_value=total, sum_value=stat.total_duration_ms / 1000)
            last.add_metric([stat.task_name], stat.last_duration_ms / 1000)
        yield from (runs, durations, last)

    def _audit(self, now) -> Iterator[Metric]:  # noqa: ANN001
        seal = audit_seal_status()
        intact = -1 if seal.intact is None else int(seal.intact)
        yield GaugeMetricFamily(
            "kap_audit_trail_intact", "Last full check of the audit trail: 1 intact, 0 altered, -1 never run.", intact
        )
        if seal.checked_at:
            yield GaugeMetricFamily(
                "kap_audit_last_check_age_seconds",
                "Seconds since the last full check.",
                age_seconds(now, seal.checked_at),
            )
        if seal.last_seal_at:
            yield GaugeMetricFamily(
                "kap_audit_last_seal_age_seconds", "Seconds since the newest seal.", age_seconds(now, seal.last_seal_at)
            )
        unsealed = age_seconds(now, seal.oldest_unsealed_at) if seal.oldest_unsealed_at else 0
        yield GaugeMetricFamily(
            "kap_audit_oldest_unsealed_age_seconds", "Age of the oldest event no seal covers yet (0: none).", unsealed
        )


def render() -> tuple[bytes, str]:
    """The text a scrape gets, and its content type."""
    registry = CollectorRegistry(auto_describe=False)
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.MultiProcessCollector(registry)
    else:
        registry.register(_Requests())
    registry.register(DatabaseCollector())
    return generate_latest(registry), CONTENT_TYPE_LATEST
