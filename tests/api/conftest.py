from __future__ import annotations

import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _fresh_login_throttle():
    """The token endpoint is throttled per IP in the cache; keep one test's attempts from starving the next."""
    cache.clear()
    yield
    cache.clear()
