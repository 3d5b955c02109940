"""Test runs. DATABASE_URL / REDIS_URL switch between embedded mode and real services."""

from __future__ import annotations

import tempfile

from .base import *  # noqa: F403
from .base import env

DEBUG = False
SECRET_KEY = "test-only-key-not-secret-0123456789abcdefghijklmnopqrstuvwxyz"  # noqa: S105
AUDIT_HMAC_KEY = "test-only-audit-key-not-secret-0123456789abcdef"  # noqa: S105
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
MEDIA_ROOT = tempfile.mkdtemp(prefix="kap-test-media-")
# Tests enqueue in-process unless a test deliberately talks to a real worker (see tests/test_celery_worker.py).
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TEST_BROKER_URL = env("REDIS_URL", default="")
STATIC_ROOT = tempfile.mkdtemp(prefix="kap-test-static-")
