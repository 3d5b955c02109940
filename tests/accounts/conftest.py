from __future__ import annotations

import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _fresh_login_counters():
    """Failed sign-ins are counted in the cache; each test starts with none."""
    cache.clear()
    yield
    cache.clear()
