"""Development on a laptop: `make run`."""

from __future__ import annotations

from .base import *  # noqa: F403
from .base import env, env_value

DEBUG = env_value("DJANGO_DEBUG", env.bool, True)
SECRET_KEY = env("DJANGO_SECRET_KEY", default="dev-only-insecure-key-change-me-0123456789abcdefghijklmnop")
AUDIT_HMAC_KEY = env("AUDIT_HMAC_KEY", default="dev-only-audit-key-not-secret-0123456789abcdef")
ALLOWED_HOSTS = env_value("DJANGO_ALLOWED_HOSTS", env.list, ["127.0.0.1", "localhost"])
