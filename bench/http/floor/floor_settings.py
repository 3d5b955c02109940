"""The floor: a bench-only Django project serving one-query pages over the clinic's own tables.

It shares the clinic's PostgreSQL server and database (``FLOOR_CLINIC_DATABASE_URL``) but keeps its
own users and sessions in a second database (``FLOOR_DATABASE_URL``), so Django admin's changelist
runs over the same 10,000 patients without touching the clinic's tables.
"""

from __future__ import annotations

import os

import environ

SECRET_KEY = "bench-floor-" + "x" * 50  # noqa: S105 - a throwaway bench project on loopback
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "floor",
]
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]
ROOT_URLCONF = "floor.urls"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]
DATABASES = {
    "default": {**environ.Env.db_url_config(os.environ["FLOOR_DATABASE_URL"]), "CONN_MAX_AGE": 60},
    "clinic": {**environ.Env.db_url_config(os.environ["FLOOR_CLINIC_DATABASE_URL"]), "CONN_MAX_AGE": 60},
}
DATABASE_ROUTERS = ["floor.routers.ClinicRouter"]
STATIC_URL = "/static/"
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
