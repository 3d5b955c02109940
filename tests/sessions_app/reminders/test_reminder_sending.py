"""The minute sweep sends due reminders once, at the right local time, with nothing clinical in
them; it honours cancellation, moves, opt-out and quiet hours; it retries, then fails visibly."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail

from kap_clinic.audit.models import AuditEvent
from kap_clinic.common.errors import InvalidTransition, PermissionDeniedError
from sessions_app.reminders.messaging import PermanentSendError, TransientSendError
from sessions_app.reminders.models import Reminder
from sessions_app.reminders.services import delivery, planning, resend
from sessions_app.tasks import jobs_sweep_task, reminder_send_task
from tests.patients.factories import Phq9Factory

from .conftest import FORBIDDEN_WORDS, NY, local, rows

pytestmark = pytest.mark.django_db


def sent_at_local(reminder: Reminder) -> dt.datetime:
    reminder.refresh_from_db()
    return reminder.sent_at.astimezone(NY)


def test_nothing_goes_out_before_its_time_and_each_reminder_goes_out_once_at_its_time(
    walk, reachable, booking, sms_outbox
) -> None:
    walk(local(2026, 3, 2, 12))
    session = booking.book(local(2026, 3, 5, 10))
    assert walk.sweep(local(2026, 3, 3, 9, 59)) == {}
    assert mail.outbox == [] and sms_outbox == []
    assert walk.sweep(local(2026, 3, 3, 10)) == {"sent": 2}
    assert len(mail.outbox) == 1 and len(sms_outbox) == 1
    assert walk.sweep(local(2026, 3, 3, 10, 1)) == {}  # a minute later: nothing twice
    assert walk.sweep(local(2026, 3, 5, 8)) == {"sent": 2}
    assert len(mail.outbox) == 2 and len(sms_outbox) == 2
    assert {r.status for r in rows(session)} == {Reminder.Status.SENT}
    assert AuditEvent.objects.filter(action="reminder.sent", patient_public_id=reachable.public_id).count() == 4


def test_reminders_fire_at_the_right_local_times_across_the_spring_change(walk, reachable, booking, sms_outbox) -> None:
    walk(local(2026, 3, 2, 12))
    session = booking.book(local(2026, 3, 9, 10))
    walk.sweep(local(2026, 3, 7, 9, 59))
    assert mail.outbox == []
    walk.sweep(local(2026, 3, 7, 10))  # Saturday 10:00 EST
    walk.sweep(local(2026, 3, 9, 7, 59))
    walk.sweep(local(2026, 3, 9, 8))  # Monday 08:00 EDT
    sent = {r.offset_minutes: sent_at_local(r) for r in rows(session, channel="email")}
    assert sent[2880] == local(2026, 3, 7, 10) and sent[2880].utcoffset() == dt.timedelta(hours=-5)
    assert sent[120] == local(2026, 3, 9, 8) and sent[120].utcoffset() == dt.timedelta(hours=-4)
    assert "Monday 9 March 2026 at 10:00" in mail.outbox[0].body
    assert len(mail.outbox) == 2 and len(sms_outbox) == 2


def test_reminders_fire_at_the_right_local_times_across_the_autumn_change(walk, reachable, booking) -> None:
    walk(local(2026, 10, 26, 12))
    session = booking.book(local(2026, 11, 2, 10))
    walk.sweep(local(2026, 10, 31, 10))  # Saturday 10:00 EDT
    walk.sweep(local(2026, 11, 2, 8))  # Monday 08:00 EST
    sent = {r.offset_minutes: sent_at_local(r) for r in rows(session, channel="email")}
    assert sent[2880].hour == 10 and sent[2880].utcoffset() == dt.timedelta(hours=-4)
    assert sent[120].hour == 8 and sent[120].utcoffset() == dt.timedelta(hours=-5)
    assert "Monday 2 November 2026 at 10:00" in mail.outbox[1].body


def test_a_dosing_reminder_carries_the_preparation_instructions_and_nothing_clinical(
    walk, reachable, booking, sms_outbox, personas
) -> None:
    walk(local(2026, 3, 2, 12))
    session = booking.book(local(2026, 3, 6, 10), kind="dosing")
    Phq9Factory(
        patient=reachable,
        answers=[1] * 9,
        severity="mild",
        administered_at=local(2026, 3, 2, 11),
        recorded_by=personas.nurse,
    )
    walk.sweep(local(2026, 3, 4, 10))
    email, sms = mail.outbox[-1], sms_outbox[-1]
    for text in (email.subject, email.body, email.alternatives[0][0], sms.text):
        lowered = text.lower()
        assert not [w for w in FORBIDDEN_WORDS if w in lowered.replace("-", " ").split() or f" {w}" in lowered], text
    assert "Friday 6 March 2026 at 10:00" in email.body
    assert "Main clinic, 1 Harbor St" in email.body
    assert "Do not eat for 2 hours" in email.body and "30 minutes" in email.body
    assert "take you home" in email.body and "Do not drive" in email.body
    assert "http://127.0.0.1:8000/portal/" in email.body
    assert "Dosing" not in email.body and "Dosing A" not in email.body  # the room name is not sent either
    assert "No food 2 h before" in sms.text and "no driving until tomorrow" in sms.text
    assert len(sms.text) <= 320
    assert email.to == [reachable.email] and sms.to == reachable.mobile
    assert email.extra_headers["Message-ID"].startswith("<reminder-")
    assert session.pk


def test_a_consultation_reminder_has_no_preparation_instructions(walk, reachable, booking) -> None:
    walk(local(2026, 3, 2, 12))
    booking.book(local(2026, 3, 5, 10))
    walk.sweep(local(2026, 3, 3, 10))
    assert "Do not eat" not in mail.outbox[0].body
    assert mail.outbox[0].subject == "Reminder: your appointment on Thu 5 Mar 10:00"


def test_a_cancelled_session_sends_nothing_ever(walk, reachable, booking, sms_outbox) -> None:
    walk(local(2026, 3, 2, 12))
    session = booking.book(local(2026, 3, 5, 10))
    booking.cancel(session)
    for when in (local(2026, 3, 3, 10), local(2026, 3, 5, 8), local(2026, 3, 5, 9, 59)):
        walk.sweep(when)
    assert mail.outbox == [] and sms_outbox == []
    assert {r.status for r in rows(session)} == {Reminder.Status.CANCELLED}


def test_a_session_cancelled_behind_the_services_back_is_caught_at_send_time(walk, reachable, booking) -> None:
    from django.utils import timezone

    from sessions_app.scheduling.models import Session

    walk(local(2026, 3, 2, 12))
    session = booking.book(local(2026, 3, 5, 10))
    # A write that skipped the scheduling service (and so the re-plan): the sweep still checks.
    Session.objects.filter(pk=session.pk).update(
        status="cancelled", cancelled_at=timezone.now(), cancellation_reason="Bulk import"
    )
    walk.sweep(local(2026, 3, 3, 10))
    assert mail.outbox == []
    states = {(r.status, r.status_reason) for r in rows(session, offset_minutes=2880)}
    assert states == {(Reminder.Status.CANCELLED, "Session cancelled")}


def test_a_moved_session_sends_for_its_new_time_only(walk, reachable, booking, sms_outbox) -> None:
    walk(local(2026, 3, 2, 12))
    session = booking.book(local(2026, 3, 5, 10))
    session = booking.move(session, local(2026, 3, 9, 14))
    walk.sweep(local(2026, 3, 3, 10))  # the old 48 h time
    walk.sweep(local(2026, 3, 5, 8))  # the old 2 h time
    assert mail.outbox == [] and sms_outbox == []
    walk.sweep(local(2026, 3, 7, 14))
    walk.sweep(local(2026, 3, 9, 12))
    assert len(mail.outbox) == 2 and len(sms_outbox) == 2
    assert all("Monday 9 March 2026 at 14:00" in m.body for m in mail.outbox)


def test_a_session_moved_after_its_first_reminder_went_out_is_reminded_again_for_the_new_time(
    walk, reachable, booking
) -> None:
    walk(local(2026, 3, 2, 12))
    session = booking.book(local(2026, 3, 5, 10))
    walk.sweep(local(2026, 3, 3, 10))
    assert "Thursday 5 March" in mail.outbox[0].body
    session = booking.move(session, local(2026, 3, 10, 10))
    walk.sweep(local(2026, 3, 8, 10))
    assert len(mail.outbox) == 2 and "Tuesday 10 March 2026 at 10:00" in mail.outbox[1].body


def test_a_move_that_skipped_the_replan_is_never_sent_with_the_stale_time(walk, reachable, booking) -> None:
    from sessions_app.scheduling.models import Session

    walk(local(2026, 3, 2, 12))
    session = booking.book(local(2026, 3, 5, 10))
    Session.objects.filter(pk=session.pk).update(starts_at=local(2026, 3, 6, 10), ends_at=local(2026, 3, 6, 11))
    walk.sweep(local(2026, 3, 3, 10))
    assert mail.outbox == []
    assert {r.status for r in rows(session, offset_minutes=2880)} == {Reminder.Status.SKIPPED}


def test_the_scheduling_services_plan_and_replan_reminders_themselves(walk, reachable, book, personas) -> None:
    from sessions_app.scheduling.services import sessions as scheduling

    walk(local(2026, 3, 2, 12))
    session = book(local(2026, 3, 5, 10))  # straight through session_schedule, no test helper
    assert len(rows(session, status=Reminder.Status.PENDING)) == 4
    session = scheduling.session_reschedule(actor=personas.admin, session=session, starts_at=local(2026, 3, 6, 10))
    assert {r.planned_for for r in rows(session)} == {session.starts_at}
    scheduling.session_transition(actor=personas.admin, session=session, to_status="confirmed")
    assert len(rows(session, status=Reminder.Status.PENDING)) == 4
    scheduling.session_cancel(actor=personas.admin, session=session, reason="Patient unwell")
    assert {r.status for r in rows(session)} == {Reminder.Status.CANCELLED}


def test_opting_out_after_planning_is_honoured_at_send_time(walk, reachable, booking, sms_outbox) -> None:
    walk(local(2026, 3, 2, 12))
    session = booking.book(local(2026, 3, 5, 10))
    reachable.reminder_sms_opt_in = False
    reachable.save(update_fields=["reminder_sms_opt_in"])
    walk.sweep(local(2026, 3, 3, 10))
    assert sms_outbox == [] and len(mail.outbox) == 1
    sms_row = rows(session, channel="sms", offset_minutes=2880)[0]
    assert (sms_row.status, sms_row.status_reason) == (Reminder.Status.SKIPPED, "Patient opted out of SMS reminders")
    reachable.reminder_email_opt_in = False
    reachable.save(update_fields=["reminder_email_opt_in"])
    walk.sweep(local(2026, 3, 5, 8))
    assert len(mail.outbox) == 1


def test_quiet_hours_hold_an_sms_until_8_while_email_goes_at_once(
    walk, reachable, booking, sms_outbox, settings
) -> None:
    settings.REMINDER_OFFSETS = [810]  # 13.5 h before a 10:00 session: 20:30 the evening before
    walk(local(2026, 3, 2, 12))
    session = booking.book(local(2026, 3, 4, 10))
    # The sweep was away until 21:30: email goes, the SMS waits for the end of quiet hours.
    assert walk.sweep(local(2026, 3, 3, 21, 30)) == {"sent": 1, "deferred": 1}
    assert len(mail.outbox) == 1 and sms_outbox == []
    sms_row = rows(session, channel="sms")[0]
    assert sms_row.status == Reminder.Status.PENDING and sms_row.next_attempt_at.astimezone(NY) == local(2026, 3, 4, 8)
    assert sms_row.attempts == 0
    assert walk.sweep(local(2026, 3, 4, 7, 59)) == {}
    assert walk.sweep(local(2026, 3, 4, 8)) == {"sent": 1}
    assert len(sms_outbox) == 1


def test_after_an_outage_only_the_nearest_due_reminder_of_a_session_is_sent(walk, reachable, booking) -> None:
    walk(local(2026, 3, 2, 12))
    session = booking.book(local(2026, 3, 5, 10))
    walk.sweep(local(2026, 3, 5, 8, 30))  # the sweep was down from before the 48 h time until now
    assert len(mail.outbox) == 1
    by_offset = {r.offset_minutes: r for r in rows(session, channel="email")}
    assert by_offset[120].status == Reminder.Status.SENT and by_offset[2880].status == Reminder.Status.SKIPPED


def test_a_reminder_is_not_sent_once_the_session_has_started(walk, reachable, booking) -> None:
    walk(local(2026, 3, 2, 12))
    session = booking.book(local(2026, 3, 5, 10))
    walk.sweep(local(2026, 3, 5, 10, 5))
    assert mail.outbox == []
    assert {r.status_reason for r in rows(session)} == {"Session already started"}


def test_the_questionnaire_reminder_goes_only_without_a_recent_phq9(walk, reachable, booking, personas) -> None:
    walk(local(2026, 3, 2, 12))
    first = booking.book(local(2026, 3, 6, 10), kind="dosing")
    walk.sweep(local(2026, 3, 3, 10))  # 72 h before: no PHQ-9 on record
    questionnaires = [m for m in mail.outbox if "questionnaire" in m.subject]
    assert len(questionnaires) == 1 and "/portal/" in questionnaires[0].body
    Phq9Factory(
        patient=reachable,
        answers=[1] * 9,
        severity="mild",
        administered_at=local(2026, 3, 4, 9),
        recorded_by=personas.nurse,
    )
    second = booking.book(local(2026, 3, 10, 10), kind="dosing")
    walk.sweep(local(2026, 3, 7, 10))
    assert len([m for m in mail.outbox if "questionnaire" in m.subject]) == 1
    skipped = rows(second, kind="questionnaire", channel="email")[0]
    assert (skipped.status, skipped.status_reason) == (Reminder.Status.SKIPPED, "PHQ-9 completed in the past 7 days")
    assert first.pk != second.pk


def test_the_questionnaire_reminder_names_no_instrument_and_nothing_clinical(
    walk, reachable, booking, sms_outbox
) -> None:
    walk(local(2026, 3, 2, 12))
    booking.book(local(2026, 3, 6, 10), kind="dosing")
    walk.sweep(local(2026, 3, 3, 10))  # 72 h before: only the questionnaire reminder is due
    [email], [sms] = mail.outbox, sms_outbox
    for text in (email.subject, email.body, email.alternatives[0][0], sms.text):
        lowered = text.lower()
        assert "questionnaire" in lowered, text
        assert not [w for w in FORBIDDEN_WORDS if w in lowered.replace("-", " ").split() or f" {w}" in lowered], text
    assert all("/portal/" in text for text in (email.body, email.alternatives[0][0], sms.text))
    assert "Friday 6 March 2026 at 10:00" in email.body and "Fri 6 Mar 10:00" in sms.text


def test_a_transient_failure_retries_with_backoff_then_succeeds_once(walk, reachable, booking, monkeypatch) -> None:
    calls = []

    def flaky(message):
        calls.append(message)
        if len(calls) <= 2:
            raise TransientSendError("SMTP connection refused")
        return "<ok>"

    monkeypatch.setattr(delivery, "send_email", flaky)
    reachable.reminder_sms_opt_in = False
    reachable.save(update_fields=["reminder_sms_opt_in"])
    walk(local(2026, 3, 2, 12))
    session = booking.book(local(2026, 3, 5, 10))
    assert walk.sweep(local(2026, 3, 3, 10)) == {"retry": 1}
    row = rows(session, offset_minutes=2880)[0]
    assert row.status == Reminder.Status.PENDING and row.attempts == 1 and row.last_error == "SMTP connection refused"
    wait = row.next_attempt_at - local(2026, 3, 3, 10)
    assert dt.timedelta(seconds=48) <= wait <= dt.timedelta(seconds=72)
    assert (
        walk.sweep(
            local(
                2026,
                3,
                3,
                10,
                0,
            )
        )
        == {}
    )  # not before the backoff
    walk.sweep(row.next_attempt_at)
    row.refresh_from_db()
    assert row.attempts == 2 and row.status == Reminder.Status.PENDING
    assert row.next_attempt_at - walk_now(row) >= dt.timedelta(seconds=96)
    walk.sweep(row.next_attempt_at)
    row.refresh_from_db()
    assert row.status == Reminder.Status.SENT and row.last_error == "" and len(calls) == 3


def walk_now(row: Reminder) -> dt.datetime:
    from django.utils import timezone

    return timezone.now()


def test_a_channel_that_keeps_failing_ends_failed_visible_to_admins_who_can_resend(
    walk, reachable, booking, monkeypatch, personas, settings, django_capture_on_commit_callbacks
) -> None:
    settings.REMINDER_MAX_ATTEMPTS = 3

    def down(message):
        raise TransientSendError("SMS provider answered 503")

    monkeypatch.setattr(delivery, "send_sms", down)
    walk(local(2026, 3, 2, 12))
    session = booking.book(local(2026, 3, 5, 10))
    walk.sweep(local(2026, 3, 3, 10))
    row = rows(session, channel="sms", offset_minutes=2880)[0]
    for _ in range(2):
        row.refresh_from_db()
        walk.sweep(row.next_attempt_at)
    row.refresh_from_db()
    assert row.status == Reminder.Status.FAILED and row.attempts == 3
    assert row.last_error == "SMS provider answered 503 (after 3 attempts)"
    assert AuditEvent.objects.filter(action="reminder.failed", target_public_id=str(row.public_id)).exists()
    # Shown to admins on the operations page.
    from django.test import Client

    client = Client()
    client.force_login(personas.admin)
    page = client.get("/sessions/operations/")
    assert page.status_code == 200 and "SMS provider answered 503" in page.content.decode()
    # Resend: a clinician may not; an admin may, and the send happens right after commit.
    with pytest.raises(PermissionDeniedError):
        resend.reminder_resend(actor=personas.prescriber, reminder=row)
    monkeypatch.setattr(delivery, "send_sms", lambda message: "provider-1")
    with django_capture_on_commit_callbacks(execute=True):
        resend.reminder_resend(actor=personas.admin, reminder=row)
    row.refresh_from_db()
    assert row.status == Reminder.Status.SENT and row.provider_message_id == "provider-1"
    with pytest.raises(InvalidTransition):
        resend.reminder_resend(actor=personas.admin, reminder=row)
    assert AuditEvent.objects.filter(action="reminder.resent", actor=personas.admin).count() == 1


def test_a_permanent_failure_is_not_retried(walk, reachable, booking, monkeypatch) -> None:
    calls = []

    def refused(message):
        calls.append(message)
        raise PermanentSendError("SMS provider refused the message (400)")

    monkeypatch.setattr(delivery, "send_sms", refused)
    walk(local(2026, 3, 2, 12))
    session = booking.book(local(2026, 3, 5, 10))
    walk.sweep(local(2026, 3, 3, 10))
    walk.sweep(local(2026, 3, 3, 11))
    row = rows(session, channel="sms", offset_minutes=2880)[0]
    assert row.status == Reminder.Status.FAILED and row.attempts == 1 and len(calls) == 1


def test_the_sweep_task_plans_consent_reminders_sends_and_reports_what_it_did(walk, reachable, booking) -> None:
    walk(local(2026, 3, 2, 12))
    booking.book(local(2026, 3, 5, 10))
    walk(local(2026, 3, 3, 10))
    result = jobs_sweep_task.delay().get()
    assert result["reminders"] == {"sent": 2}
    assert set(result) == {
        "consent_planned",
        "channels_planned",
        "recovered",
        "reminders",
        "reports",
        "consent_snapshots",
        "consent_emails",
    }


def test_a_channel_the_patient_chooses_after_booking_is_planned_by_the_next_sweep(
    walk, reachable, booking, personas, sms_outbox
) -> None:
    from patients.services import patient_update

    reachable.reminder_sms_opt_in = False
    reachable.save(update_fields=["reminder_sms_opt_in"])
    walk(local(2026, 3, 2, 12))
    session = booking.book(local(2026, 3, 5, 10))
    assert {r.channel for r in rows(session)} == {"email"}
    walk(local(2026, 3, 3, 9))
    patient_update(actor=personas.admin, patient=reachable, reminder_sms_opt_in=True)  # the patient asks for SMS
    result = jobs_sweep_task.delay().get()
    assert result["channels_planned"] == 1 and result["reminders"] == {}
    sms_rows = rows(session, channel="sms")
    assert [(r.offset_minutes, r.due_at.astimezone(NY)) for r in sms_rows] == [
        (2880, local(2026, 3, 3, 10)),
        (120, local(2026, 3, 5, 8)),
    ]
    assert jobs_sweep_task.delay().get()["channels_planned"] == 0  # planned once; nothing more to do
    walk(local(2026, 3, 3, 10))
    assert jobs_sweep_task.delay().get()["reminders"] == {"sent": 2}  # the 48 h email and the new SMS
    assert len(sms_outbox) == 1 and len(mail.outbox) == 1


def test_a_far_session_gets_the_new_channel_once_its_first_reminder_is_a_day_away(
    walk, reachable, booking, personas
) -> None:
    from patients.services import patient_update

    reachable.reminder_sms_opt_in = False
    reachable.save(update_fields=["reminder_sms_opt_in"])
    walk(local(2026, 3, 2, 12))
    session = booking.book(local(2026, 3, 20, 10))
    patient_update(actor=personas.admin, patient=reachable, reminder_sms_opt_in=True)
    assert planning.reminders_plan_new_channels() == 0  # the first reminder is weeks away
    walk(local(2026, 3, 16, 11))  # the longest offset (72 h) + a day before the session
    assert planning.reminders_plan_new_channels() == 1
    assert {(r.channel, r.offset_minutes) for r in rows(session, channel="sms")} == {("sms", 2880), ("sms", 120)}


def test_running_the_send_task_twice_sends_once(walk, reachable, booking, sms_outbox) -> None:
    walk(local(2026, 3, 2, 12))
    session = booking.book(local(2026, 3, 5, 10))
    walk(local(2026, 3, 3, 10))
    row = rows(session, channel="email", offset_minutes=2880)[0]
    assert reminder_send_task.delay(row.pk).get() == "sent"
    assert reminder_send_task.delay(row.pk).get() == "not_claimed"
    assert walk.sweep() == {"sent": 1}  # the SMS; the email is not picked again
    assert len(mail.outbox) == 1


def test_a_worker_killed_before_sending_loses_nothing(walk, reachable, booking) -> None:
    walk(local(2026, 3, 2, 12))
    session = booking.book(local(2026, 3, 5, 10))
    walk(local(2026, 3, 3, 10))
    row = rows(session, channel="email", offset_minutes=2880)[0]
    assert delivery.reminder_claim(row.pk) is not None  # claimed, then the worker died
    assert walk.sweep(local(2026, 3, 3, 10, 5)) == {"sent": 1}  # the SMS; the email is in flight
    assert len(mail.outbox) == 0
    walk.sweep(local(2026, 3, 3, 10, 11))  # past the stale-claim window: recovered and sent
    row.refresh_from_db()
    assert row.status == Reminder.Status.SENT and row.attempts == 2 and len(mail.outbox) == 1


def test_a_worker_killed_after_the_provider_accepted_causes_no_duplicate_delivery(
    walk, reachable, booking, monkeypatch
) -> None:
    # The provider (like a real SMS API) drops a second message with the same idempotency key.
    delivered: dict[str, str] = {}
    handed_over = []

    def provider(message):
        handed_over.append(message.idempotency_key)
        delivered.setdefault(message.idempotency_key, message.text)
        if len(handed_over) == 1:
            raise SystemExit("worker killed after the provider accepted, before the row was updated")
        return "sms-1"

    monkeypatch.setattr(delivery, "send_sms", provider)
    reachable.reminder_email_opt_in = False
    reachable.save(update_fields=["reminder_email_opt_in"])
    walk(local(2026, 3, 2, 12))
    session = booking.book(local(2026, 3, 5, 10))
    row = rows(session, channel="sms", offset_minutes=2880)[0]
    walk(local(2026, 3, 3, 10))
    with pytest.raises(SystemExit):
        delivery.reminder_deliver(row.pk)
    row.refresh_from_db()
    assert row.status == Reminder.Status.SENDING
    walk.sweep(local(2026, 3, 3, 10, 11))
    row.refresh_from_db()
    assert row.status == Reminder.Status.SENT
    assert len(handed_over) == 2 and handed_over[0] == handed_over[1]  # the same key both times
    assert len(delivered) == 1  # one message reached the patient
    walk.sweep(local(2026, 3, 3, 12))
    assert len(handed_over) == 2


def test_a_claim_held_by_someone_else_is_not_sent_again(walk, reachable, booking) -> None:
    walk(local(2026, 3, 2, 12))
    session = booking.book(local(2026, 3, 5, 10))
    walk(local(2026, 3, 3, 10))
    row = rows(session, channel="email", offset_minutes=2880)[0]
    token = delivery.reminder_claim(row.pk)
    assert token is not None and delivery.reminder_claim(row.pk) is None
    assert delivery.reminder_deliver(row.pk).outcome == "not_claimed"
