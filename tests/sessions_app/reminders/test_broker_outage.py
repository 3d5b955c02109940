"""With the broker down (here: pointed at a closed port), booking a session and asking for a
report still succeed quickly; the rows are kept, and once the broker is back the sweep sends the
reminders and renders the report. Nothing is lost, nothing is sent twice.

(tests/sessions_app/reminders/test_redis_restart.py does the same against a Redis server that test
starts and stops itself, with a real Celery worker; it runs when REDIS_URL is set.)
"""

from __future__ import annotations

import time

import pytest
from django.core import mail

from kap_clinic.common.jobs import publish
from sessions_app.reminders.models import Reminder
from sessions_app.reports.models import GeneratedReport
from sessions_app.tasks import jobs_sweep_task, report_render_task

from .conftest import local

pytestmark = pytest.mark.django_db(transaction=True)


def test_with_the_broker_down_booking_and_a_report_request_succeed_and_nothing_is_lost(
    broker_down, walk, reachable, clinic, personas, api_for, client, sms_outbox
) -> None:
    walk(local(2026, 3, 2, 12))
    api = api_for(personas.admin)
    started = time.monotonic()
    response = api.post(
        "/api/v1/sessions/",
        {
            "patient": str(reachable.public_id),
            "kind": "consultation",
            "starts_at": "2026-03-05T10:00",
            "lead_clinician": str(personas.prescriber.public_id),
            "room": str(clinic.consult_room.public_id),
        },
        format="json",
    )
    booking_seconds = time.monotonic() - started
    assert response.status_code == 201, response.content
    assert booking_seconds < 3.0  # generous: two cores shared by other test runs
    reminders = Reminder.objects.filter(session__public_id=response.json()["id"])
    assert reminders.count() == 4 and {r.status for r in reminders} == {"pending"}

    client.force_login(personas.prescriber)
    started = time.monotonic()
    page = client.post("/sessions/reports/new/", {"kind": "treatment_summary", "patient": str(reachable.public_id)})
    report_seconds = time.monotonic() - started
    assert page.status_code == 302 and report_seconds < 3.0
    report = GeneratedReport.objects.get()
    assert report.status == "queued" and report.enqueued_at is None  # the hand-over failed; the row waits
    status = client.get(f"/sessions/reports/{report.public_id}/status/", HTTP_HX_REQUEST="true").content.decode()
    assert "Queued" in status
    # The hand-over fails fast (one attempt, no retry loop), which is what keeps the request quick.
    started = time.monotonic()
    assert publish(report_render_task, report.pk) is False
    assert time.monotonic() - started < 0.5

    # Still down when the 48 h reminder falls due: a sweep that cannot publish leaves everything pending.
    walk(local(2026, 3, 3, 10))
    broker_down()  # the broker is back
    result = jobs_sweep_task.apply().get()
    assert result["reminders"] == {"sent": 2}
    assert result["reports"]["handed_over"] == 1
    report.refresh_from_db()
    assert report.status == "done" and report.size > 0
    assert len(mail.outbox) == 1 and len(sms_outbox) == 1
    assert jobs_sweep_task.apply().get()["reminders"] == {}  # nothing twice
    walk(local(2026, 3, 5, 8))
    assert jobs_sweep_task.apply().get()["reminders"] == {"sent": 2}
    assert Reminder.objects.filter(status="sent").count() == 4


def test_a_resend_with_the_broker_down_is_picked_up_by_the_next_sweep(
    broker_down, walk, reachable, booking, personas
) -> None:
    from sessions_app.reminders.services import resend

    walk(local(2026, 3, 2, 12))
    session = booking.book(local(2026, 3, 5, 10))
    row = Reminder.objects.filter(session=session, channel="email", offset_minutes=2880).get()
    Reminder.objects.filter(pk=row.pk).update(status="failed", last_error="email not sent: timeout")
    walk(local(2026, 3, 3, 11))
    started = time.monotonic()
    resend.reminder_resend(actor=personas.admin, reminder=row)  # commits; the publish fails
    assert time.monotonic() - started < 3.0
    row.refresh_from_db()
    assert row.status == "pending" and mail.outbox == []
    broker_down()
    jobs_sweep_task.apply()
    row.refresh_from_db()
    assert row.status == "sent" and len(mail.outbox) == 1
