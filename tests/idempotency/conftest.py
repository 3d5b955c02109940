"""A dosing session ready to dose, a small clinic for bookings, a consent request (the apps' own fixtures)."""

from __future__ import annotations

import pytest

from tests.consent.conftest import documents, kap_request, signature_url  # noqa: F401
from tests.sessions_app.clinical.conftest import clock, ready  # noqa: F401
from tests.sessions_app.conftest import book, clinic  # noqa: F401


@pytest.fixture(autouse=True)
def _long_idle_timeout(settings):
    # The frozen clock jumps past the staff idle timeout between two requests of one client.
    settings.STAFF_IDLE_TIMEOUT_MINUTES = 600
