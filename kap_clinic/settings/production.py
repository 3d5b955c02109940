"""Production: secrets and hosts must come from the environment; nothing insecure by default."""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import env, env_value

DEBUG = False
SECRET_KEY = env("DJANGO_SECRET_KEY", default="")
if not SECRET_KEY or len(SECRET_KEY) < 50:
    raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set (at least 50 characters) in production.")
ALLOWED_HOSTS = env_value("DJANGO_ALLOWED_HOSTS", env.list, [])
if not ALLOWED_HOSTS:
    raise ImproperlyConfigured("DJANGO_ALLOWED_HOSTS must be set in production.")

AUDIT_HMAC_KEY = env("AUDIT_HMAC_KEY", default="")
if len(AUDIT_HMAC_KEY) < 32:
    raise ImproperlyConfigured(
        "AUDIT_HMAC_KEY must be set (at least 32 characters) in production; keep it apart from the database."
    )

# Reminders, signing links and password resets are email: a production server that silently prints
# them to its console would lose them, so the mail transport must be chosen explicitly.
if not env("EMAIL_URL", default=""):
    raise ImproperlyConfigured(
        "EMAIL_URL must be set in production (for example smtp://user:password@mail.example.org:587)."
    )

# Reliability checklist item 5: every staff sign-in needs a second factor in production.
STAFF_MFA_REQUIRED = env_value("STAFF_MFA_REQUIRED", env.bool, True)

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_value("DJANGO_SECURE_SSL_REDIRECT", env.bool, True)
# Load balancers, container healthchecks and Prometheus probe gunicorn directly over plain HTTP, not
# through the TLS proxy: a redirect to https would read as "down". (No page with patient data here.)
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^healthz/jobs$", r"^metrics$"]

# A metrics token is a password for the monitoring system: long and random, or none at all.
METRICS_TOKEN = env("METRICS_TOKEN", default="")
if METRICS_TOKEN and len(METRICS_TOKEN) < 32:
    raise ImproperlyConfigured("METRICS_TOKEN must be at least 32 characters in production (or unset).")
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = 60 * 60 * 24 * 365
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
# ".example.org" in ALLOWED_HOSTS means every subdomain: the CSRF form of that is "https://*.example.org".
CSRF_TRUSTED_ORIGINS = [f"https://*{h}" if h.startswith(".") else f"https://{h}" for h in ALLOWED_HOSTS if h != "*"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
