"""Liveness rows of the background jobs, and each task's outcome counts.

Rows in the database, not keys in the cache: they must survive the Redis restart they help diagnose.
Written by ``kap_clinic.ops.services`` only (one UPDATE a beat, counters with F() expressions).
"""

from __future__ import annotations

from django.db import models


class JobHeartbeat(models.Model):
    """One process kind's last sign of life: "sweep", "beat", "embedded" or "worker:<celery nodename>"."""

    SWEEP = "sweep"
    BEAT = "beat"
    EMBEDDED = "embedded"
    WORKER_PREFIX = "worker:"

    name = models.CharField(max_length=200, unique=True)
    last_seen_at = models.DateTimeField()
    # When the process writing the row started (beat, embedded runner, worker); unused by the sweep.
    started_at = models.DateTimeField(null=True, blank=True)
    # The sweep: its last start, its last end (either outcome) and its last successful end.
    last_started_at = models.DateTimeField(null=True, blank=True)
    last_finished_at = models.DateTimeField(null=True, blank=True)
    last_ok_at = models.DateTimeField(null=True, blank=True)
    # The class of the last error (never its message: messages can quote patient data); "" once it works.
    last_error = models.CharField(max_length=200, blank=True)
    pid = models.PositiveIntegerField(null=True, blank=True)
    host = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} seen {self.last_seen_at:%Y-%m-%d %H:%M:%S}"


class JobStat(models.Model):
    """Outcomes and run time of one task name, added up across every worker since the table began."""

    task_name = models.CharField(max_length=200, unique=True)
    ok_count = models.BigIntegerField(default=0)
    failed_count = models.BigIntegerField(default=0)
    retried_count = models.BigIntegerField(default=0)
    last_duration_ms = models.BigIntegerField(default=0)
    total_duration_ms = models.BigIntegerField(default=0)
    last_finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["task_name"]

    def __str__(self) -> str:
        return f"{self.task_name}: {self.ok_count} ok, {self.failed_count} failed"
