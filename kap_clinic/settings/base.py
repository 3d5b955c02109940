"""Settings shared by every environment.

Everything that varies by deployment comes from the environment (see ``.env.example``);
``local``, ``test`` and ``production`` only override what genuinely differs.
"""

from __future__ import annotations

import ipaddress
import os
import zoneinfo
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()


# django-environ reads any unknown word as False ("DJANGO_DEBUG=ture" would silently mean off).
_BOOL_WORDS = {"1", "0", "true", "false", "yes", "no", "on", "off"}


def env_value(name: str, cast, default):
    """Read and cast one variable; a malformed value stops start-up naming the variable."""
    raw = os.environ.get(name)
    if cast == env.bool and raw is not None and raw.strip().lower() not in _BOOL_WORDS:
        raise ImproperlyConfigured(f"Environment variable {name} is malformed: expected true or false, got {raw!r}")
    try:
        return cast(name, default=default)
    except (ValueError, TypeError, environ.ImproperlyConfigured) as exc:
        raise ImproperlyConfigured(f"Environment variable {name} is malformed: {exc}") from exc


def _check_redis_url(url: str) -> None:
    """redis://host:port/db with an integer port and db; the client would only fail at first use."""
    parts = urlsplit(url)
    if parts.scheme not in ("redis", "rediss", "unix"):
        raise ImproperlyConfigured("Environment variable REDIS_URL must start with redis://, rediss:// or unix://")
    try:
        parts.port  # noqa: B018 - raises ValueError for a non-numeric port
    except ValueError as exc:
        raise ImproperlyConfigured(f"Environment variable REDIS_URL is malformed: {exc}") from exc
    db = parts.path.strip("/")
    if parts.scheme != "unix" and db and not db.isdigit():
        raise ImproperlyConfigured(f"Environment variable REDIS_URL is malformed: database {db!r} is not a number")


DEBUG = env_value("DJANGO_DEBUG", env.bool, False)
SECRET_KEY = env("DJANGO_SECRET_KEY", default="")
# Key of the audit trail's MACs and seal chain (kap_clinic/audit/integrity.py). Separate from
# SECRET_KEY so rotating that one does not make the whole trail look tampered with.
AUDIT_HMAC_KEY = env("AUDIT_HMAC_KEY", default="")
ALLOWED_HOSTS: list[str] = env_value("DJANGO_ALLOWED_HOSTS", env.list, [])

# --- Database -----------------------------------------------------------------------------
# Embedded default: one SQLite file next to manage.py, so `make run` works on a bare laptop.
_default_db = f"sqlite:///{BASE_DIR / 'db.sqlite3'}"
_db_url = env("DATABASE_URL", default=_default_db) or _default_db
try:
    DATABASES = {"default": environ.Env.db_url_config(_db_url)}
except Exception as exc:  # django-environ raises several types for a bad URL
    raise ImproperlyConfigured(f"Environment variable DATABASE_URL is malformed: {exc}") from exc
if DATABASES["default"].get("ENGINE") not in ("django.db.backends.postgresql", "django.db.backends.sqlite3"):
    raise ImproperlyConfigured(
        "Environment variable DATABASE_URL names an unsupported database: use postgres://… or sqlite:///…"
    )
DATABASES["default"]["ATOMIC_REQUESTS"] = False
IS_POSTGRES = DATABASES["default"]["ENGINE"].endswith("postgresql")
# Persistent connections on PostgreSQL (a new connection costs a few ms on every request), checked
# before reuse so a restarted database server costs one failed check, not one failed request.
DATABASES["default"]["CONN_MAX_AGE"] = env_value("DJANGO_CONN_MAX_AGE", env.int, 60 if IS_POSTGRES else 0)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # WAL + a busy timeout let the dev server, the embedded job thread and tests share the file.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"}
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis / Celery -----------------------------------------------------------------------
REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    _check_redis_url(REDIS_URL)
EMBEDDED_JOBS = not REDIS_URL

CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or None
# Embedded mode: tasks run in-process, right where they are enqueued (after commit).
CELERY_TASK_ALWAYS_EAGER = EMBEDDED_JOBS
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TIMEZONE = "UTC"
CELERY_TASK_TIME_LIMIT = 5 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 4 * 60
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_RESULT_EXPIRES = timedelta(days=1)
# Liveness of the background jobs (kap_clinic/ops/): the sweep runs every JOBS_SWEEP_EVERY_SECONDS;
# /healthz/jobs and the admins' banner call jobs "late" when no sweep has finished for
# JOBS_LATE_AFTER_SECONDS and "down" (503) after JOBS_DOWN_AFTER_SECONDS. Workers, beat and the
# embedded runner refresh their own row every JOBS_HEARTBEAT_SECONDS. All from the environment, so a
# fault drill can start worker and beat with seconds instead of minutes.
JOBS_SWEEP_EVERY_SECONDS = env_value("JOBS_SWEEP_EVERY_SECONDS", env.int, 60)
JOBS_LATE_AFTER_SECONDS = env_value("JOBS_LATE_AFTER_SECONDS", env.int, 180)
JOBS_DOWN_AFTER_SECONDS = env_value("JOBS_DOWN_AFTER_SECONDS", env.int, 600)
JOBS_HEARTBEAT_SECONDS = env_value("JOBS_HEARTBEAT_SECONDS", env.int, 30)
for _name in (
    "JOBS_SWEEP_EVERY_SECONDS",
    "JOBS_LATE_AFTER_SECONDS",
    "JOBS_DOWN_AFTER_SECONDS",
    "JOBS_HEARTBEAT_SECONDS",
):
    if vars()[_name] < 1:
        raise ImproperlyConfigured(f"Environment variable {_name} must be 1 or more (seconds).")
if not JOBS_SWEEP_EVERY_SECONDS < JOBS_LATE_AFTER_SECONDS < JOBS_DOWN_AFTER_SECONDS:
    raise ImproperlyConfigured(
        "Environment variables JOBS_SWEEP_EVERY_SECONDS < JOBS_LATE_AFTER_SECONDS < JOBS_DOWN_AFTER_SECONDS must hold."
    )
# Beat records its ticks through this scheduler (the default one, plus a liveness row).
CELERY_BEAT_SCHEDULER = "kap_clinic.ops.beat:RecordingScheduler"
# The beat schedule is code so it is reviewed in diffs; later issues add the reminder sweep here.
CELERY_BEAT_SCHEDULE: dict[str, dict] = {
    "clear-expired-sessions": {
        "task": "kap_clinic.common.tasks.clear_expired_sessions_task",
        "schedule": crontab(minute=17, hour="*/6"),
    },
    # Reminders are rows: this sends what is due, plans consent reminders, and re-hands report
    # jobs the broker lost (sessions_app/tasks.py). Exactly one beat must run.
    "jobs-sweep": {
        "task": "sessions_app.tasks.jobs_sweep_task",
        "schedule": timedelta(seconds=JOBS_SWEEP_EVERY_SECONDS),
    },
    # Tamper evidence: chain the audit events older than ten minutes into the next seal.
    "audit-seal": {
        "task": "kap_clinic.audit.tasks.audit_seal_task",
        "schedule": crontab(minute="*/5"),
    },
    # ... and check the whole trail every night; a failure is logged and shown on the admins' dashboard.
    "audit-verify": {
        "task": "kap_clinic.audit.tasks.audit_verify_task",
        "schedule": crontab(minute=40, hour=3),
    },
}

if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Applications -------------------------------------------------------------------------
INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_htmx",
    "kap_clinic.idempotency",
    "kap_clinic.accounts",
    "kap_clinic.audit",
    "kap_clinic.ops",
    "patients",
    "consent",
    "sessions_app",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Times every request but static files, by view name (/metrics).
    "kap_clinic.ops.middleware.RequestMetricsMiddleware",
    "kap_clinic.common.middleware.RequestIdMiddleware",
    "kap_clinic.common.middleware.RetryAfterMiddleware",
    "kap_clinic.common.middleware.SecurityHeadersMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # After MessageMiddleware: it leaves a "signed out after inactivity" message for the login page.
    "kap_clinic.accounts.middleware.StaffIdleTimeoutMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "kap_clinic.urls"
