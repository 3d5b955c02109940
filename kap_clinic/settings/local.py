"""Development on a laptop: `make run`."""

from __future__ import annotations

from .base import *  # noqa: F403
from .base import env, env_value

DEBUG = env_value("DJANGO_DEBUG", env.bool, True)
SECRET_KEY = env("DJANGO_SECRET_KEY", default="dev-only-insecure-key-change-me-0123456789abcdefghijklmnop")
ALLOWED_HOSTS = env_value("DJANGO_ALLOWED_HOSTS", env.list, ["127.0.0.1", "localhost"])
