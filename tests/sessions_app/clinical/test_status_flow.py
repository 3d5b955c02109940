"""Status follows the work on a dosing session: opening the record inside the booked window checks
the patient in, the first reading or dose starts the session, discharge or signing completes it.
Check-in and doses keep to the booked window unless a prescriber overrides with a reason; the
service, the dosing page and the API refuse the same way."""

from __future__ import annotations

import pytest
from django.urls import reverse

from kap_clinic.audit.models import AuditEvent
from kap_clinic.common.errors import PermissionDeniedError
from sessions_app.clinical.services import notes
from sessions_app.clinical.services.dosing import dosing_check_in, dosing_open
from sessions_app.clinical.thresholds import clinical_setting_change
from sessions_app.common.inputs import GateRefused
from sessions_app.scheduling.models import Session

from . import helpers
from .conftest import TUESDAY, WEDNESDAY_NIGHT, local
from .test_dosing_gates import give
from .test_dosing_page import HX, action_url, page_url

pytestmark = pytest.mark.django_db

EARLY = "Booked for 10:00 on 3 Mar; check-in opens at 08:00."


@pytest.fixture
def booked(personas, book, clinic, clock):
    """A dosing session on Tuesday 10:00 (booked on Monday), the prescriber leading, the nurse present."""
    return book(
        local(TUESDAY, 10),
        kind="dosing",
        lead_clinician=personas.prescriber,
        additional_staff=[personas.therapist, personas.nurse],
        room=clinic.dosing_room,
    )


def open_at(personas, session, clock, hour: int, minute: int = 0):
    clock.go(local(TUESDAY, hour, minute))
    return dosing_open(actor=personas.nurse, session=session, medication="racemic_ketamine", route="iv")


def actions(session: Session) -> list[str]:
    return list(
        AuditEvent.objects.filter(target_public_id=str(session.public_id))
        .order_by("id")
        .values_list("action", flat=True)
    )


def test_opening_the_record_inside_the_window_checks_the_patient_in(personas, booked, clock) -> None:
    dosing = open_at(personas, booked, clock, 9, 40)
    booked.refresh_from_db()
    assert booked.status == Session.Status.CHECKED_IN
    assert booked.checked_in_at == local(TUESDAY, 9, 40)
    assert actions(booked)[-2:] == ["session.confirmed", "session.checked_in"]
    helpers.full_vitals(personas, dosing)  # the first reading starts the session
    booked.refresh_from_db()
    assert booked.status == Session.Status.IN_PROGRESS


def test_opening_early_leaves_the_patient_waiting_and_check_in_names_the_booked_time(personas, booked, clock) -> None:
    dosing = open_at(personas, booked, clock, 7, 30)
    booked.refresh_from_db()
    assert booked.status == Session.Status.SCHEDULED
    with pytest.raises(GateRefused) as exc:
        dosing_check_in(actor=personas.nurse, dosing=dosing)
    assert exc.value.code == "outside_booked_window"
    assert exc.value.message.startswith(EARLY)
    clock.go(local(TUESDAY, 8))
    assert dosing_check_in(actor=personas.nurse, dosing=dosing).status == Session.Status.CHECKED_IN


def test_the_window_is_a_clinic_setting(personas, booked, clock) -> None:
    dosing = open_at(personas, booked, clock, 7, 30)
    clinical_setting_change(actor=personas.prescriber, key="check_in_window_minutes", value="180", reason="Long prep")
    assert dosing_check_in(actor=personas.nurse, dosing=dosing).status == Session.Status.CHECKED_IN


def test_a_prescriber_overrides_check_in_with_a_reason_a_nurse_cannot(personas, booked, clock) -> None:
    dosing = open_at(personas, booked, clock, 7, 30)
    with pytest.raises(PermissionDeniedError):
        dosing_check_in(actor=personas.nurse, dosing=dosing, override_reason="Patient is here")
    with pytest.raises(GateRefused):
        dosing_check_in(actor=personas.prescriber, dosing=dosing, override_reason="")
    session = dosing_check_in(actor=personas.prescriber, dosing=dosing, override_reason="Patient is here early")
    assert session.status == Session.Status.CHECKED_IN
    assert session.window_override_by == personas.prescriber
    assert "session.window_overridden" in actions(session)


def test_a_dose_on_another_day_than_the_booking_needs_a_prescribers_override(personas, ready, clock) -> None:
    r = ready()
    clock.go(WEDNESDAY_NIGHT)
    helpers.full_vitals(personas, r.dosing)
    with pytest.raises(GateRefused) as exc:
        give(personas, r)
    assert exc.value.code == "outside_booked_window"
    assert exc.value.message.startswith("Booked for 10:00 on 3 Mar; dosing closed at the end of that day.")
    with pytest.raises(PermissionDeniedError):
        give(personas, r, override_reason="Delayed by transport")
    dose = give(personas, r, actor=personas.prescriber, override_reason="Delayed by transport")
    assert dose.started_at == WEDNESDAY_NIGHT
    r.session.refresh_from_db()
    assert r.session.window_override_reason == "Delayed by transport"


def test_signing_a_dosing_record_with_no_dose_completes_the_session(personas, ready) -> None:
    r = ready()  # checked in, readings taken, the dose withheld
    notes.record_sign(actor=personas.prescriber, record=r.dosing, password=helpers.PASSWORD)
    r.session.refresh_from_db()
    assert r.session.status == Session.Status.COMPLETED
    assert actions(r.session)[-1] == "session.completed"


