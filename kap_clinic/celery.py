"""The Celery app. Settings come from Django settings under the CELERY_ namespace."""

from __future__ import annotations

import logging
import os
from typing import Any

from celery import Celery
from celery.signals import setup_logging

from kap_clinic.ops.worker import HeartbeatStep

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kap_clinic.settings.local")

app = Celery("kap_clinic")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks(["kap_clinic.common", "kap_clinic.accounts", "patients", "consent", "sessions_app"])
# Each worker refreshes its own liveness row (kap_clinic/ops/worker.py), with or without beat.
app.steps["worker"].add(HeartbeatStep)


@setup_logging.connect
def _django_logging(loglevel: int | str | None = None, **_: Any) -> None:
    """Workers and beat log through Django's LOGGING (text or JSON lines, with the request id)
    instead of Celery's own format; ``--loglevel`` still sets the level."""
    from logging.config import dictConfig

    from django.conf import settings

    dictConfig(settings.LOGGING)
    if loglevel:
        logging.getLogger().setLevel(loglevel)
