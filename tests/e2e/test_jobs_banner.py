"""The practice admin's dashboard warns while the background jobs are late, and stops when they run."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from playwright.sync_api import expect

from kap_clinic.common.clock import clinic_localtime
from kap_clinic.ops import services
from tests.ops.conftest import Waiting

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 390, "height": 844}


def test_the_admin_sees_the_jobs_banner_while_the_sweep_is_late_and_not_once_it_runs(
    login, live_server, personas, screenshot
) -> None:
    now = timezone.now()
    services.sweep_finished(ok=True, now=now)
    page = login("admin@demo.clinic")
    assert page.url == f"{live_server.url}/dashboard/"
    expect(page.locator("#jobs-banner")).to_have_count(0)

    # The sweep last finished four minutes ago, and reminders and a report wait.
    last_sweep = now - dt.timedelta(minutes=4)
    services.sweep_finished(ok=True, now=last_sweep)
    waiting = Waiting(personas)
    waiting.reminders(now - dt.timedelta(minutes=3), now - dt.timedelta(minutes=2))
    waiting.reports(now - dt.timedelta(minutes=1))
    cache.clear()  # the banner's 15-second cache (the live server runs in this process)
    page.goto(f"{live_server.url}/dashboard/")
    banner = page.get_by_role("alert").filter(has_text="Background jobs are late")
    expect(banner).to_be_visible()
    expect(banner).to_have_attribute("id", "jobs-banner")
    since = clinic_localtime(last_sweep)
    expect(banner).to_contain_text(f"since {since:%a} {since.day} {since:%b}, {since:%H:%M}")
    expect(banner.get_by_test_id("jobs-banner-reminders")).to_have_text("2 reminders")
    expect(banner.get_by_test_id("jobs-banner-reports")).to_have_text("1 report")
    expect(banner).to_contain_text("run_embedded_jobs" if settings.EMBEDDED_JOBS else "Celery worker")
    screenshot("jobs-banner-1280", full_page=False)
    page.set_viewport_size(PHONE)
    expect(banner).to_be_visible()
    box = banner.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]  # no sideways scroll
    screenshot("jobs-banner-390", full_page=False)

    # The jobs run again: the banner goes away (after the cache's 15 s; cleared here).
    services.sweep_finished(ok=True, now=timezone.now())
    cache.clear()
    page.reload()
    expect(page.get_by_test_id("patient-count")).to_be_visible()
    expect(page.locator("#jobs-banner")).to_have_count(0)


def test_a_clinician_never_sees_it(login, personas) -> None:
    cache.clear()  # nothing has ever run in this database: the jobs are down
    page = login("prescriber@demo.clinic")
    expect(page.get_by_test_id("patient-count")).to_be_visible()
    expect(page.locator("#jobs-banner")).to_have_count(0)
