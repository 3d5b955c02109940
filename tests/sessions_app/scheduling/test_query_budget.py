"""The week calendar costs a fixed number of queries however full the clinic is.

"Many" is the issue's yardstick: 20 staff and 2,000 sessions in one week. Rows are inserted in
bulk (the booking rules are tested elsewhere); the point here is the read path.
"""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.urls import reverse

from kap_clinic.accounts.models import User
from patients.models import CareTeamMembership, Patient
from sessions_app.scheduling.models import Room, Session
from tests.sessions_app.conftest import MONDAY, at
from tests.sessions_app.factories import RoomFactory, SessionFactory, TreatmentCourseFactory

pytestmark = pytest.mark.django_db
WEEK = {"start": "2026-03-02T00:00:00", "end": "2026-03-09T00:00:00"}
# Auth session + user (2), session types, sessions (one joined query), additional staff, the audit
# event (6 app queries) and the idle-timeout middleware saving the auth session (3, with savepoint).
BUDGET = 9


def fill_clinic(admin: User, *, staff_count: int, sessions_per_week: int, location) -> None:
    """Bulk-create ``staff_count`` clinicians and ``sessions_per_week`` sessions in the test week."""
    disciplines = itertools.cycle(["prescriber", "nurse", "therapist"])
    staff = User.objects.bulk_create(
        [
            User(
                email=f"staff{i}@bench.clinic",
                full_name=f"Staff Member {i:02d}",
                role="clinician",
                discipline=next(disciplines),
            )
            for i in range(staff_count)
        ]
    )
    rooms = Room.objects.bulk_create(
        [RoomFactory.build(location=location, name=f"Bench room {i}", dosing_equipped=i % 2 == 0) for i in range(10)]
    )
    patients = Patient.objects.bulk_create(
        [
            Patient(
                legal_first_name=f"Pat{i}", legal_last_name="Bench", date_of_birth=dt.date(1980, 1, 1), mrn=f"B-{i:08d}"
            )
            for i in range(200)
        ]
    )
    CareTeamMembership.objects.bulk_create(
        [CareTeamMembership(patient=p, clinician=staff[i % staff_count]) for i, p in enumerate(patients)]
    )
    kinds = itertools.cycle(["consultation", "preparation", "dosing", "integration", "follow_up"])
    sessions = []
    for n in range(sessions_per_week):
        day = MONDAY + dt.timedelta(days=n % 7)
        start = at(day, 7 + (n // 7) % 12, 15 * (n % 4))
        sessions.append(
            SessionFactory.build(
                patient=patients[n % len(patients)],
                kind=next(kinds),
                lead_clinician=staff[n % staff_count],
                room=rooms[n % len(rooms)],
                starts_at=start,
                created_by=admin,
            )
        )
    # Some rows carry everything the API names: a course, the session they follow, a cancellation.
    course = TreatmentCourseFactory(
        patient=patients[0],
        recurrence="DTSTART;TZID=America/New_York:20260302T090000\nRRULE:FREQ=WEEKLY;BYDAY=MO,TH;COUNT=6",
        medical_clinician=staff[0],
        created_by=admin,
    )
    for n, session in enumerate(sessions):
        if n % 4 == 0:
            session.course, session.course_sequence = course, n % 6 + 1
        if n % 9 == 0:
            session.status = "cancelled"
            session.cancelled_at, session.cancelled_by, session.cancellation_reason = session.starts_at, admin, "x"
    created = Session.objects.bulk_create(sessions)
    for earlier, later in zip(created[::10], created[5::10], strict=False):
        later.follows = earlier
    Session.objects.bulk_update(created[5::10], ["follows"])
    through = Session.additional_staff.through
    through.objects.bulk_create(
        [through(session_id=s.pk, user_id=staff[(i + 1) % staff_count].pk) for i, s in enumerate(created) if i % 3 == 0]
    )


@pytest.mark.parametrize("size", [(2, 5), (20, 2000)], ids=["few", "many"])
def test_the_week_calendar_json_has_a_fixed_query_budget(
    frozen, personas, clinic, client_for, django_assert_max_num_queries, size
) -> None:
    staff_count, sessions = size
    fill_clinic(personas.admin, staff_count=staff_count, sessions_per_week=sessions, location=clinic.location)
    client = client_for(personas.admin)
    with django_assert_max_num_queries(BUDGET):
        response = client.get(reverse("sessions_app:calendar_events"), WEEK)
    assert response.status_code == 200
    assert len(response.json()) == sessions - len(range(0, sessions, 9))  # cancelled ones are hidden


@pytest.mark.parametrize("size", [(2, 5), (20, 2000)], ids=["few", "many"])
def test_the_week_calendar_of_one_clinician_and_the_api_list_have_fixed_budgets(
    frozen, personas, clinic, client_for, api_for, django_assert_max_num_queries, size
) -> None:
    staff_count, sessions = size
    fill_clinic(personas.admin, staff_count=staff_count, sessions_per_week=sessions, location=clinic.location)
    someone = User.objects.get(email="staff1@bench.clinic")
    client = client_for(personas.admin)
    with django_assert_max_num_queries(BUDGET + 1):  # + looking up the clinician in the filter
        response = client.get(reverse("sessions_app:calendar_events"), {**WEEK, "clinician": str(someone.public_id)})
    assert response.status_code == 200
    assert response.json()
    api = api_for(personas.admin)
    with django_assert_max_num_queries(BUDGET + 1):  # + the pagination count
        response = api.get(reverse("api:sessions"), {"start": "2026-03-02", "end": "2026-03-08", "page_size": 200})
    assert response.status_code == 200
    assert response.json()["count"] == sessions


def test_a_clinicians_calendar_costs_the_same_with_the_care_team_filter(
    frozen, personas, clinic, book, client_for, django_assert_max_num_queries
) -> None:
    for hour in (9, 11, 13, 15):
        book(at(MONDAY, hour))
    client = client_for(personas.prescriber)
    with django_assert_max_num_queries(BUDGET):
        response = client.get(reverse("sessions_app:calendar_events"), WEEK)
    assert len(response.json()) == 4
