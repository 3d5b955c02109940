"""The week grid's hours: 07:00-20:00 unless a session in the range needs more, so none is clipped."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from sessions_app.scheduling.calendar import DEFAULT_HOURS, visible_hours
from tests.sessions_app.conftest import MONDAY, at


def ev(start: str, end: str) -> dict[str, str]:
    return {"start": start, "end": end}


def test_sessions_inside_the_day_keep_the_default_hours() -> None:
    assert visible_hours([]) == DEFAULT_HOURS == ("07:00:00", "20:00:00")
    assert visible_hours([ev("2026-03-02T07:00", "2026-03-02T08:00"), ev("2026-03-03T18:30", "2026-03-03T20:00")]) == (
        "07:00:00",
        "20:00:00",
    )


def test_an_early_session_opens_the_grid_at_its_hour() -> None:
    assert visible_hours([ev("2026-03-03T05:45", "2026-03-03T06:45")]) == ("05:00:00", "20:00:00")


def test_a_session_in_the_small_hours_is_shown() -> None:
    hours = visible_hours([ev("2026-03-03T05:45", "2026-03-03T06:45"), ev("2026-03-05T01:15", "2026-03-05T02:15")])
    assert hours == ("01:00:00", "20:00:00")


def test_a_late_session_extends_the_end_to_the_next_whole_hour() -> None:
    assert visible_hours([ev("2026-03-04T20:30", "2026-03-04T21:10")]) == ("07:00:00", "22:00:00")
    assert visible_hours([ev("2026-03-04T19:00", "2026-03-04T21:00")]) == ("07:00:00", "21:00:00")


def test_a_session_ending_at_midnight_runs_the_grid_to_the_end_of_the_day() -> None:
    assert visible_hours([ev("2026-03-04T22:30", "2026-03-05T00:00")]) == ("07:00:00", "24:00:00")


def test_a_session_across_midnight_shows_the_whole_day_on_both_sides() -> None:
    assert visible_hours([ev("2026-03-04T23:30", "2026-03-05T00:30")]) == ("00:00:00", "24:00:00")


@pytest.mark.django_db
def test_the_feed_sends_the_hours_for_its_range(frozen, personas, clinic, book, client_for) -> None:
    client = client_for(personas.admin)
    url = reverse("sessions_app:calendar_events")
    week = {"start": "2026-03-02T00:00:00", "end": "2026-03-09T00:00:00"}
    book(at(MONDAY, 9))
    response = client.get(url, week)
    assert (response["X-Calendar-Slot-Min"], response["X-Calendar-Slot-Max"]) == ("07:00:00", "20:00:00")
    early = {"override_hours": True, "override_reason": "Only slot before the flight"}
    book(at(MONDAY + dt.timedelta(days=1), 5, 45), **early)
    book(at(MONDAY + dt.timedelta(days=3), 1, 15), **early)
    response = client.get(url, week)
    assert response.status_code == 200 and len(response.json()) == 3  # the body is still the plain event list
    assert (response["X-Calendar-Slot-Min"], response["X-Calendar-Slot-Max"]) == ("01:00:00", "20:00:00")
    # The next week has only daytime sessions: back to the default.
    book(at(MONDAY + dt.timedelta(days=8), 10))
    response = client.get(url, {"start": "2026-03-09T00:00:00", "end": "2026-03-16T00:00:00"})
    assert (response["X-Calendar-Slot-Min"], response["X-Calendar-Slot-Max"]) == ("07:00:00", "20:00:00")
