"""A patient chooses, in the portal, which channels their reminders come by (per-channel opt-out)."""

from __future__ import annotations

import pytest

from kap_clinic.audit.models import AuditEvent
from kap_clinic.common.errors import PermissionDeniedError, ValidationFailed
from patients.services import patient_reminder_channels_set
from sessions_app.reminders.models import Reminder
from sessions_app.reminders.services import planning

from .conftest import local, rows

pytestmark = pytest.mark.django_db
URL = "/portal/appointments/reminders/"


def test_the_appointments_page_shows_the_choice_and_saving_it_opts_out_of_a_channel(
    client, personas, reachable
) -> None:
    client.force_login(personas.patient_user)
    page = client.get("/portal/appointments/").content.decode()
    assert 'data-testid="portal-reminder-channels"' in page and "+15555550142" in page
    response = client.post(URL, {"email": "on"}, follow=True)
    assert response.redirect_chain[-1][0] == "/portal/appointments/"
    assert "Your reminder choices are saved." in response.content.decode()
    reachable.refresh_from_db()
    assert reachable.reminder_email_opt_in and not reachable.reminder_sms_opt_in
    event = AuditEvent.objects.filter(action="patient.updated", actor=personas.patient_user).get()
    assert event.changed_fields == ["reminder_sms_opt_in"]


def test_sms_without_a_mobile_is_refused_naming_the_field(client, personas) -> None:
    patient = personas.demo_patient
    patient.mobile = ""
    patient.reminder_sms_opt_in = False
    patient.save(update_fields=["mobile", "reminder_sms_opt_in"])
    with pytest.raises(ValidationFailed) as exc:
        patient_reminder_channels_set(actor=personas.patient_user, patient=patient, email=True, sms=True)
    assert exc.value.field == "reminder_sms_opt_in"
    client.force_login(personas.patient_user)
    response = client.post(URL, {"email": "on", "sms": "on"}, follow=True)
    assert "SMS reminders need a mobile number" in response.content.decode()
    patient.refresh_from_db()
    assert not patient.reminder_sms_opt_in


def test_nobody_else_sets_a_patients_choice_here(personas) -> None:
    for actor in (personas.admin, personas.prescriber, personas.other_patient_user):
        with pytest.raises(PermissionDeniedError):
            patient_reminder_channels_set(actor=actor, patient=personas.demo_patient, email=False, sms=False)


def test_an_opt_out_in_the_portal_stops_planned_reminders_and_an_opt_in_plans_them(
    client, personas, reachable, walk, booking, sms_outbox
) -> None:
    walk(local(2026, 3, 2, 12))
    session = booking.book(local(2026, 3, 5, 10))
    assert {r.channel for r in rows(session)} == {"email", "sms"}
    client.force_login(personas.patient_user)
    assert client.post(URL, {"email": "on"}).status_code == 302  # no more text messages
    walk(local(2026, 3, 3, 10))
    assert walk.sweep() == {"sent": 1, "skipped": 1}
    assert not sms_outbox
    client.force_login(personas.patient_user)  # a day later: the earlier sign-in has timed out
    assert client.post(URL, {"email": "on", "sms": "on"}).status_code == 302  # text messages again
    walk(local(2026, 3, 4, 9))
    assert planning.reminders_plan_new_channels() == 0  # the SMS rows exist: still planned
    walk(local(2026, 3, 5, 8))
    assert walk.sweep() == {"sent": 2}
    assert len(sms_outbox) == 1
    assert Reminder.objects.filter(session=session, channel="sms", status="skipped").count() == 1
