"""Late entry: a dose, a reading or an observation entered after the fact carries the clinical time
it happened. Never in the future (a minute of clock skew is let through), never before check-in;
the entry time is kept, audited and shown ("entered late at HH:MM by ..."); the gates, the vitals
timer and the observation clock read the clinical time."""

from __future__ import annotations

import pytest
from django.urls import reverse

from kap_clinic.audit.models import AuditEvent
from kap_clinic.common.errors import ValidationFailed
from sessions_app.clinical import selectors
from sessions_app.clinical.gates import earliest_discharge, load_state
from sessions_app.clinical.models.dosing import VitalsReading
from sessions_app.clinical.services.monitoring import observation_record
from sessions_app.common.inputs import GateRefused

from . import helpers
from .conftest import TUESDAY, local
from .test_dosing_gates import give
from .test_dosing_page import HX, action_url, page_url
from .test_monitoring_and_discharge import discharge

pytestmark = pytest.mark.django_db

READING = {"systolic": "130", "diastolic": "82", "heart_rate": "76", "spo2": "97", "resp_rate": "14"}


def test_a_late_reading_is_accepted_and_shown_as_entered_late(personas, ready, clock, client_for) -> None:
    r = ready()  # checked in 09:45
    give(personas, r)  # 09:50
    clock.go(local(TUESDAY, 10, 20))
    response = client_for(personas.nurse).post(
        action_url(r, "vitals"), {**READING, "taken_at": "2026-03-03T10:05"}, **HX
    )
    assert response.status_code == 200
    reading = VitalsReading.objects.get(dosing=r.dosing, systolic=130)
    assert reading.taken_at == local(TUESDAY, 10, 5)
    assert reading.created_at == local(TUESDAY, 10, 20)
    assert reading.phase == VitalsReading.Phase.MONITORING
    assert f"entered late at 10:20 by {personas.nurse.full_name}" in response.content.decode()
    assert "taken_at" in AuditEvent.objects.filter(action="vitals.recorded").latest("id").changed_fields


def test_a_reading_in_the_future_is_refused_and_a_minute_of_skew_is_now(personas, ready, clock) -> None:
    r = ready()
    clock.go(local(TUESDAY, 10, 20))
    with pytest.raises(ValidationFailed) as exc:
        helpers.full_vitals(personas, r.dosing, taken_at="2026-03-03T10:25")
    assert exc.value.field == "taken_at"
    assert "cannot be in the future (it is 10:20 now)" in exc.value.message
    reading = helpers.full_vitals(personas, r.dosing, taken_at="2026-03-03T10:20:40")
    assert reading.taken_at == local(TUESDAY, 10, 20)
    assert not reading.entered_late


def test_an_entry_before_check_in_is_refused(personas, ready, clock) -> None:
    r = ready()  # checked in 09:45
    with pytest.raises(ValidationFailed) as exc:
        helpers.full_vitals(personas, r.dosing, taken_at="2026-03-03T09:30")
    assert exc.value.field == "taken_at"
    assert "before the patient was checked in (09:45)" in exc.value.message
    with pytest.raises(ValidationFailed) as exc:
        give(personas, r, given_at="2026-03-03T09:40")
    assert exc.value.field == "given_at"


def test_a_late_entry_needs_the_patient_checked_in(personas, ready) -> None:
    waiting = ready(checked_in=False)  # the record opened before the window: nobody checked in
    with pytest.raises(ValidationFailed, match="once the patient is checked in"):
        observation_record(actor=personas.nurse, dosing=waiting.dosing, moaas=5, observed_at="2026-03-03T09:40")


def test_a_late_dose_is_checked_at_the_time_it_was_given(personas, ready, clock) -> None:
    r = ready()  # full pre-dose vitals at 09:45, counting for 60 minutes
    clock.go(local(TUESDAY, 10, 50))
    with pytest.raises(GateRefused) as exc:  # given now, the readings are too old
        give(personas, r)
    assert exc.value.code == "vitals_stale"
    dose = give(personas, r, given_at="2026-03-03T10:00")  # given at 10:00, they were 15 minutes old
    assert dose.started_at == local(TUESDAY, 10) and dose.created_at == local(TUESDAY, 10, 50)
    assert dose.entered_late
    assert "given_at" in AuditEvent.objects.get(action="dosing.administered").changed_fields
    page = selectors.dosing_page(r.dosing)
    assert page.reminder.due_at == local(TUESDAY, 10, 15)  # the vitals timer runs from the dose
    assert page.reminder.overdue


def test_the_observation_clock_runs_from_the_clinical_time(personas, ready, clock) -> None:
    r = ready(route="im")  # an IM dose ends when it is given
    clock.go(local(TUESDAY, 10, 30))
    give(personas, r, given_at="2026-03-03T10:00", infusion_minutes=None)
    assert earliest_discharge(load_state(r.dosing)) == local(TUESDAY, 11)
    clock.go(local(TUESDAY, 11, 1))
    assert discharge(personas, r).observation_minutes == 61


def test_a_late_observation_counts_in_its_place(personas, ready, clock, client_for) -> None:
    r = ready()
    give(personas, r)
    clock.go(local(TUESDAY, 10, 40))
    observation_record(actor=personas.therapist, dosing=r.dosing, moaas=5, dissociation="none")
    observation_record(
        actor=personas.therapist, dosing=r.dosing, moaas=3, dissociation="moderate", observed_at="2026-03-03T10:10"
    )
    observations = selectors.dosing_page(r.dosing).observations
    assert [o.moaas for o in observations] == [3, 5]  # ordered by when they were seen: resolved at 10:40
    html = client_for(personas.nurse).get(page_url(r)).content.decode()
    assert f"entered late at 10:40 by {personas.therapist.full_name}" in html


def test_the_api_takes_the_clinical_time_and_refuses_the_future(personas, ready, clock, api_for, settings) -> None:
    settings.STAFF_IDLE_TIMEOUT_MINUTES = 600
    r = ready()
    clock.go(local(TUESDAY, 10, 20))
    api = api_for(personas.nurse)
    url = reverse("api:dosing_vitals", kwargs={"public_id": r.dosing.public_id})
    response = api.post(url, {**READING, "taken_at": "2026-03-03T10:30:00-05:00"}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["field"] == "taken_at"
    response = api.post(url, {**READING, "taken_at": "2026-03-03T15:05:00Z"}, format="json")
    assert response.status_code == 201
    late = [v for v in response.json()["vitals"] if v["entered_late"]]
    assert len(late) == 1 and late[0]["taken_at"].startswith("2026-03-03T10:05")
