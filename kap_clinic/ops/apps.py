from __future__ import annotations

from django.apps import AppConfig


class OpsConfig(AppConfig):
    name = "kap_clinic.ops"
    label = "ops"
    verbose_name = "Operations: job liveness and metrics"

    def ready(self) -> None:
        """Record every task's outcome and the sweep's runs (Celery signals, in the worker and in
        embedded mode alike), carry the request id into tasks, and put the jobs banner on the dashboard."""
        from . import panels, signals

        signals.connect()
        panels.register()