WSGI_APPLICATION = "kap_clinic.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "kap_clinic.common.context_processors.clinic",
            ],
        },
    }
]

# --- Accounts -----------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
PASSWORD_RESET_TIMEOUT = 60 * 60 * 2
# The login form refuses an email after this many failures from one address within the window.
LOGIN_FAILURE_LIMIT = 10
LOGIN_FAILURE_WINDOW_SECONDS = 15 * 60
# Staff are logged out after this many minutes without a request (shared tablets in dosing rooms).
STAFF_IDLE_TIMEOUT_MINUTES = env_value("STAFF_IDLE_TIMEOUT_MINUTES", env.int, 30)
if STAFF_IDLE_TIMEOUT_MINUTES < 1:
    raise ImproperlyConfigured("Environment variable STAFF_IDLE_TIMEOUT_MINUTES must be 1 or more (minutes).")
# Staff must sign in with a code from an authenticator app as well as their password (TOTP,
# kap_clinic/accounts/totp.py). Off by default so the demo logins work with a password alone;
# production turns it on unless the environment says otherwise. Staff may opt in either way.
STAFF_MFA_REQUIRED = env_value("STAFF_MFA_REQUIRED", env.bool, False)
# Wrong two-factor codes allowed per user within the window before the code step refuses for a while.
MFA_FAILURE_LIMIT = 5
MFA_FAILURE_WINDOW_SECONDS = 15 * 60
# How long the password step stays valid while the user fetches their phone.
MFA_PENDING_SECONDS = 5 * 60
# Sessions are read from the cache (Redis in production) and written through to the database;
# a cache outage falls back to the database alone (kap_clinic/accounts/sessions.py).
SESSION_ENGINE = "kap_clinic.accounts.sessions"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 60 * 60 * 12

# --- Internationalisation -----------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"  # stored in UTC; displayed in the clinic's zone (middleware activates it)
CLINIC_TIME_ZONE = env("CLINIC_TIME_ZONE", default="America/New_York")
try:
    zoneinfo.ZoneInfo(CLINIC_TIME_ZONE)
except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
    raise ImproperlyConfigured(
        f"Environment variable CLINIC_TIME_ZONE is not a known IANA time zone: {CLINIC_TIME_ZONE!r}"
    ) from exc
CLINIC_NAME = env("CLINIC_NAME", default="KAP Clinic")

# --- Clinical rules (domain.md, sections b and c) -------------------------------------------
# An eligibility decision stops counting as current after this many days (or after a newer intake).
ELIGIBILITY_MAX_AGE_DAYS = env_value("ELIGIBILITY_MAX_AGE_DAYS", env.int, 365)
if ELIGIBILITY_MAX_AGE_DAYS < 1:
    raise ImproperlyConfigured("Environment variable ELIGIBILITY_MAX_AGE_DAYS must be 1 or more (days).")
# PCL-5 total at or above which the result is "probable PTSD" (31-33 are published; 33 by default).
PCL5_PROBABLE_PTSD_CUTPOINT = env_value("PCL5_PROBABLE_PTSD_CUTPOINT", env.int, 33)
if not 1 <= PCL5_PROBABLE_PTSD_CUTPOINT <= 80:
    raise ImproperlyConfigured("Environment variable PCL5_PROBABLE_PTSD_CUTPOINT must be between 1 and 80.")
USE_I18N = True
USE_TZ = True

# --- Static and media ---------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = Path(env("DJANGO_MEDIA_ROOT", default=str(BASE_DIR / "media")))
MEDIA_URL = "/media/"  # never served directly: files go through permission-checked views
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# --- Email --------------------------------------------------------------------------------
_email_url = env("EMAIL_URL", default="consolemail://")
try:
    vars().update(environ.Env.email_url_config(_email_url))
except Exception as exc:
    raise ImproperlyConfigured(f"Environment variable EMAIL_URL is malformed: {exc}") from exc
