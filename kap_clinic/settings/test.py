"""Test runs. DATABASE_URL / REDIS_URL switch between embedded mode and real services."""

from __future__ import annotations

import os
import tempfile
from urllib.parse import urlsplit, urlunsplit

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import REDIS_URL

DEBUG = False
SECRET_KEY = "test-only-key-not-secret-0123456789abcdefghijklmnopqrstuvwxyz"  # noqa: S105
AUDIT_HMAC_KEY = "test-only-audit-key-not-secret-0123456789abcdef"  # noqa: S105
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
MEDIA_ROOT = tempfile.mkdtemp(prefix="kap-test-media-")


def _redis_url_for_xdist_worker(url: str, worker: str) -> str:
    """The configured database for worker gw0, the one below it for gw1, and so on (15, 14, … for /15).

    Parallel test processes (pytest-xdist) each get their own Redis database for cache, broker and
    results: a test's cache.clear() flushes its database, and a real Celery worker started by a test
    consumes from the broker, so two processes sharing one database would wipe each other's keys and
    steal each other's tasks. (pytest-django gives each its own test database the same way:
    test_<name>_gw0, test_<name>_gw1, ….)
    """
    parts = urlsplit(url)
    if parts.scheme == "unix":
        raise ImproperlyConfigured("Parallel tests (pytest -n) need REDIS_URL as redis://host:port/db, not unix://")
    base = int(parts.path.strip("/") or 0)
    db = base - int(worker.removeprefix("gw"))
    if db < 0:
        raise ImproperlyConfigured(
            f"REDIS_URL database {base} leaves no Redis database for xdist worker {worker}: "
            "use a higher database (e.g. /15) or fewer workers (TEST_WORKERS)"
        )
    return urlunsplit(parts._replace(path=f"/{db}"))


_xdist_worker = os.environ.get("PYTEST_XDIST_WORKER", "")
if REDIS_URL and _xdist_worker:
    REDIS_URL = _redis_url_for_xdist_worker(REDIS_URL, _xdist_worker)
    CELERY_BROKER_URL = CELERY_RESULT_BACKEND = REDIS_URL
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}

# Tests enqueue in-process unless a test deliberately talks to a real worker (see tests/test_celery.py).
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TEST_BROKER_URL = REDIS_URL
STATIC_ROOT = tempfile.mkdtemp(prefix="kap-test-static-")
