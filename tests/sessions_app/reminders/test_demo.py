"""The demo seed plans reminders for the demo sessions, with one sent and one failed; twice is once."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from sessions_app.reminders.models import Reminder

pytestmark = pytest.mark.django_db


def test_the_demo_has_planned_reminders_one_sent_and_one_failed_and_reseeding_changes_nothing() -> None:
    call_command("seed_demo", stdout=io.StringIO())
    first = sorted(Reminder.objects.values_list("public_id", "status"))
    assert Reminder.objects.filter(status="pending").count() > 0
    assert Reminder.objects.filter(status="sent").count() == 1
    failed = Reminder.objects.get(status="failed")
    assert failed.last_error == "SMS provider answered 503 (after 5 attempts)"
    call_command("seed_demo", stdout=io.StringIO())
    assert sorted(Reminder.objects.values_list("public_id", "status")) == first
