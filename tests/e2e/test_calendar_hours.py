"""The week calendar shows every booked session: its hours widen past 07:00-20:00 when a session in
the shown week needs it, and go back to 07:00-20:00 for a week whose sessions all fit."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from kap_clinic.common import clock
from sessions_app.scheduling.services.clinic import session_types
from sessions_app.scheduling.services.sessions import session_schedule
from tests.sessions_app.conftest import make_clinic

pytestmark = pytest.mark.django_db(transaction=True)


def _next_week_monday() -> dt.date:
    today = clock.local_today()
    return today + dt.timedelta(days=7 - today.weekday())


def test_early_and_small_hours_sessions_show_in_full(personas, login, live_server, screenshot) -> None:
    session_types()
    clinic = make_clinic([personas.prescriber, personas.nurse, personas.therapist])
    monday = _next_week_monday()

    def book(day: dt.date, at: dt.time):  # noqa: ANN202
        return session_schedule(
            actor=personas.admin,
            patient=personas.demo_patient,
            kind="consultation",
            starts_at=clock.combine(day, at),
            lead_clinician=personas.prescriber,
            room=clinic.consult_room,
            override_hours=True,
            override_reason="The only time the patient can come",
        )

    dawn = book(monday + dt.timedelta(days=1), dt.time(5, 45))
    night = book(monday + dt.timedelta(days=3), dt.time(1, 15))
    book(monday + dt.timedelta(days=14), dt.time(10, 0))  # a daytime-only week two weeks on

    page = login("admin@demo.clinic")
    page.goto(f"{live_server.url}/sessions/?date={monday.isoformat()}")
    calendar = page.locator("#calendar")
    expect(calendar).to_have_attribute("data-slot-min", "01:00:00")
    expect(calendar).to_have_attribute("data-slot-max", "20:00:00")
    lanes = page.locator("td.fc-timegrid-slot-lane")
    expect(lanes.first).to_have_attribute("data-time", "01:00:00")
    expect(lanes.last).to_have_attribute("data-time", "19:30:00")
    grid = page.locator(".fc-timegrid-body").bounding_box()
    for session, slot in ((dawn, "05:30:00"), (night, "01:00:00")):
        event = page.locator(f"[data-session-id='{session.public_id}']")
        expect(event).to_be_visible()
        box = event.bounding_box()
        assert grid["y"] <= box["y"] and box["y"] + box["height"] <= grid["y"] + grid["height"]
        lane = page.locator(f"td.fc-timegrid-slot-lane[data-time='{slot}']").bounding_box()
        assert lane["y"] - 2 <= box["y"] <= lane["y"] + lane["height"]  # drawn at its time, not clipped to the top
    screenshot("calendar-early-sessions")

    # Two weeks on, every session fits the usual day: back to 07:00-20:00.
    page.locator(".fc-next-button").click()
    page.locator(".fc-next-button").click()
    expect(calendar).to_have_attribute("data-slot-min", "07:00:00")
    expect(lanes.first).to_have_attribute("data-time", "07:00:00")
