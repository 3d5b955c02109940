"""Sessions read from the cache and written through to the database, surviving a cache outage.

Django's ``cached_db`` engine saves a query per request (the session comes from Redis), but its
Redis cache raises when Redis is down, which would turn every signed-in request into an error.
Here a cache failure is logged and the session is read from or written to the database alone, as
the plain ``db`` engine would: slower while Redis is away, never down.

Settings: ``SESSION_ENGINE = "kap_clinic.accounts.sessions"``.
"""

from __future__ import annotations

import logging
from typing import Any

from django.contrib.sessions.backends.cached_db import SessionStore as CachedDbStore
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)
CACHE_FAILURES = (RedisError, OSError)


class _TolerantCache:
    """The few cache calls the session engine makes, each degrading to "not cached" on failure."""

    def __init__(self, cache: Any) -> None:
        self._cache = cache

    def _failed(self, operation: str, exc: Exception) -> None:
        logger.warning("Session cache %s failed (%s); using the database alone.", operation, type(exc).__name__)

    def get(self, key: str, default: Any = None) -> Any:
        try:
            return self._cache.get(key, default)
        except CACHE_FAILURES as exc:
            self._failed("read", exc)
            return default

    def set(self, key: str, value: Any, timeout: Any = None) -> None:
        try:
            self._cache.set(key, value, timeout)
        except CACHE_FAILURES as exc:
            self._failed("write", exc)

    def delete(self, key: str) -> None:
        try:
            self._cache.delete(key)
        except CACHE_FAILURES as exc:
            self._failed("delete", exc)

    def __contains__(self, key: str) -> bool:
        try:
            return key in self._cache
        except CACHE_FAILURES as exc:
            self._failed("lookup", exc)
            return False


class SessionStore(CachedDbStore):
    def __init__(self, session_key: str | None = None) -> None:
        super().__init__(session_key)
        self._cache = _TolerantCache(self._cache)
