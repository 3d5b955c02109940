"""Sessions come from the cache, but a cache outage must not sign anyone out or break a page."""

from __future__ import annotations

from django.core.cache.backends.base import BaseCache
from redis.exceptions import ConnectionError as RedisConnectionError

from kap_clinic.accounts.sessions import SessionStore


class DownCache(BaseCache):
    """A cache whose server is unreachable: every call raises as Django's Redis cache does."""

    def __init__(self, location: str, params: dict) -> None:
        super().__init__(params)

    def _down(self, *args, **kwargs):
        raise RedisConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    get = set = add = delete = has_key = touch = clear = _down


def test_with_the_session_cache_down_pages_still_work_from_the_database(personas, client, settings, caplog) -> None:
    settings.CACHES = {
        **settings.CACHES,
        "sessions": {"BACKEND": "tests.accounts.test_session_cache_outage.DownCache"},
    }
    settings.SESSION_CACHE_ALIAS = "sessions"
    client.force_login(personas.nurse)
    assert client.get("/dashboard/").status_code == 200
    assert client.get("/dashboard/").status_code == 200  # the database copy, again
    assert SessionStore(client.session.session_key).exists(client.session.session_key)
    assert "Session cache write failed" in caplog.text


def test_the_engine_is_the_tolerant_cached_one(settings) -> None:
    assert settings.SESSION_ENGINE == "kap_clinic.accounts.sessions"
