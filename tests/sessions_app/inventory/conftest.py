"""Inventory tests walk the same frozen clinic clock as the clinical tests (Monday 08:00, New York)."""

from __future__ import annotations

from tests.sessions_app.clinical.conftest import clock  # noqa: F401 - the clinical clock, reused
