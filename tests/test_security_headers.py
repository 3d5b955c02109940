"""Pages carry a strict Content-Security-Policy and are never cached; templates keep to what it allows."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.urls import reverse

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = sorted((ROOT / "templates").rglob("*.html"))


@pytest.mark.django_db
def test_a_chart_page_has_the_policy_and_is_not_cached(personas, client_for) -> None:
    response = client_for(personas.prescriber).get(reverse("patients:detail", args=[personas.demo_patient.public_id]))
    assert response.status_code == 200
    csp = response["Content-Security-Policy"]
    assert "script-src 'self';" in csp
    assert "unsafe-eval" not in csp and "frame-ancestors 'none'" in csp
    assert "no-store" in response["Cache-Control"]


@pytest.mark.django_db
def test_api_answers_and_the_login_page_are_not_cached(personas, client_for, client) -> None:
    api = client_for(personas.prescriber).get(f"/api/v1/patients/{personas.demo_patient.public_id}/")
    assert api.status_code == 200
    assert "no-store" in api["Cache-Control"]
    client.logout()
    login = client.get(reverse("accounts:login"))
    assert "no-store" in login["Cache-Control"] and "Content-Security-Policy" in login


def test_templates_have_no_inline_script_or_event_handlers() -> None:
    offenders = []
    for path in TEMPLATES:
        text = path.read_text()
        for match in re.finditer(r"<script(?![^>]*\bsrc=)[^>]*>", text):
            offenders.append(f"{path.relative_to(ROOT)}: inline {match.group(0)}")
        for match in re.finditer(r"\s(on[a-z]+)=[\"']", text):
            offenders.append(f"{path.relative_to(ROOT)}: handler {match.group(1)}")
        for _match in re.finditer(r"href=[\"']javascript:", text):
            offenders.append(f"{path.relative_to(ROOT)}: javascript: URL")
        # htmx trigger filters ("every 30s [cond]") are compiled with eval, which the policy forbids.
        for match in re.finditer(r"hx-trigger=[\"'][^\"']*\s\[", text):
            offenders.append(f"{path.relative_to(ROOT)}: htmx filter in {match.group(0)}")
    assert not offenders, offenders
