"""Settings come from the environment; production refuses to start insecure or with a malformed value.

Each case starts a fresh interpreter, because settings are read once at import time.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
GOOD_KEY = "prod-test-" + "q7Lm2xVb9KcR4tWz8NpJ3sHf6YdG1uEa5oTiBnCvXk"  # 52 characters, many distinct
PRODUCTION = {
    "DJANGO_SETTINGS_MODULE": "kap_clinic.settings.production",
    "DJANGO_SECRET_KEY": GOOD_KEY,
    "DJANGO_ALLOWED_HOSTS": "clinic.example.org",
    "EMAIL_URL": "smtp://mail.example.org:587",
    "AUDIT_HMAC_KEY": "prod-test-audit-" + "Zx8Qm3Lk7Vb2Nc6Rt1Yw5Hs9Pd4Gf0Ja",
}
# Variables a developer's shell may carry that would change what a case tests.
SCRUBBED = (
    "DJANGO_SETTINGS_MODULE",
    "DJANGO_SECRET_KEY",
    "DJANGO_ALLOWED_HOSTS",
    "DATABASE_URL",
    "REDIS_URL",
    "EMAIL_URL",
    "AUDIT_HMAC_KEY",
    "CLINIC_TIME_ZONE",
    "DJANGO_DEBUG",
    "DJANGO_SECURE_SSL_REDIRECT",
    "STAFF_IDLE_TIMEOUT_MINUTES",
    "STAFF_MFA_REQUIRED",
    "ELIGIBILITY_MAX_AGE_DAYS",
    "PCL5_PROBABLE_PTSD_CUTPOINT",
    "DJANGO_ALLOW_ASYNC_UNSAFE",  # set by tests/conftest.py for Playwright; check --deploy warns about it
)


def run(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if k not in SCRUBBED}
    return subprocess.run(  # noqa: S603 - fixed interpreter, arguments from this file
        [sys.executable, *args], cwd=ROOT, env={**base, **env}, capture_output=True, text=True, timeout=120
    )


def setup_django(**env: str) -> subprocess.CompletedProcess[str]:
    return run("-c", "import django; django.setup(); print('started')", **env)


def test_production_settings_start_with_a_secret_key_and_allowed_hosts() -> None:
    result = setup_django(**PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert "started" in result.stdout


def test_production_settings_refuse_to_start_without_a_secret_key() -> None:
    env = {k: v for k, v in PRODUCTION.items() if k != "DJANGO_SECRET_KEY"}
    result = setup_django(**env)
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_production_settings_refuse_a_short_secret_key() -> None:
    result = setup_django(**{**PRODUCTION, "DJANGO_SECRET_KEY": "too-short"})
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_production_settings_refuse_to_start_without_allowed_hosts() -> None:
    env = {k: v for k, v in PRODUCTION.items() if k != "DJANGO_ALLOWED_HOSTS"}
    result = setup_django(**env)
    assert result.returncode != 0
    assert "DJANGO_ALLOWED_HOSTS" in result.stderr


@pytest.mark.parametrize("value", [None, "too-short"])
def test_production_settings_refuse_to_start_without_an_audit_key(value) -> None:
    env = {k: v for k, v in PRODUCTION.items() if k != "AUDIT_HMAC_KEY"}
    if value:
        env["AUDIT_HMAC_KEY"] = value
    result = setup_django(**env)
    assert result.returncode != 0
    assert "AUDIT_HMAC_KEY must be set" in result.stderr


def test_production_settings_refuse_to_start_without_a_mail_transport() -> None:
    env = {k: v for k, v in PRODUCTION.items() if k != "EMAIL_URL"}
    result = setup_django(**env)
    assert result.returncode != 0
    assert "EMAIL_URL must be set" in result.stderr


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("DATABASE_URL", "not-a-url"),
        ("DATABASE_URL", "postgres://db.example.org:port/kap"),
        ("DATABASE_URL", "mongodb://db.example.org/kap"),
        ("REDIS_URL", "http://127.0.0.1:6379/0"),
        ("REDIS_URL", "redis://127.0.0.1:sixty/0"),
        ("REDIS_URL", "redis://127.0.0.1:6379/zero"),
        ("CLINIC_TIME_ZONE", "Mars/Olympus_Mons"),
        ("CLINIC_TIME_ZONE", "../../etc/passwd"),
        ("DJANGO_DEBUG", "maybe"),
        ("DJANGO_SECURE_SSL_REDIRECT", "sometimes"),
        ("EMAIL_URL", "carrier-pigeon"),
        ("STAFF_IDLE_TIMEOUT_MINUTES", "half an hour"),
        ("STAFF_IDLE_TIMEOUT_MINUTES", "0"),
        ("STAFF_MFA_REQUIRED", "sometimes"),
        ("ELIGIBILITY_MAX_AGE_DAYS", "a year"),
        ("ELIGIBILITY_MAX_AGE_DAYS", "0"),
        ("PCL5_PROBABLE_PTSD_CUTPOINT", "33.5"),
        ("PCL5_PROBABLE_PTSD_CUTPOINT", "81"),
    ],
)
def test_a_malformed_variable_stops_start_up_naming_the_variable(variable: str, value: str) -> None:
    result = setup_django(**{**PRODUCTION, variable: value})
    assert result.returncode != 0, f"{variable}={value!r} was accepted"
    last_line = result.stderr.strip().splitlines()[-1]
    assert variable in last_line, last_line


@pytest.mark.parametrize("value", ["true", "False", "1", "0", "yes", "off"])
def test_a_boolean_variable_accepts_the_usual_spellings(value: str) -> None:
    result = setup_django(**{**PRODUCTION, "DJANGO_SECURE_SSL_REDIRECT": value})
    assert result.returncode == 0, result.stderr


def test_local_settings_start_with_nothing_set() -> None:
    result = setup_django(DJANGO_SETTINGS_MODULE="kap_clinic.settings.local")
    assert result.returncode == 0, result.stderr


def test_check_deploy_passes_with_production_settings() -> None:
    result = run("manage.py", "check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_settings_use_secure_cookies_and_hsts() -> None:
    script = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_HSTS_SECONDS >= 31536000, s.DEBUG)"
    )
    result = run("-c", script, **PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "True", "True", "False"]


def test_clinical_rules_come_from_the_environment() -> None:
    script = (
        "import django; django.setup(); from django.conf import settings as s; "
        "from patients.instruments import pcl5_cutpoint; from patients.selectors import eligibility_max_age; "
        "print(s.ELIGIBILITY_MAX_AGE_DAYS, s.PCL5_PROBABLE_PTSD_CUTPOINT, eligibility_max_age().days, pcl5_cutpoint())"
    )
    assert run("-c", script, **PRODUCTION).stdout.split() == ["365", "33", "365", "33"]
    custom = {**PRODUCTION, "ELIGIBILITY_MAX_AGE_DAYS": "180", "PCL5_PROBABLE_PTSD_CUTPOINT": "31"}
    result = run("-c", script, **custom)
    assert result.stdout.split() == ["180", "31", "180", "31"], result.stderr


def test_staff_two_factor_is_required_in_production_unless_the_environment_says_otherwise() -> None:
    script = "import django; django.setup(); from django.conf import settings as s; print(s.STAFF_MFA_REQUIRED)"
    assert run("-c", script, **PRODUCTION).stdout.split() == ["True"]
    assert run("-c", script, **{**PRODUCTION, "STAFF_MFA_REQUIRED": "false"}).stdout.split() == ["False"]
    # Elsewhere off, so the documented demo logins work with the password alone.
    assert run("-c", script, DJANGO_SETTINGS_MODULE="kap_clinic.settings.local").stdout.split() == ["False"]
    assert run("-c", script, DJANGO_SETTINGS_MODULE="kap_clinic.settings.test").stdout.split() == ["False"]
    on = run("-c", script, DJANGO_SETTINGS_MODULE="kap_clinic.settings.local", STAFF_MFA_REQUIRED="yes")
    assert on.stdout.split() == ["True"]
