"""Reminder rows are planned at the right local times: offsets, channels, quiet hours, DST."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, transaction

from sessions_app.reminders.models import Reminder
from sessions_app.reminders.services import planning
from tests.sessions_app.factories import ReminderFactory

from .conftest import NY, due_times, local, rows

pytestmark = pytest.mark.django_db

APPT, QUEST = Reminder.Kind.APPOINTMENT, Reminder.Kind.QUESTIONNAIRE
EMAIL, SMS = Reminder.Channel.EMAIL, Reminder.Channel.SMS


def elapsed(start: dt.datetime, end: dt.datetime) -> dt.timedelta:
    # Subtracting two datetimes in the same zone gives the wall-clock difference; compare instants.
    return end.astimezone(dt.UTC) - start.astimezone(dt.UTC)


def test_booking_plans_a_48_hour_and_a_2_hour_reminder_for_each_channel_the_patient_chose(
    walk, reachable, booking
) -> None:
    walk(local(2026, 3, 2, 12))
    session = booking.book(local(2026, 3, 5, 10))
    assert due_times(session) == {
        (APPT, EMAIL, 2880): local(2026, 3, 3, 10),
        (APPT, SMS, 2880): local(2026, 3, 3, 10),
        (APPT, EMAIL, 120): local(2026, 3, 5, 8),
        (APPT, SMS, 120): local(2026, 3, 5, 8),
    }
    assert {r.status for r in rows(session)} == {Reminder.Status.PENDING}
    assert all(r.planned_for == session.starts_at and r.next_attempt_at == r.due_at for r in rows(session))


def test_a_patient_who_opted_out_of_sms_gets_email_reminders_only(walk, reachable, booking) -> None:
    reachable.reminder_sms_opt_in = False
    reachable.save(update_fields=["reminder_sms_opt_in"])
    walk(local(2026, 3, 2, 12))
    session = booking.book(local(2026, 3, 5, 10))
    assert {r.channel for r in rows(session)} == {EMAIL}


def test_offsets_come_from_settings(walk, reachable, booking, settings) -> None:
    settings.REMINDER_OFFSETS = [1440, 60]
    walk(local(2026, 3, 2, 12))
    session = booking.book(local(2026, 3, 5, 10), kind="consultation")
    assert sorted({r.offset_minutes for r in rows(session)}) == [60, 1440]
    assert due_times(session)[(APPT, EMAIL, 1440)] == local(2026, 3, 4, 10)


def test_a_reminder_whose_time_has_already_passed_is_not_planned(walk, reachable, booking) -> None:
    walk(local(2026, 3, 4, 12))
    session = booking.book(local(2026, 3, 5, 10))  # 22 hours ahead: the 48 h reminder is moot
    assert {r.offset_minutes for r in rows(session)} == {120}


def test_across_the_spring_change_the_48_hour_reminder_keeps_the_wall_clock_time(walk, reachable, booking) -> None:
    # Monday 2026-03-09 10:00 EDT; clocks went forward on Sunday 03-08.
    walk(local(2026, 3, 2, 12))
    session = booking.book(local(2026, 3, 9, 10))
    times = due_times(session)
    saturday = times[(APPT, EMAIL, 2880)]
    assert (saturday.date(), saturday.hour, saturday.minute) == (dt.date(2026, 3, 7), 10, 0)
    assert saturday.utcoffset() == dt.timedelta(hours=-5)  # still standard time on Saturday
    assert elapsed(saturday, session.starts_at) == dt.timedelta(hours=47)  # the clocks lost an hour in between
    assert times[(APPT, EMAIL, 120)] == local(2026, 3, 9, 8)
    assert elapsed(times[(APPT, EMAIL, 120)], session.starts_at) == dt.timedelta(hours=2)


def test_across_the_autumn_change_the_48_hour_reminder_keeps_the_wall_clock_time(
    walk, reachable, booking, personas
) -> None:
    # Monday 2026-11-02 10:00 EST; clocks went back on Sunday 11-01.
    walk(local(2026, 10, 26, 12))
    session = booking.book(local(2026, 11, 2, 10))
    saturday = due_times(session)[(APPT, SMS, 2880)]
    assert (saturday.date(), saturday.hour) == (dt.date(2026, 10, 31), 10)
    assert saturday.utcoffset() == dt.timedelta(hours=-4)
    assert elapsed(saturday, session.starts_at) == dt.timedelta(hours=49)


def test_quiet_hours_move_an_early_sms_to_8_and_leave_email_alone(walk, reachable, booking) -> None:
    walk(local(2026, 3, 2, 12))
    session = booking.book(local(2026, 3, 5, 9))
    times = due_times(session)
    assert times[(APPT, EMAIL, 120)] == local(2026, 3, 5, 7)
    assert times[(APPT, SMS, 120)] == local(2026, 3, 5, 8)


def test_an_sms_that_would_land_too_close_to_the_session_goes_the_evening_before(walk, reachable, booking) -> None:
    walk(local(2026, 3, 2, 12))
    session = booking.book(local(2026, 3, 5, 8, 15))
    assert due_times(session)[(APPT, SMS, 120)] == local(2026, 3, 4, 20, 59)


def test_no_quiet_hours_when_the_setting_is_empty(walk, reachable, booking, settings) -> None:
    settings.REMINDER_QUIET_HOURS = None
    walk(local(2026, 3, 2, 12))
    session = booking.book(local(2026, 3, 5, 9))
    assert due_times(session)[(APPT, SMS, 120)] == local(2026, 3, 5, 7)


def test_a_dosing_session_also_gets_a_questionnaire_reminder(walk, reachable, booking) -> None:
    walk(local(2026, 3, 2, 12))
    session = booking.book(local(2026, 3, 6, 10), kind="dosing")
    assert due_times(session)[(QUEST, EMAIL, 4320)] == local(2026, 3, 3, 10)
    consultation = booking.book(local(2026, 3, 6, 14))
    assert not rows(consultation, kind=QUEST)


def test_moving_a_session_re_arms_its_reminders_for_the_new_time(walk, reachable, booking) -> None:
    walk(local(2026, 3, 2, 12))
    session = booking.book(local(2026, 3, 5, 10))
    ids = {r.pk for r in rows(session)}
    session = booking.move(session, local(2026, 3, 6, 14))
    assert {r.pk for r in rows(session)} == ids  # the same rows, updated in place
    assert due_times(session)[(APPT, EMAIL, 2880)] == local(2026, 3, 4, 14)
    assert due_times(session)[(APPT, SMS, 120)] == local(2026, 3, 6, 12)
    assert all(r.planned_for == session.starts_at and r.status == "pending" for r in rows(session))


def test_moving_a_session_closer_cancels_the_reminders_whose_time_has_passed(walk, reachable, booking) -> None:
    walk(local(2026, 3, 2, 12))
    session = booking.book(local(2026, 3, 6, 10))
    session = booking.move(session, local(2026, 3, 3, 10))
    by_offset = {(r.channel, r.offset_minutes): r for r in rows(session)}
    assert by_offset[(EMAIL, 2880)].status == Reminder.Status.CANCELLED
    assert "moved" in by_offset[(EMAIL, 2880)].status_reason
    assert by_offset[(EMAIL, 120)].status == Reminder.Status.PENDING


def test_cancelling_a_session_cancels_its_pending_reminders(walk, reachable, booking) -> None:
    walk(local(2026, 3, 2, 12))
    session = booking.book(local(2026, 3, 5, 10))
    booking.cancel(session)
    assert {(r.status, r.status_reason) for r in rows(session)} == {(Reminder.Status.CANCELLED, "Session cancelled")}


def test_re_planning_twice_changes_nothing(walk, reachable, booking) -> None:
    walk(local(2026, 3, 2, 12))
    session = booking.book(local(2026, 3, 5, 10))
    before = [(r.pk, r.due_at, r.status, r.updated_at) for r in rows(session)]
    assert planning.reminders_replan_for_session(session=session) == []
    assert [(r.pk, r.due_at, r.status, r.updated_at) for r in rows(session)] == before


def test_the_database_allows_one_reminder_per_session_kind_channel_and_offset(walk, reachable, booking) -> None:
    walk(local(2026, 3, 2, 12))
    session = booking.book(local(2026, 3, 5, 10))
    row = rows(session)[0]
    with pytest.raises(IntegrityError), transaction.atomic():
        ReminderFactory(
            session=session,
            kind=row.kind,
            channel=row.channel,
            offset_minutes=row.offset_minutes,
            planned_for=row.planned_for,
            due_at=row.due_at,
        )


def test_every_due_time_is_stored_in_utc_and_shown_in_the_clinic_zone(walk, reachable, booking) -> None:
    walk(local(2026, 3, 2, 12))
    session = booking.book(local(2026, 3, 5, 10))
    row = Reminder.objects.get(session=session, channel=EMAIL, offset_minutes=120)
    assert row.due_at.astimezone(dt.UTC) == dt.datetime(2026, 3, 5, 13, 0, tzinfo=dt.UTC)
    assert row.due_at.astimezone(NY).hour == 8
