"""Scheduling pages: calendar feed JSON and drag, booking form, detail, today, course planning."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.urls import reverse

from kap_clinic.audit.models import AuditEvent
from patients.models import Patient
from sessions_app.scheduling.models import Session, SessionType, TreatmentCourse
from sessions_app.scheduling.services.sessions import session_cancel
from tests.sessions_app.conftest import MONDAY, at

pytestmark = pytest.mark.django_db


def _events(client, **params):
    response = client.get(reverse("sessions_app:calendar_events"), params)
    assert response.status_code == 200, response.content
    return response.json()


def test_the_calendar_page_loads_fullcalendar_from_our_static_files(frozen, personas, clinic, client_for) -> None:
    response = client_for(personas.admin).get(reverse("sessions_app:calendar"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/vendor/fullcalendar/index.global.min.js" in html
    assert "/static/js/calendar.js" in html
    assert 'data-time-zone="America/New_York"' in html
    assert "cdn" not in html.lower()


def test_a_clinicians_calendar_opens_on_their_own_schedule(frozen, personas, clinic, client_for) -> None:
    response = client_for(personas.nurse).get(reverse("sessions_app:calendar"))
    assert f'data-clinician="{personas.nurse.public_id}"' in response.content.decode()


def test_events_carry_clinic_wall_clock_times_colour_and_status(frozen, personas, clinic, book, client_for) -> None:
    dose = book(at(MONDAY, 9), kind="dosing")
    events = _events(client_for(personas.admin), start="2026-03-02T00:00:00", end="2026-03-09T00:00:00")
    assert len(events) == 1
    event = events[0]
    assert (event["start"], event["end"]) == ("2026-03-02T09:00", "2026-03-02T11:00")
    assert event["title"] == "Dosing · Jordie Ellis · Dosing A"
    assert event["backgroundColor"] == SessionType.objects.get(kind="dosing").colour
    assert event["classNames"] == ["kind-dosing", "status-scheduled"]
    assert event["editable"] is True
    assert event["extendedProps"]["moveUrl"] == reverse("sessions_app:session_move", args=[dose.public_id])


def test_a_weekly_series_shows_at_the_same_wall_clock_time_on_both_sides_of_dst(
    frozen, personas, clinic, book, client_for
) -> None:
    book(at(MONDAY, 9))
    book(at(MONDAY + dt.timedelta(days=7), 9))  # 9 March: clocks went forward on the 8th
    events = _events(client_for(personas.admin), start="2026-03-02T00:00:00", end="2026-03-16T00:00:00")
    assert [e["start"] for e in events] == ["2026-03-02T09:00", "2026-03-09T09:00"]
    starts = sorted(Session.objects.values_list("starts_at", flat=True))
    assert [s.astimezone(dt.UTC).hour for s in starts] == [14, 13]


def test_calendar_filters_by_clinician_and_room_and_hides_cancelled_by_default(
    frozen, personas, clinic, book, client_for
) -> None:
    morgan = Patient.objects.get(legal_first_name="Morgan")
    a = book(at(MONDAY, 9), kind="dosing")
    b = book(at(MONDAY, 13), patient=morgan, lead_clinician=personas.nurse)
    c = book(at(MONDAY, 15), room=clinic.dosing_room_2)
    session_cancel(actor=personas.admin, session=c, reason="Unwell")
    client = client_for(personas.admin)
    week = {"start": "2026-03-02T00:00:00", "end": "2026-03-09T00:00:00"}
    assert {e["id"] for e in _events(client, **week)} == {str(a.public_id), str(b.public_id)}
    assert len(_events(client, **week, cancelled="1")) == 3
    assert [e["id"] for e in _events(client, **week, clinician=str(personas.therapist.public_id))] == [str(a.public_id)]
    assert [e["id"] for e in _events(client, **week, room=str(clinic.consult_room.public_id))] == [str(b.public_id)]
    cancelled = _events(client, **week, cancelled="1", room=str(clinic.dosing_room_2.public_id))[0]
    assert cancelled["classNames"] == ["kind-consultation", "status-cancelled"]
    assert cancelled["editable"] is False


def test_the_outsider_sees_no_sessions_of_patients_outside_their_team(
    frozen, personas, clinic, book, client_for
) -> None:
    book(at(MONDAY, 9))
    assert _events(client_for(personas.outsider), start="2026-03-02", end="2026-03-09") == []


def test_a_bad_range_is_a_400_not_a_500(frozen, personas, clinic, client_for) -> None:
    client = client_for(personas.admin)
    assert client.get(reverse("sessions_app:calendar_events"), {"start": "yesterday"}).status_code == 400
    response = client.get(reverse("sessions_app:calendar_events"), {"start": "2026-01-01", "end": "2026-06-01"})
    assert response.status_code == 400
    assert client.get(reverse("sessions_app:calendar"), {"clinician": "not-a-uuid"}).status_code == 404


def _move(client, session, start, end=None, **extra):
    return client.post(
        reverse("sessions_app:session_move", args=[session.public_id]),
        data=json.dumps({"start": start, "end": end, **extra}),
        content_type="application/json",
    )


def test_dragging_onto_a_clash_is_refused_with_the_reason(frozen, personas, clinic, book, client_for) -> None:
    book(at(MONDAY, 9))
    morgan = Patient.objects.get(legal_first_name="Morgan")
    other = book(at(MONDAY, 13), patient=morgan)
    response = _move(client_for(personas.admin), other, "2026-03-02T09:30:00", "2026-03-02T10:30:00")
    assert response.status_code == 409
    assert response.json()["error"]["message"] == (
        "Dr. Priya Raman is already booked on Mon 2 Mar 2026 09:00–10:00 (consultation session)."
    )
    other.refresh_from_db()
    assert other.starts_at == at(MONDAY, 13)


def test_a_valid_drag_is_saved_and_audited_as_a_reschedule(frozen, personas, clinic, book, client_for) -> None:
    session = book(at(MONDAY, 9))
    response = _move(client_for(personas.admin), session, "2026-03-03T14:00:00", "2026-03-03T15:30:00")
    assert response.status_code == 200, response.json()
    assert response.json()["event"]["start"] == "2026-03-03T14:00"
    session.refresh_from_db()
    assert (session.starts_at, session.ends_at) == (
        at(MONDAY + dt.timedelta(days=1), 14),
        at(MONDAY + dt.timedelta(days=1), 15, 30),
    )
    event = AuditEvent.objects.get(action="session.rescheduled")
    assert event.actor == personas.admin
    assert event.patient_public_id == personas.demo_patient.public_id


def test_dragging_outside_working_hours_is_refused(frozen, personas, clinic, book, client_for) -> None:
    session = book(at(MONDAY, 9))
    response = _move(client_for(personas.admin), session, "2026-03-02T19:00:00")
    assert response.status_code == 409
    assert "does not work" in response.json()["error"]["message"]


def test_an_admin_confirms_an_override_after_a_drag_outside_hours_and_it_is_audited(
    frozen, personas, clinic, book, client_for
) -> None:
    session = book(at(MONDAY, 9))
    client = client_for(personas.admin)
    assert _move(client, session, "2026-03-02T19:00:00").json()["error"]["code"] == "outside_working_hours"
    missing = _move(client, session, "2026-03-02T19:00:00", override_hours=True, override_reason=" ")
    assert missing.status_code == 400
    assert missing.json()["error"]["field"] == "override_reason"
    too_long = _move(client, session, "2026-03-02T19:00:00", override_hours=True, override_reason="x" * 301)
    assert too_long.status_code == 400
    assert too_long.json()["error"]["field"] == "override_reason"
    response = _move(client, session, "2026-03-02T19:00:00", override_hours=True, override_reason="Evening only")
    assert response.status_code == 200, response.json()
    assert response.json()["event"]["start"] == "2026-03-02T19:00"
    session.refresh_from_db()
    assert session.starts_at == at(MONDAY, 19)
    assert (session.hours_override_by, session.hours_override_reason) == (personas.admin, "Evening only")
    assert AuditEvent.objects.filter(action="session.rescheduled", target_public_id=str(session.public_id)).exists()
    assert AuditEvent.objects.get(action="session.hours_overridden").actor == personas.admin


def test_a_clinician_cannot_override_hours_by_drag(frozen, personas, clinic, book, client_for) -> None:
    session = book(at(MONDAY, 9))
    client = client_for(personas.prescriber)
    response = _move(client, session, "2026-03-02T19:00:00", override_hours=True, override_reason="Please")
    assert response.status_code == 403
    session.refresh_from_db()
    assert session.starts_at == at(MONDAY, 9)
    assert not AuditEvent.objects.filter(action="session.hours_overridden").exists()
    page = client.get(reverse("sessions_app:calendar")).content.decode()
    assert 'data-can-override=""' in page
    assert 'data-can-override="1"' in client_for(personas.admin).get(reverse("sessions_app:calendar")).content.decode()


def test_a_clash_outside_hours_is_named_as_a_clash_and_no_override_lifts_it(
    frozen, personas, clinic, book, client_for
) -> None:
    book(at(MONDAY, 19), override_hours=True, override_reason="Evening session")
    other = book(at(MONDAY, 9), patient=Patient.objects.get(legal_first_name="Morgan"))
    client = client_for(personas.admin)
    for extra in ({}, {"override_hours": True, "override_reason": "Evening only"}):
        response = _move(client, other, "2026-03-02T19:30:00", **extra)
        assert response.status_code == 409
        assert response.json()["error"]["code"] == "slot_unavailable"  # the calendar offers no override on it
    other.refresh_from_db()
    assert other.starts_at == at(MONDAY, 9)


def test_the_booking_form_books_and_shows_a_clash_as_a_form_error(frozen, personas, clinic, book, client_for) -> None:
    book(at(MONDAY, 9))
    client = client_for(personas.admin)
    data = {
        "patient": str(Patient.objects.get(legal_first_name="Morgan").public_id),
        "kind": "consultation",
        "date": "2026-03-02",
        "start_time": "09:30",
        "lead_clinician": str(personas.prescriber.public_id),
        "room": str(clinic.dosing_room_2.public_id),
    }
    response = client.post(reverse("sessions_app:session_create"), data)
    assert response.status_code == 200
    assert "Dr. Priya Raman is already booked on Mon 2 Mar 2026 09:00–10:00" in response.content.decode()
    response = client.post(reverse("sessions_app:session_create"), {**data, "start_time": "10:00"})
    assert response.status_code == 302
    session = Session.objects.get(patient__legal_first_name="Morgan")
    assert response.url == reverse("sessions_app:session_detail", args=[session.public_id])
    assert session.duration_minutes == 60


def test_only_admins_get_the_override_fields(frozen, personas, clinic, client_for) -> None:
    assert "override_reason" in client_for(personas.admin).get(reverse("sessions_app:session_create")).content.decode()
    assert (
        "override_reason" not in client_for(personas.nurse).get(reverse("sessions_app:session_create")).content.decode()
    )


def test_an_admin_override_from_the_form_is_saved_and_audited(frozen, personas, clinic, client_for) -> None:
    data = {
        "patient": str(personas.demo_patient.public_id),
        "kind": "follow_up",
        "date": "2026-03-07",  # Saturday
        "start_time": "10:00",
        "lead_clinician": str(personas.prescriber.public_id),
    }
    client = client_for(personas.admin)
    response = client.post(reverse("sessions_app:session_create"), data)
    assert "does not work Saturday" in response.content.decode()
    response = client.post(
        reverse("sessions_app:session_create"), {**data, "override_hours": "on", "override_reason": "Only day free"}
    )
    assert response.status_code == 302
    assert AuditEvent.objects.filter(action="session.hours_overridden").count() == 1


def test_the_session_page_is_audited_and_404_for_the_outsider(frozen, personas, clinic, book, client_for) -> None:
    session = book(at(MONDAY, 9), kind="dosing")
    response = client_for(personas.therapist).get(reverse("sessions_app:session_detail", args=[session.public_id]))
    assert response.status_code == 200
    assert "Dosing A" in response.content.decode()
    assert AuditEvent.objects.filter(action="session.viewed", actor=personas.therapist).exists()
    response = client_for(personas.outsider).get(reverse("sessions_app:session_detail", args=[session.public_id]))
    assert response.status_code == 404


def test_cancelling_and_status_steps_from_the_page(frozen, personas, clinic, book, client_for) -> None:
    session = book(at(MONDAY, 9))
    client = client_for(personas.admin)
    client.post(reverse("sessions_app:session_status", args=[session.public_id]), {"status": "confirmed"})
    session.refresh_from_db()
    assert session.status == "confirmed"
    response = client.post(reverse("sessions_app:session_status", args=[session.public_id]), {"status": "completed"})
    assert response.status_code == 302  # refused with a message, not a 500
    frozen.move_to(at(MONDAY, 7), tick=False)
    client = client_for(personas.admin)  # days passed: the idle timeout signed the admin out
    response = client.post(
        reverse("sessions_app:session_cancel", args=[session.public_id]), {"reason": "Snow storm"}, follow=True
    )
    assert "Session cancelled (late cancellation)." in response.content.decode()
    session.refresh_from_db()
    assert (session.status, session.late_cancel, session.cancellation_reason) == ("cancelled", True, "Snow storm")


def test_the_edit_form_reschedules(frozen, personas, clinic, book, client_for) -> None:
    session = book(at(MONDAY, 9))
    response = client_for(personas.admin).post(
        reverse("sessions_app:session_edit", args=[session.public_id]),
        {
            "date": "2026-03-04",
            "start_time": "11:00",
            "duration_minutes": "45",
            "lead_clinician": str(personas.prescriber.public_id),
            "room": str(clinic.consult_room.public_id),
        },
    )
    assert response.status_code == 302
    session.refresh_from_db()
    assert session.starts_at == at(dt.date(2026, 3, 4), 11)
    assert session.duration_minutes == 45


def test_today_lists_a_clinicians_sessions_with_their_next_step(frozen, personas, clinic, book, client_for) -> None:
    frozen.move_to(at(MONDAY, 7), tick=False)
    book(at(MONDAY, 9), kind="dosing")
    book(at(MONDAY, 13), lead_clinician=personas.nurse)
    response = client_for(personas.therapist).get(reverse("sessions_app:today"))
    html = response.content.decode()
    assert "Today · Monday 2 March 2026" in html
    assert html.count('name="status" value="confirmed"') == 1  # only the dosing session is the therapist's
    admin_page = client_for(personas.admin).get(reverse("sessions_app:today")).content.decode()
    assert admin_page.count('name="status" value="confirmed"') == 2


def test_the_dashboard_and_the_chart_show_sessions(frozen, personas, clinic, book, client_for) -> None:
    frozen.move_to(at(MONDAY, 7), tick=False)
    book(at(MONDAY, 9), kind="dosing")
    dashboard = client_for(personas.prescriber).get(reverse("dashboard")).content.decode()
    assert 'data-testid="dashboard-today"' in dashboard
    assert "Dosing · Jordie Ellis" in dashboard
    chart = client_for(personas.admin).get(reverse("patients:detail", args=[personas.demo_patient.public_id]))
    html = chart.content.decode()
    assert 'data-testid="chart-upcoming-sessions"' in html
    assert "Mon 2 Mar 2026, 09:00–11:00" in html


def test_the_course_planner_proposes_then_books(frozen, personas, clinic, book, client_for) -> None:
    morgan = Patient.objects.get(legal_first_name="Morgan")
    book(at(dt.date(2026, 3, 5), 9), patient=morgan)  # dose 1 will have to move
    client = client_for(personas.admin)
    url = reverse("sessions_app:course_plan", args=[personas.demo_patient.public_id])
    plan = {
        "start_date": "2026-03-02",
        "medical_clinician": str(personas.prescriber.public_id),
        "therapist": str(personas.therapist.public_id),
        "preparation_count": "1",
        "dosing_count": "2",
        "dosing_weekdays": ["0", "3"],
        "dosing_time": "09:00",
        "preparation_time": "10:00",
        "integration_time": "10:00",
        "integration_min_days": "1",
        "integration_max_days": "3",
    }
    response = client.post(url, {**plan, "action": "propose"})
    html = response.content.decode()
    assert "Moved from Thu 5 Mar 09:00: Dr. Priya Raman is booked 09:00–10:00 (consultation)." in html
    assert Session.objects.filter(patient=personas.demo_patient).count() == 0
    items = response.context["items"]
    post = {**plan, "action": "confirm", "recurrence": response.context["proposal"].recurrence}
    post.update({"items-TOTAL_FORMS": str(len(items.forms)), "items-INITIAL_FORMS": str(len(items.forms))})
    for i, form in enumerate(items.forms):
        post[f"items-{i}-kind"] = form.initial["kind"]
        post[f"items-{i}-sequence"] = form.initial["sequence"]
        post[f"items-{i}-starts_at"] = form.initial["starts_at"].strftime("%Y-%m-%dT%H:%M")
        post[f"items-{i}-room"] = str(form.initial["room"])
    response = client.post(url, post)
    assert response.status_code == 302, response.content.decode()[:2000]
    course = TreatmentCourse.objects.get()
    assert course.recurrence == "DTSTART;TZID=America/New_York:20260305T090000\nRRULE:FREQ=WEEKLY;BYDAY=MO,TH;COUNT=2"
    assert course.sessions.count() == 5
    detail = client.get(response.url).content.decode()
    assert "RRULE:FREQ=WEEKLY;BYDAY=MO,TH;COUNT=2" in detail
    # Booking the same plan again clashes everywhere: the error names the session, nothing is saved.
    response = client.post(url, post)
    assert response.status_code == 200
    assert "Preparation 1: " in response.content.decode()
    assert TreatmentCourse.objects.count() == 1


def test_the_admin_sets_durations_hours_and_rooms(frozen, personas, clinic, book, client_for) -> None:
    client = client_for(personas.admin)
    response = client.post(
        reverse("sessions_app:session_type_edit", args=["follow_up"]),
        {"name": "Follow-up", "default_duration_minutes": "45", "colour": "#c07a1f"},
    )
    assert response.status_code == 302
    session = book(at(MONDAY, 9), kind="follow_up")
    assert session.duration_minutes == 45
    response = client.post(
        reverse("sessions_app:room_create"),
        {"location": str(clinic.location.public_id), "name": "Dosing C", "dosing_equipped": "on", "active": "on"},
    )
    assert response.status_code == 302
    days = {"days-TOTAL_FORMS": "7", "days-INITIAL_FORMS": "7"}
    for d in range(7):
        days[f"days-{d}-weekday"] = str(d)
        if d < 2:
            days[f"days-{d}-start_time"] = "12:00"
            days[f"days-{d}-end_time"] = "16:00"
    url = reverse("sessions_app:working_hours", args=[personas.nurse.public_id])
    assert client.post(url, {**days, "save_hours": "1"}).status_code == 302
    response = client.post(url, {"add_time_off": "1", "starts_at": "2026-03-03T12:00", "ends_at": "2026-03-03T14:00"})
    assert response.status_code == 302
    page = client.get(reverse("sessions_app:setup")).content.decode()
    assert "Monday 12:00–16:00 · Tuesday 12:00–16:00" in page
    assert "Dosing C" in page
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"session_type.updated", "room.created", "working_hours.set", "time_off.added"} <= actions


def test_the_portal_shows_a_patient_only_their_own_appointments(frozen, personas, clinic, book, client_for) -> None:
    book(at(MONDAY, 9), kind="dosing")
    page = client_for(personas.patient_user).get(reverse("portal:sessions")).content.decode()
    assert "Monday 2 March 2026, 09:00–11:00" in page
    assert "arrange a ride home" in page
    home = client_for(personas.patient_user).get(reverse("portal:home")).content.decode()
    assert 'data-testid="portal-appointments"' in home
    assert "Monday 2 March 2026, 09:00–11:00" in home
    assert "Dosing session with Dr. Priya Raman and Tessa Kline" in home  # the whole team, as on the full list
    other = client_for(personas.other_patient_user).get(reverse("portal:sessions")).content.decode()
    assert "2 March 2026" not in other
