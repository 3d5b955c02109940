"""/api/v1/sessions/, /rooms/, /availability/, /courses/: same rules as the services, JSON errors."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from kap_clinic.audit.models import AuditEvent
from patients.models import Patient
from sessions_app.scheduling.models import Session
from tests.sessions_app.conftest import MONDAY, NY, at

pytestmark = pytest.mark.django_db
SCHEDULE_FIELDS = {
    "id",
    "kind",
    "status",
    "patient",
    "starts_at",
    "ends_at",
    "duration_minutes",
    "lead_clinician",
    "additional_staff",
    "room",
    "course",
    "course_sequence",
    "follows",
    "cancelled_at",
    "cancelled_by",
    "cancellation_reason",
    "late_cancel",
    "hours_overridden",
    "checked_in_at",
    "window_overridden",
}


def _payload(p, clinic, **kw) -> dict:
    data = {
        "patient": str(p.demo_patient.public_id),
        "kind": "dosing",
        "starts_at": "2026-03-02T09:00",  # no offset: clinic-local
        "lead_clinician": str(p.prescriber.public_id),
        "additional_staff": [str(p.therapist.public_id)],
        "room": str(clinic.dosing_room.public_id),
    }
    data.update(kw)
    return data


def test_booking_through_the_api_uses_clinic_time_and_the_default_duration(frozen, personas, clinic, api_for) -> None:
    response = api_for(personas.admin).post(reverse("api:sessions"), _payload(personas, clinic), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert set(body) == SCHEDULE_FIELDS
    assert dt.datetime.fromisoformat(body["starts_at"]) == at(MONDAY, 9)
    assert body["duration_minutes"] == 120
    assert body["room"]["dosing_equipped"] is True
    assert [s["full_name"] for s in body["additional_staff"]] == ["Tessa Kline"]
    assert isinstance(body["id"], str) and len(body["id"]) == 36


def test_a_clash_is_a_409_naming_it(frozen, personas, clinic, api_for) -> None:
    api = api_for(personas.admin)
    assert api.post(reverse("api:sessions"), _payload(personas, clinic), format="json").status_code == 201
    morgan = Patient.objects.get(legal_first_name="Morgan")
    response = api.post(
        reverse("api:sessions"),
        _payload(personas, clinic, patient=str(morgan.public_id), lead_clinician=str(personas.nurse.public_id)),
        format="json",
    )
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "slot_unavailable"
    assert error["field"] == "additional_staff"
    assert error["message"] == "Tessa Kline is already booked on Mon 2 Mar 2026 09:00–11:00 (dosing session)."
    assert {c["resource"] for c in error["clashes"]} == {"clinician", "room"}


def test_outside_hours_is_a_409_unless_an_admin_overrides_with_a_reason(frozen, personas, clinic, api_for) -> None:
    late = _payload(personas, clinic, starts_at="2026-03-02T17:00")
    response = api_for(personas.prescriber).post(reverse("api:sessions"), late, format="json")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "outside_working_hours"
    forced = {**late, "override_hours": True, "override_reason": "Patient travels in"}
    assert api_for(personas.prescriber).post(reverse("api:sessions"), forced, format="json").status_code == 403
    response = api_for(personas.admin).post(reverse("api:sessions"), forced, format="json")
    assert response.status_code == 201
    assert response.json()["hours_overridden"] is True


def test_bad_input_is_a_400_naming_the_field(frozen, personas, clinic, api_for) -> None:
    api = api_for(personas.admin)
    response = api.post(reverse("api:sessions"), _payload(personas, clinic, kind="massage"), format="json")
    assert response.status_code == 400
    assert response.json()["error"]["field"] == "kind"
    response = api.post(reverse("api:sessions"), _payload(personas, clinic, room=None), format="json")
    assert response.status_code == 400
    assert response.json()["error"] == {
        "code": "validation_failed",
        "message": "A dosing session needs a dosing-equipped room.",
        "field": "room",
    }
    response = api.post(
        reverse("api:sessions"), _payload(personas, clinic, lead_clinician=str(personas.admin.public_id)), format="json"
    )
    assert response.status_code == 400
    assert response.json()["error"]["field"] == "lead_clinician"
    response = api.post(
        reverse("api:sessions"), _payload(personas, clinic, starts_at="2026-03-08T02:30"), format="json"
    )
    assert response.status_code == 400  # that local time does not exist (clocks jump 02:00 → 03:00)
    assert response.json()["error"]["field"] == "starts_at"


def test_the_outsider_gets_404_for_patients_and_sessions_outside_their_care_team(
    frozen, personas, clinic, book, api_for
) -> None:
    session = book(at(MONDAY, 9))
    api = api_for(personas.outsider)
    response = api.post(reverse("api:sessions"), _payload(personas, clinic), format="json")
    assert response.status_code == 404
    assert api.get(reverse("api:session_detail", args=[session.public_id])).status_code == 404
    assert api.post(reverse("api:session_cancel", args=[session.public_id]), {"reason": "x"}).status_code == 404
    assert api.get(reverse("api:sessions")).json()["count"] == 0
    assert AuditEvent.objects.filter(action="session.access_denied", outcome="denied").exists()


def test_patients_see_only_their_own_sessions_and_cannot_write(frozen, personas, clinic, book, api_for) -> None:
    mine = book(at(MONDAY, 9))
    api = api_for(personas.patient_user)
    listing = api.get(reverse("api:sessions")).json()
    assert [s["id"] for s in listing["results"]] == [str(mine.public_id)]
    assert api.get(reverse("api:session_detail", args=[mine.public_id])).status_code == 200
    assert (
        api.patch(reverse("api:session_detail", args=[mine.public_id]), {"starts_at": "2026-03-02T13:00"}).status_code
        == 403
    )
    assert api.post(reverse("api:sessions"), _payload(personas, clinic), format="json").status_code == 403
    other = api_for(personas.other_patient_user)
    assert other.get(reverse("api:sessions")).json()["count"] == 0
    assert other.get(reverse("api:session_detail", args=[mine.public_id])).status_code == 404


def test_the_admin_sees_every_schedule_without_clinical_content(frozen, personas, clinic, book, api_for) -> None:
    session = book(at(MONDAY, 9), kind="dosing")
    body = api_for(personas.admin).get(reverse("api:session_detail", args=[session.public_id])).json()
    assert set(body) == SCHEDULE_FIELDS
    assert set(body["patient"]) == {"id", "display_name", "initials"}
    assert AuditEvent.objects.filter(action="session.viewed", target_public_id=str(session.public_id)).exists()


def test_the_list_filters_by_dates_clinician_room_patient_status_and_kind(
    frozen, personas, clinic, book, api_for
) -> None:
    morgan = Patient.objects.get(legal_first_name="Morgan")
    a = book(at(MONDAY, 9), kind="dosing")
    b = book(at(MONDAY, 13), patient=morgan, lead_clinician=personas.nurse)
    c = book(at(MONDAY + dt.timedelta(days=1), 9), lead_clinician=personas.therapist, room=clinic.dosing_room_2)
    api = api_for(personas.admin)

    def ids(**params) -> set[str]:
        response = api.get(reverse("api:sessions"), params)
        assert response.status_code == 200, response.json()
        return {s["id"] for s in response.json()["results"]}

    everything = {str(s.public_id) for s in (a, b, c)}
    assert ids() == everything
    assert ids(start="2026-03-02", end="2026-03-02") == {str(a.public_id), str(b.public_id)}
    assert ids(start="2026-03-03") == {str(c.public_id)}
    assert ids(clinician=str(personas.therapist.public_id)) == {str(a.public_id), str(c.public_id)}
    assert ids(room=str(clinic.consult_room.public_id)) == {str(b.public_id)}
    assert ids(patient=str(morgan.public_id)) == {str(b.public_id)}
    assert ids(kind="dosing") == {str(a.public_id)}
    assert ids(kind="dosing,consultation") == everything
    api.post(reverse("api:session_cancel", args=[b.public_id]), {"reason": "Unwell"})
    assert ids(status="cancelled") == {str(b.public_id)}
    response = api.get(reverse("api:sessions"), {"status": "lost"})
    assert response.status_code == 400
    assert response.json()["error"]["field"] == "status"
    response = api.get(reverse("api:sessions"), {"start": "2026-03-05", "end": "2026-03-01"})
    assert response.status_code == 400


def test_update_cancel_and_status_go_through_the_services(frozen, personas, clinic, book, api_for) -> None:
    session = book(at(MONDAY, 9))
    api = api_for(personas.admin)
    url = reverse("api:session_detail", args=[session.public_id])
    response = api.patch(url, {"starts_at": "2026-03-02T14:00"}, format="json")
    assert response.status_code == 200, response.json()
    assert dt.datetime.fromisoformat(response.json()["starts_at"]).astimezone(NY).hour == 14
    assert AuditEvent.objects.filter(action="session.rescheduled").count() == 1
    response = api.patch(url, {"room": str(clinic.dosing_room.public_id)}, format="json")
    assert response.json()["room"]["name"] == "Dosing A"
    status_url = reverse("api:session_status", args=[session.public_id])
    assert api.post(status_url, {"status": "completed"}, format="json").status_code == 409
    assert api.post(status_url, {"status": "confirmed"}, format="json").json()["status"] == "confirmed"
    cancel_url = reverse("api:session_cancel", args=[session.public_id])
    assert api.post(cancel_url, {}, format="json").status_code == 400
    response = api.post(cancel_url, {"reason": "Patient request"}, format="json")
    assert response.json()["status"] == "cancelled"
    assert response.json()["cancelled_by"] == "Alex Morgan"
    assert api.patch(url, {"starts_at": "2026-03-02T15:00"}, format="json").status_code == 409


def test_rooms_are_listed_for_staff_and_added_by_admins(frozen, personas, clinic, api_for) -> None:
    rooms = api_for(personas.nurse).get(reverse("api:rooms")).json()
    assert [(r["name"], r["dosing_equipped"]) for r in rooms] == [
        ("Consult 1", False),
        ("Dosing A", True),
        ("Dosing B", True),
    ]
    new = {"location": str(clinic.location.public_id), "name": "Dosing C", "dosing_equipped": True}
    assert api_for(personas.nurse).post(reverse("api:rooms"), new, format="json").status_code == 403
    response = api_for(personas.admin).post(reverse("api:rooms"), new, format="json")
    assert response.status_code == 201
    assert api_for(personas.admin).post(reverse("api:rooms"), new, format="json").status_code == 400


def test_availability_lists_free_slots_inside_working_hours(frozen, personas, clinic, book, api_for) -> None:
    book(at(MONDAY, 9), kind="dosing")  # prescriber busy 09:00–11:00
    api = api_for(personas.admin)
    params = {"clinician": str(personas.prescriber.public_id), "date": "2026-03-02", "kind": "follow_up"}
    body = api.get(reverse("api:availability"), params).json()
    starts = [dt.datetime.fromisoformat(s["starts_at"]).astimezone(NY).strftime("%H:%M") for s in body["slots"]]
    assert body["duration_minutes"] == 30
    assert starts[:5] == ["08:00", "08:15", "08:30", "11:00", "11:15"]
    assert starts[-1] == "17:30"
    # Dosing needs a dosing room: with Dosing A taken 09–11 the slots at 09:00 still have Dosing B,
    # but the prescriber is busy, so the first slot after 08:00 is 11:00.
    body = api.get(reverse("api:availability"), {**params, "kind": "dosing"}).json()
    first = body["slots"][0]
    assert dt.datetime.fromisoformat(first["starts_at"]).astimezone(NY).strftime("%H:%M") == "11:00"
    assert {r["name"] for r in first["rooms"]} == {"Dosing A", "Dosing B"}
    weekend = api.get(reverse("api:availability"), {**params, "date": "2026-03-07"}).json()
    assert weekend["slots"] == []
    bad = api.get(
        reverse("api:availability"),
        {"clinician": str(personas.admin.public_id), "date": "2026-03-02", "kind": "dosing"},
    )
    assert bad.status_code == 400
    assert bad.json()["error"]["field"] == "clinician"
    assert api.get(reverse("api:availability"), {"date": "2026-03-02"}).status_code == 400


def test_a_course_is_proposed_and_confirmed_over_the_api(frozen, personas, clinic, api_for) -> None:
    api = api_for(personas.admin)
    request = {
        "patient": str(personas.demo_patient.public_id),
        "start_date": "2026-03-02",
        "medical_clinician": str(personas.prescriber.public_id),
        "therapist": str(personas.therapist.public_id),
        "dosing_count": 4,
    }
    proposal = api.post(reverse("api:course_propose"), request, format="json")
    assert proposal.status_code == 200, proposal.json()
    sessions = proposal.json()["sessions"]
    assert [s["kind"] for s in sessions].count("dosing") == 4
    assert Session.objects.count() == 0
    items = [
        {"kind": s["kind"], "sequence": s["sequence"], "starts_at": s["starts_at"], "room": s["room"]["id"]}
        for s in sessions
    ]
    response = api.post(reverse("api:courses"), {**request, "items": items}, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["recurrence"].endswith("COUNT=4")
    assert len(response.json()["sessions"]) == 9
    again = api.post(reverse("api:courses"), {**request, "items": items}, format="json")
    assert again.status_code == 409  # every slot is now taken by the first booking
    assert again.json()["error"]["field"].startswith("items.")
