"""Django admin of sessions_app: each sub-package registers its own models."""

from __future__ import annotations

from sessions_app.clinical import admin as clinical_admin  # noqa: F401
from sessions_app.inventory import admin as inventory_admin  # noqa: F401
