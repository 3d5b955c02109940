"""Small infrastructure tasks."""

from __future__ import annotations

from celery import shared_task
from django.contrib.sessions.models import Session


@shared_task(name="kap_clinic.common.tasks.ping_task")
def ping_task(value: int) -> dict:
    """Round-trip through the broker and the database; used by /healthz-style checks and CI."""
    return {"pong": value, "sessions": Session.objects.count()}


@shared_task(name="kap_clinic.common.tasks.clear_expired_sessions_task")
def clear_expired_sessions_task() -> int:
    """Delete expired login sessions (Django keeps them until something clears them)."""
    from django.utils import timezone

    deleted, _ = Session.objects.filter(expire_date__lt=timezone.now()).delete()
    return deleted
