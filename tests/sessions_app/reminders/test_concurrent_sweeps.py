"""Two (or four) sweeps racing on PostgreSQL send each due reminder exactly once.

Each thread has its own database connection, so the claims really race: every sweep selects the
same due rows, and only the conditional UPDATE that changes a row (pending → sending) lets a
sweep send it. Skipped on SQLite, whose writes are serialised by a file lock anyway.
"""

from __future__ import annotations

import threading
import time
from collections import Counter

import pytest
from django.db import connection, connections

from sessions_app.reminders.models import Reminder
from sessions_app.reminders.services import delivery

from .conftest import local

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (set DATABASE_URL=postgres://…)")


def test_concurrent_sweeps_send_each_due_reminder_once(postgres_only, walk, reachable, booking, monkeypatch) -> None:
    walk(local(2026, 3, 2, 7))
    sessions = [booking.book(local(2026, 3, 4 + day, hour)) for day in range(3) for hour in (9, 11, 13, 15)]
    # Every row due now (the sessions stay in the future, so none is skipped as stale).
    walk(local(2026, 3, 3, 12))  # outside SMS quiet hours
    Reminder.objects.update(next_attempt_at=local(2026, 3, 3, 11, 59))
    due = Reminder.objects.filter(status="pending").count()
    assert due == len(sessions) * 4  # 48 h and 2 h, email and SMS

    sent: Counter[str] = Counter()
    lock = threading.Lock()

    def record(message):
        time.sleep(0.005)  # hold each claim a moment so the sweeps overlap
        with lock:
            sent[message.idempotency_key] += 1
        return "ok"

    monkeypatch.setattr(delivery, "send_email", record)
    monkeypatch.setattr(delivery, "send_sms", record)
    start = threading.Barrier(4)
    results, errors = [], []

    def sweep() -> None:
        try:
            start.wait()
            results.append(delivery.reminders_send_due(limit=500))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=sweep) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors, errors
    assert len(sent) == due and set(sent.values()) == {1}  # every reminder, each exactly once
    assert sum(r.get("sent", 0) for r in results) == due
    assert sum(r.get("not_claimed", 0) for r in results) > 0  # the sweeps did race for the same rows
    assert Reminder.objects.filter(status="sent").count() == due
