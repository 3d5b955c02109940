"""Hourly: delete the idempotency keys whose time is up (CELERY_BEAT_SCHEDULE "idempotency-purge")."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="kap_clinic.idempotency.tasks.idempotency_keys_purge_task")
def idempotency_keys_purge_task() -> int:
    """Safe to run twice: it deletes what has expired by now."""
    from .services import keys_purge

    return keys_purge()
