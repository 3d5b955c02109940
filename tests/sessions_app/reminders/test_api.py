"""The reminders API: admins list reminders and resend failed ones; no message text in the list."""

from __future__ import annotations

import datetime as dt

import pytest

from sessions_app.reminders.models import Reminder

from .conftest import local

pytestmark = pytest.mark.django_db


def test_admins_list_reminders_and_resend_only_failed_ones(walk, reachable, booking, personas, api_for) -> None:
    walk(local(2026, 3, 2, 12))
    session = booking.book(local(2026, 3, 5, 10))
    api = api_for(personas.admin)
    listed = api.get("/api/v1/reminders/", {"status": "pending"}).json()
    assert listed["count"] == 4 and {row["session"] for row in listed["results"]} == {str(session.public_id)}
    assert "text" not in listed["results"][0] and "body" not in listed["results"][0]
    pending = Reminder.objects.filter(session=session).first()
    response = api.post(f"/api/v1/reminders/{pending.public_id}/resend/")
    assert response.status_code == 409 and response.json()["error"]["code"] == "invalid_transition"
    Reminder.objects.filter(pk=pending.pk).update(status="failed", last_error="x")
    response = api.post(f"/api/v1/reminders/{pending.public_id}/resend/")
    assert response.status_code == 202 and response.json()["status"] == "pending"
    assert response.json()["next_attempt_at"] is not None
    assert api_for(personas.prescriber).get("/api/v1/reminders/").status_code == 403
    assert dt.datetime.fromisoformat(response.json()["next_attempt_at"]).tzinfo is not None