DEFAULT_FROM_EMAIL = env("DJANGO_DEFAULT_FROM_EMAIL", default="KAP Clinic <no-reply@kap-clinic.invalid>")
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000")


# --- Reminders (sessions_app/reminders/) --------------------------------------------------
def _minutes(name: str, text: str) -> int:
    """ "48h", "90m", "2d" → minutes; anything else stops start-up naming the variable."""
    value = text.strip().lower()
    units = {"m": 1, "h": 60, "d": 1440}
    if len(value) < 2 or value[-1] not in units or not value[:-1].isdigit() or int(value[:-1]) <= 0:
        raise ImproperlyConfigured(f"Environment variable {name} has {text!r}: use a positive number with m, h or d")
    return int(value[:-1]) * units[value[-1]]


def _quiet_hours(text: str) -> tuple[str, str] | None:
    if not text.strip():
        return None
    try:
        start, end = (part.strip() for part in text.split("-"))
        for part in (start, end):
            hours, minutes = part.split(":")
            if not (0 <= int(hours) < 24 and 0 <= int(minutes) < 60):
                raise ValueError(part)
    except ValueError:
        raise ImproperlyConfigured("Environment variable REMINDER_QUIET_HOURS must look like 21:00-08:00") from None
    return start, end


# Appointment reminders go this long before each session, by each channel the patient chose.
REMINDER_OFFSETS = sorted(
    {_minutes("REMINDER_OFFSETS", v) for v in env_value("REMINDER_OFFSETS", env.list, ["48h", "2h"])}, reverse=True
)
# The questionnaire-due reminder before a dosing session without a PHQ-9 in the past 7 days.
REMINDER_QUESTIONNAIRE_OFFSET = _minutes(
    "REMINDER_QUESTIONNAIRE_OFFSET", env("REMINDER_QUESTIONNAIRE_OFFSET", default="72h")
)
# A signing request still unsigned after 2 days is reminded, then every 3 days, at most 3 times.
REMINDER_CONSENT_FIRST = _minutes("REMINDER_CONSENT_FIRST", env("REMINDER_CONSENT_FIRST", default="2d"))
REMINDER_CONSENT_EVERY = _minutes("REMINDER_CONSENT_EVERY", env("REMINDER_CONSENT_EVERY", default="3d"))
REMINDER_CONSENT_MAX = env_value("REMINDER_CONSENT_MAX", env.int, 3)
# SMS is not sent between these clinic-local times (it waits for the end); empty = no quiet hours.
REMINDER_QUIET_HOURS = _quiet_hours(env("REMINDER_QUIET_HOURS", default="21:00-08:00"))
# Transient failures are retried with backoff this many times in all, then the reminder is failed.
REMINDER_MAX_ATTEMPTS = env_value("REMINDER_MAX_ATTEMPTS", env.int, 5)
# The name messages are signed with; set a neutral one if the clinic's name says too much.
REMINDER_SENDER_NAME = env("REMINDER_SENDER_NAME", default=CLINIC_NAME)
# SMS: a generic HTTP provider (POST JSON to SMS_URL with a bearer SMS_TOKEN), else the console.
SMS_URL = env("SMS_URL", default="")
SMS_TOKEN = env("SMS_TOKEN", default="")
SMS_BACKEND = env(
    "SMS_BACKEND",
    default="sessions_app.reminders.messaging.sms.HttpSmsBackend"
    if SMS_URL
    else "sessions_app.reminders.messaging.sms.ConsoleSmsBackend",
)
SMS_TIMEOUT_SECONDS = 10

