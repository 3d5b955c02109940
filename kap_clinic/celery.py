"""The Celery app. Settings come from Django settings under the CELERY_ namespace."""

from __future__ import annotations

import os

from celery import Celery

from kap_clinic.ops.worker import HeartbeatStep

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kap_clinic.settings.local")

app = Celery("kap_clinic")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks(["kap_clinic.common", "kap_clinic.accounts", "patients", "consent", "sessions_app"])
# Each worker refreshes its own liveness row (kap_clinic/ops/worker.py), with or without beat.
app.steps["worker"].add(HeartbeatStep)

