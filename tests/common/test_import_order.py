"""Modules that DRF settings name must import in any order: a Celery worker imports
``kap_clinic.common.api`` before ``rest_framework.views``, and a parser defined there was read by
DRF while that module was half-imported (the worker failed its start-up checks)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("first", ["kap_clinic.common.api", "kap_clinic.common.parsers", "rest_framework.views"])
def test_the_api_modules_import_first_in_a_fresh_process(first) -> None:
    code = (
        "import django; django.setup()\n"
        f"import {first}\n"
        "from django.core.checks import run_checks\n"
        "problems = run_checks()\n"
        "assert not problems, problems\n"
    )
    result = subprocess.run(  # noqa: S603 - fixed arguments
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={"DJANGO_SETTINGS_MODULE": "kap_clinic.settings.test", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-3000:]