# --- REST framework -----------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "kap_clinic.common.api.Pagination",
    "DEFAULT_PARSER_CLASSES": [
        "kap_clinic.common.parsers.SafeJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "kap_clinic.common.api.exception_handler",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "KAP Clinic API",
    "DESCRIPTION": "Practice management for ketamine-assisted psychotherapy clinics.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "kap_clinic.common.schema.drop_blank_defaults_of_formatted_strings",
        "kap_clinic.common.schema.empty_optional_query_parameters_are_allowed",
        "kap_clinic.common.schema.document_error_responses",
    ],
    "ENUM_NAME_OVERRIDES": {
        "UserRoleEnum": "kap_clinic.accounts.models.User.Role",
        "StaffRoleEnum": ["admin", "clinician"],
        "DisciplineEnum": "kap_clinic.accounts.models.User.Discipline",
        # Several apps have a field named "status" or "kind"; naming the main ones keeps the schema
        # names stable and `check --deploy` free of drf-spectacular collision warnings.
        "PatientStatusEnum": "patients.models.Patient.Status",
        "SessionKindEnum": "sessions_app.models.SessionKind",
        "GateOverrideKindEnum": "sessions_app.clinical.models.dosing.GateOverride.Kind",
        "InventoryEntryKindEnum": "sessions_app.inventory.models.InventoryEntry.Kind",
        "ReportKindEnum": "sessions_app.reports.models.GeneratedReport.Kind",
        "ReminderKindEnum": "sessions_app.reminders.models.Reminder.Kind",
        "SafetyFlagKindEnum": "patients.models.assessments.SafetyFlag.Kind",
    },
}

# --- Writes that are safe to retry (kap_clinic/idempotency/) ---------------------------------
# The first answer to an Idempotency-Key (API) or a form's one-time key (pages) is kept this long.
IDEMPOTENCY_KEY_TTL_HOURS = env_value("IDEMPOTENCY_KEY_TTL_HOURS", env.int, 24)
if IDEMPOTENCY_KEY_TTL_HOURS < 1:
    raise ImproperlyConfigured("Environment variable IDEMPOTENCY_KEY_TTL_HOURS must be 1 or more (hours).")
# Last: it calls the API view itself, so any middleware after it would be skipped for keyed writes.
MIDDLEWARE += ["kap_clinic.idempotency.middleware.ApiIdempotencyMiddleware"]
CELERY_BEAT_SCHEDULE["idempotency-purge"] = {
    "task": "kap_clinic.idempotency.tasks.idempotency_keys_purge_task",
    "schedule": crontab(minute=23),  # hourly
}
# After document_error_responses: the Idempotency-Key header and its 409 on every write.
SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"].append("kap_clinic.idempotency.schema.document_idempotency_key")

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# --- Security defaults shared by every environment ----------------------------------------
# How many reverse proxies of ours append to X-Forwarded-For (0: gunicorn faces clients directly,
# so the header is the client's own claim and the audit trail records REMOTE_ADDR instead).
TRUSTED_PROXY_HOPS = env_value("DJANGO_TRUSTED_PROXY_HOPS", env.int, 0)
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the cookie-less meta tag; kept default

# --- Monitoring and logs (kap_clinic/ops/) ---------------------------------------------------
# /metrics answers a request that carries "Authorization: Bearer <METRICS_TOKEN>" (empty: no token
# works) or comes from METRICS_ALLOWED_NETWORKS: the connection and, behind our own proxies
# (DJANGO_TRUSTED_PROXY_HOPS), the client they relay must both be inside.
METRICS_TOKEN = env("METRICS_TOKEN", default="")
METRICS_ALLOWED_NETWORKS = env_value("METRICS_ALLOWED_NETWORKS", env.list, ["127.0.0.0/8", "::1/128"])
try:
    METRICS_ALLOWED_NETWORKS = [str(ipaddress.ip_network(n.strip(), strict=False)) for n in METRICS_ALLOWED_NETWORKS]
except ValueError as exc:
    raise ImproperlyConfigured(f"Environment variable METRICS_ALLOWED_NETWORKS is malformed: {exc}") from exc

# "text" (one line a record) or "json" (JSON lines for a log shipper). Both carry the request id, which
# the tasks a request enqueues carry too. Log lines hold ids and error classes, never patient data.
LOG_FORMAT = env("LOG_FORMAT", default="text").strip().lower()
if LOG_FORMAT not in ("text", "json"):
    raise ImproperlyConfigured("Environment variable LOG_FORMAT must be text or json.")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "kap_clinic.ops.logs.RequestIdFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {"()": "kap_clinic.ops.logs.json_formatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json" if LOG_FORMAT == "json" else "plain",
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": env("DJANGO_LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
