"""The treatment-room board: one card per room in use today; clinical values only for the viewer's
care-team patients, none for practice admins; live through a cheap version of the day."""

from __future__ import annotations

import pytest
from django.urls import reverse

from kap_clinic.audit.models import AuditEvent
from sessions_app.clinical.live import board_version
from sessions_app.clinical.services.monitoring import vitals_record
from sessions_app.scheduling.services.sessions import session_schedule

from .conftest import TUESDAY, local
from .test_dosing_gates import give

pytestmark = pytest.mark.django_db

BOARD = reverse("sessions_app:board")
LIVE = reverse("sessions_app:board_live")
POLL = {"HTTP_X_KAP_BACKGROUND": "poll"}
ALERT_TEXT = "Systolic BP high"


@pytest.fixture
def live_room(personas, ready, clock):
    """A dosing under way in Dosing A (care team: prescriber, nurse, therapist) with an open alert,
    and the outsider's own patient booked in Dosing B."""
    p = personas
    r = ready()
    give(p, r)
    clock.advance(minutes=10)
    vitals_record(actor=p.nurse, dosing=r.dosing, systolic=187, diastolic=97, heart_rate=91, spo2=96, resp_rate=15)
    from sessions_app.scheduling.models import Room

    session_schedule(
        actor=p.admin,
        patient=p.other_patient,
        kind="consultation",
        starts_at=local(TUESDAY, 11),
        lead_clinician=p.outsider,
        room=Room.objects.get(name="Dosing B"),
    )
    return r


def test_a_care_team_clinician_sees_each_room_with_the_clinical_values(personas, live_room, client_for) -> None:
    response = client_for(personas.nurse).get(BOARD)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('data-testid="room-card"') == 2
    assert personas.demo_patient.display_name in html  # on the nurse's care team
    assert "BP 187/97" in html and "HR 91" in html and ALERT_TEXT in html
    assert 'data-testid="room-alert"' in html and "room-alert" in html
    assert "Dose 09:50" in html and 'data-testid="room-vitals-due"' in html
    assert "Riley Other" not in html and "Patient of another care team" in html
    assert reverse("sessions_app:dosing", kwargs={"public_id": live_room.session.public_id}) in html
    assert AuditEvent.objects.filter(action="room_board.viewed", actor=personas.nurse).count() == 1


def test_a_practice_admin_sees_names_rooms_status_and_times_but_no_clinical_values(
    personas, live_room, client_for
) -> None:
    html = client_for(personas.admin).get(BOARD).content.decode()
    assert html.count('data-testid="room-card"') == 2
    assert personas.demo_patient.display_name in html and "Riley Other" in html
    assert "Dosing A" in html and "In progress" in html and "10:00" in html
    for clinical in (
        "187/97",
        "HR 91",
        ALERT_TEXT,
        'data-testid="room-alert"',
        "Dose running",
        "room-vitals-due",
        "/dosing/",
    ):
        assert clinical not in html, clinical
    assert not AuditEvent.objects.filter(action="room_board.viewed").exists()


def test_a_clinician_off_the_care_team_sees_the_room_but_not_the_patient_or_values(
    personas, live_room, client_for
) -> None:
    html = client_for(personas.outsider).get(BOARD).content.decode()
    assert "Riley Other" in html  # their own patient
    assert personas.demo_patient.display_name not in html and "187/97" not in html and ALERT_TEXT not in html
    assert "Patient of another care team" in html


@pytest.mark.parametrize("who", ["patient_user", "other_patient_user"])
def test_patients_are_refused(personas, live_room, client_for, who) -> None:
    client = client_for(personas.user(who))
    assert client.get(BOARD).status_code == 403
    assert client.get(LIVE, **POLL).status_code == 403


def test_anonymous_visitors_go_to_sign_in(live_room, client_for) -> None:
    assert client_for(None).get(BOARD)["Location"].startswith("/accounts/login/")


def test_the_board_poll_is_204_until_something_changes(personas, live_room, client_for) -> None:
    client = client_for(personas.nurse)
    version = board_version()
    client.get(LIVE, **POLL)
    response = client.get(f"{LIVE}?v={version}", **POLL)
    assert response.status_code == 204 and response.content == b""
    vitals_record(actor=personas.nurse, dosing=live_room.dosing, systolic=150, diastolic=90, heart_rate=80)
    response = client.get(f"{LIVE}?v={version}", **POLL)
    assert response.status_code == 200
    assert response["X-KAP-Revision"] == board_version() != version
    assert "BP 150/90" in response.content.decode()
    assert client.get(f"{LIVE}?v={board_version()}&full=1", **POLL).status_code == 200


def test_the_board_version_changes_with_a_status_change_or_a_new_booking(personas, live_room) -> None:
    from sessions_app.scheduling.models import Room

    before = board_version()
    session_schedule(
        actor=personas.admin,
        patient=personas.other_patient,
        kind="consultation",
        starts_at=local(TUESDAY, 15),
        lead_clinician=personas.outsider,
        room=Room.objects.get(name="Consult 1"),
    )
    assert board_version() != before


def test_the_board_poll_costs_at_most_two_queries_with_cached_sessions(
    personas, live_room, client, settings, django_assert_max_num_queries
) -> None:
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    client.force_login(personas.admin)
    client.get(LIVE, **POLL)
    version = board_version()
    with django_assert_max_num_queries(2):
        assert client.get(f"{LIVE}?v={version}", **POLL).status_code == 204


def test_the_board_runs_the_same_queries_for_one_or_three_rooms(personas, live_room, client_for, book, clinic) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(personas.nurse)
    client.get(LIVE, **POLL)
    with CaptureQueriesContext(connection) as few:
        client.get(f"{LIVE}?full=1", **POLL)
    book(local(TUESDAY, 14), kind="consultation", room=clinic.consult_room)
    with CaptureQueriesContext(connection) as more:
        response = client.get(f"{LIVE}?full=1", **POLL)
    assert response.content.decode().count('data-testid="room-card"') == 3
    assert len(more.captured_queries) == len(few.captured_queries)


def test_the_nav_and_the_today_page_link_the_board(personas, client_for) -> None:
    client = client_for(personas.nurse)
    assert BOARD in client.get(reverse("sessions_app:today")).content.decode()
