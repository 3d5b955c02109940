"""Report tests render from a finished dosing session: the clinical clock and ``ready`` fixtures."""

from __future__ import annotations

from tests.sessions_app.clinical.conftest import clock, ready  # noqa: F401 - the clinical fixtures, reused
