"""Through a real Celery worker process and Redis: the beat's sweep task sends a due reminder, and
a report asked for in a committed transaction is rendered by the worker. Runs when REDIS_URL and
a PostgreSQL DATABASE_URL are set (CI's services run); skipped in embedded mode."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from django.utils import timezone

from sessions_app.reminders.models import Reminder
from sessions_app.reports import services as report_services
from sessions_app.reports.models import GeneratedReport
from sessions_app.tasks import jobs_sweep_task
from tests.sessions_app import reportkit as kit

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def shared_media(settings, monkeypatch):
    # The worker writes the PDF where this test reads it.
    monkeypatch.setenv("DJANGO_MEDIA_ROOT", str(settings.MEDIA_ROOT))


def _wait_for(predicate, worker, seconds: float = 90.0):  # noqa: ANN001, ANN202
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.5)
    worker.terminate()
    output = worker.communicate(timeout=10)[0].decode(errors="replace")
    raise AssertionError(f"the worker did not finish in {seconds} s; its output:\n{output}")


def test_a_reminder_is_sent_and_a_report_rendered_by_a_real_worker(
    shared_media, real_worker, personas, reachable, book
) -> None:
    reachable.reminder_sms_opt_in = False  # SMS could fall in quiet hours at whatever time CI runs
    reachable.save(update_fields=["reminder_sms_opt_in"])
    start = (timezone.now() + dt.timedelta(days=4)).replace(minute=0, second=0, microsecond=0)
    session = book(start, override_hours=True, override_reason="Worker test")
    rows = Reminder.objects.filter(session=session)
    assert rows.count() == 2
    reminder = rows.get(offset_minutes=2880)
    Reminder.objects.filter(pk=reminder.pk).update(next_attempt_at=timezone.now() - dt.timedelta(minutes=1))

    result = jobs_sweep_task.apply_async()
    try:
        outcome = result.get(timeout=90)
    except Exception:
        real_worker.terminate()
        raise AssertionError(real_worker.communicate(timeout=10)[0].decode(errors="replace")) from None
    assert outcome["reminders"] == {"sent": 1}
    reminder.refresh_from_db()
    assert reminder.status == "sent" and reminder.sent_at is not None

    # Asked for in a committed transaction: handed to Redis after commit, rendered by the worker.
    report = report_services.report_request(
        actor=personas.prescriber, kind="treatment_summary", patient=personas.demo_patient
    )
    assert report.status == "queued"
    _wait_for(lambda: GeneratedReport.objects.get(pk=report.pk).status in ("done", "failed"), real_worker)
    report.refresh_from_db()
    assert report.status == "done", report.error
    assert report.enqueued_at is not None and report.attempts == 1
    text = kit.flat(kit.pdf_pages(kit.pdf_bytes(report)))
    assert "Treatment summary" in text and "Jordan Ellis" in text