def test_the_dosing_page_refuses_an_early_check_in_and_takes_a_prescribers_reason(
    personas, booked, clock, client_for
) -> None:
    dosing = open_at(personas, booked, clock, 7, 30)
    r = helpers.Ready(session=booked, dosing=dosing, lot=None, consent=None)
    response = client_for(personas.nurse).post(action_url(r, "check_in"), {}, **HX)
    assert response.status_code == 409
    html = response.content.decode()
    assert EARLY in html
    assert 'data-testid="check-in-override-reason"' not in html  # nurses cannot override
    html = client_for(personas.prescriber).get(page_url(r)).content.decode()
    assert 'data-testid="check-in-override-reason"' in html
    response = client_for(personas.prescriber).post(
        action_url(r, "check_in"), {"override_reason": "Early arrival, room free"}, **HX
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="check-checked_in" data-state="met"' in html
    # Who overrode the booked time, and why, stays on the page for the rest of the session.
    html = client_for(personas.nurse).get(page_url(r)).content.decode()
    assert "Booked time overridden by Dr. Priya Raman on 2026-03-03 at 07:30: Early arrival, room free" in html


def test_the_api_check_in_takes_an_override_reason(personas, booked, clock, api_for) -> None:
    dosing = open_at(personas, booked, clock, 7, 30)
    url = reverse("api:dosing_check_in", kwargs={"public_id": dosing.public_id})
    response = api_for(personas.nurse).post(url, {}, format="json")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "outside_booked_window"
    assert response.json()["error"]["message"].startswith(EARLY)
    assert api_for(personas.nurse).post(url, {"override_reason": "here"}, format="json").status_code == 403
    response = api_for(personas.prescriber).post(url, {"override_reason": "Early arrival"}, format="json")
    assert response.status_code == 200
    assert response.json()["session_status"] == "checked_in"
    session = api_for(personas.nurse).get(reverse("api:session_detail", kwargs={"public_id": booked.public_id}))
    assert session.json()["window_overridden"] is True and session.json()["checked_in_at"]


def _status(session: Session) -> str:
    session.refresh_from_db()
    return session.status


def test_the_dosing_page_moves_the_status_on_open_first_reading_and_sign(
    personas, booked, clock, client_for, settings
) -> None:
    settings.STAFF_IDLE_TIMEOUT_MINUTES = 600
    clock.go(local(TUESDAY, 9, 40))
    nurse = client_for(personas.nurse)
    r = helpers.Ready(session=booked, dosing=None, lot=None, consent=None)
    nurse.post(action_url(r, "open"), {"medication": "racemic_ketamine", "route": "iv"})
    assert _status(booked) == Session.Status.CHECKED_IN
    nurse.post(action_url(r, "vitals"), {"systolic": "128", "diastolic": "82", "heart_rate": "74"}, **HX)
    assert _status(booked) == Session.Status.IN_PROGRESS
    response = client_for(personas.prescriber).post(action_url(r, "sign"), {"password": helpers.PASSWORD}, **HX)
    assert response.status_code == 200
    assert _status(booked) == Session.Status.COMPLETED


def test_the_api_moves_the_status_on_open_first_reading_and_sign(personas, booked, clock, api_for, settings) -> None:
    settings.STAFF_IDLE_TIMEOUT_MINUTES = 600
    clock.go(local(TUESDAY, 9, 40))
    nurse = api_for(personas.nurse)
    url = reverse("api:session_dosing", kwargs={"public_id": booked.public_id})
    response = nurse.post(url, {"medication": "racemic_ketamine", "route": "iv"}, format="json")
    assert response.status_code == 201
    assert response.json()["session_status"] == "checked_in"
    record = response.json()["id"]
    url = reverse("api:dosing_vitals", kwargs={"public_id": record})
    response = nurse.post(url, {"systolic": 128, "diastolic": 82, "heart_rate": 74}, format="json")
    assert response.status_code == 201
    assert response.json()["session_status"] == "in_progress"
    url = reverse("api:clinical_record_sign", kwargs={"kind": "dosing", "public_id": record})
    response = api_for(personas.prescriber).post(url, {"password": helpers.PASSWORD}, format="json")
    assert response.status_code == 200
    assert _status(booked) == Session.Status.COMPLETED


def test_the_dosing_page_refuses_a_reading_dated_in_the_future_naming_the_field(
    personas, ready, clock, client_for
) -> None:
    r = ready()
    clock.go(local(TUESDAY, 10, 20))
    reading = {"systolic": "130", "diastolic": "82", "heart_rate": "76", "taken_at": "2026-03-03T10:25"}
    response = client_for(personas.nurse).post(action_url(r, "vitals"), reading, **HX)
    assert response.status_code == 400
    html = response.content.decode()
    assert "cannot be in the future (it is 10:20 now)" in html
    assert 'name="taken_at" value="2026-03-03T10:25"' in html  # kept to correct, not retyped
    assert not r.dosing.vitals.filter(systolic=130).exists()


def test_a_body_that_is_not_a_form_is_refused_on_an_action_whose_fields_are_optional(
    personas, booked, clock, api_for
) -> None:
    """Found by the schema fuzzer: a multipart body without any part checked the patient in."""
    dosing = open_at(personas, booked, clock, 9, 30)
    url = reverse("api:dosing_check_in", kwargs={"public_id": dosing.public_id})
    boundary = "b0undary"
    body = f"--{boundary}\r\n7.2e16--{boundary}--\r\n"
    response = api_for(personas.nurse).post(url, data=body, content_type=f"multipart/form-data; boundary={boundary}")
    assert response.status_code == 400
    assert api_for(personas.nurse).post(url, {}, format="json").status_code == 200


def test_an_empty_form_still_counts_as_no_fields(personas, booked, clock, api_for) -> None:
    dosing = open_at(personas, booked, clock, 9, 30)
    url = reverse("api:dosing_check_in", kwargs={"public_id": dosing.public_id})
    assert api_for(personas.nurse).post(url, {}).status_code == 200  # multipart with no part at all
