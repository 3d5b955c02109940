"""The jobs banner on the practice admins' dashboard while the jobs are late or down."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kap_clinic.ops import services
from kap_clinic.ops.models import JobHeartbeat
from tests.ops.conftest import NOW

pytestmark = pytest.mark.django_db

BANNER = 'id="jobs-banner"'


def dashboard(client_for, user) -> str:  # noqa: ANN001
    response = client_for(user).get("/dashboard/")
    assert response.status_code == 200
    return response.content.decode()


def test_no_banner_while_the_jobs_are_ok(client_for, personas, clock) -> None:
    clock()
    services.sweep_finished(ok=True, now=NOW - dt.timedelta(seconds=50))
    assert BANNER not in dashboard(client_for, personas.admin)


def test_a_late_sweep_shows_since_when_in_clinic_time_what_waits_and_what_to_do(
    client_for, personas, waiting, clock, settings
) -> None:
    settings.REDIS_URL, settings.EMBEDDED_JOBS = "redis://127.0.0.1:6379/0", False  # services mode wording
    clock()
    services.sweep_finished(ok=True, now=NOW - dt.timedelta(minutes=4))
    services.heartbeat_record(name="worker:celery@w1", now=NOW - dt.timedelta(minutes=4))
    services.heartbeat_record(name=JobHeartbeat.BEAT, now=NOW - dt.timedelta(minutes=5))
    waiting.reminders(NOW - dt.timedelta(minutes=3), NOW - dt.timedelta(minutes=1))
    waiting.reports(NOW - dt.timedelta(minutes=2))
    page = dashboard(client_for, personas.admin)
    assert BANNER in page and 'role="alert"' in page
    assert "Background jobs are late" in page
    assert "since Wed 10 Jun, 09:56 EDT" in page  # 13:56 UTC on the clinic's clock
    assert "2 reminders" in page and "1 report" in page
    assert "the Celery worker (last seen 09:56 EDT)" in page and "beat (last seen 09:55 EDT)" in page
    assert "alert-warning" in page


def test_down_is_red_and_embedded_mode_names_its_runner(client_for, personas, clock, settings) -> None:
    settings.REDIS_URL, settings.EMBEDDED_JOBS = "", True
    clock()
    services.heartbeat_record(name=JobHeartbeat.EMBEDDED, now=NOW - dt.timedelta(minutes=30))
    services.sweep_finished(ok=True, now=NOW - dt.timedelta(minutes=30))
    page = dashboard(client_for, personas.admin)
    assert "Background jobs are down since Wed 10 Jun, 09:30 EDT" in page
    assert "alert-danger" in page
    assert "run_embedded_jobs</code> is running" in page and "(last seen 09:30 EDT)" in page
    assert "0 reminders" in page and "0 reports" in page


def test_jobs_that_never_ran_say_so(client_for, personas, clock) -> None:
    clock()
    page = dashboard(client_for, personas.admin)
    assert "Background jobs are down" in page
    assert "The reminder sweep has never run" in page


@pytest.mark.parametrize("who", ["prescriber", "nurse", "therapist", "outsider"])
def test_clinicians_do_not_see_it(client_for, personas, clock, who) -> None:
    clock()  # nothing ever ran: down
    assert BANNER not in dashboard(client_for, getattr(personas, who))


def test_it_is_read_at_most_every_15_seconds(client_for, personas, clock, settings, monkeypatch) -> None:
    """Three small queries when the cached state has expired, none otherwise; an ok sweep shows once
    the cached state expires."""
    from kap_clinic.ops import panels

    timeouts: list[int] = []

    class Recording:
        def get(self, key: str) -> object:
            return cache.get(key)

        def set(self, key: str, value: object, timeout: int) -> None:
            timeouts.append(timeout)
            cache.set(key, value, timeout)

    monkeypatch.setattr(panels, "cache", Recording())
    clock()
    admin = client_for(personas.admin)
    admin.get("/dashboard/")  # the page's other per-process caches
    cache.delete(panels.CACHE_KEY)
    timeouts.clear()
    with CaptureQueriesContext(connection) as cold:
        assert BANNER in admin.get("/dashboard/").content.decode()
    with CaptureQueriesContext(connection) as warm:
        admin.get("/dashboard/")
    ops_queries = [q["sql"] for q in cold.captured_queries if "ops_jobheartbeat" in q["sql"]]
    assert len(ops_queries) == 1
    assert len(cold.captured_queries) - len(warm.captured_queries) == 3
    assert timeouts == [15]
    services.sweep_finished(ok=True, now=NOW)
    assert BANNER in admin.get("/dashboard/").content.decode()  # cached
    clock(NOW + dt.timedelta(seconds=16))  # expires the local-memory cache ...
    if settings.REDIS_URL:
        cache.delete(panels.CACHE_KEY)  # ... while Redis keeps real time, not the test's clock
    assert BANNER not in admin.get("/dashboard/").content.decode()


def test_a_cache_that_does_not_answer_costs_a_fresh_read_not_the_page(client_for, personas, clock, monkeypatch) -> None:
    from kap_clinic.ops import panels

    class DownCache:
        def get(self, *_: object, **__: object) -> None:
            raise ConnectionError("redis down")

        set = get

    monkeypatch.setattr(panels, "cache", DownCache())
    clock()
    assert BANNER in dashboard(client_for, personas.admin)


@pytest.mark.parametrize(("sweep_every", "expected"), [(60, 15), (600, 15), (20, 5), (2, 1)])
def test_the_banner_is_never_staler_than_a_quarter_of_the_sweep_interval(settings, sweep_every, expected) -> None:
    from kap_clinic.ops import panels

    settings.JOBS_SWEEP_EVERY_SECONDS = sweep_every
    assert panels.cache_seconds() == expected
