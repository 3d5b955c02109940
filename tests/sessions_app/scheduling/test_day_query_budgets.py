"""Today's schedule, the staff dashboard, the week's event feed and the API's date range read the day
(or the week) they show, not the session table.

Each test builds a day of ten sessions (additional staff on some, a dosing session with its dosing
record, one cancellation), measures a page, bulk-inserts 1,000 sessions on other days (past and
future, some with additional staff or cancelled, some on the evening before), and measures again:

- the query count is the same and within the page's budget;
- the same sessions are shown (the session ids found in the response);
- every statement that touches the session tables is the same SQL with the same parameters, so no
  id list (a prefetch, an ``IN (...)``) grew with the table: the rows read are the day's rows.

A last test pins the query shape that keeps it cheap: the range search bounds ``starts_at`` from below
(the range start minus MAX_SESSION_MINUTES), not only ``ends_at``, so a start-time index serves it.

Counts, never wall-clock times. Rows are bulk-inserted (the booking rules are tested elsewhere); one
request is made before measuring so per-process caches (session types, thresholds) do not count.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kap_clinic.accounts.models import User
from patients.models import Patient
from sessions_app.scheduling.models import MAX_SESSION_MINUTES, Room, Session
from tests.sessions_app.conftest import MONDAY, Clinic, at
from tests.sessions_app.factories import DosingRecordFactory, SessionFactory

pytestmark = pytest.mark.django_db

TODAY = MONDAY + dt.timedelta(days=2)  # a Wednesday; its week ends with the spring DST change
DAY = (TODAY, TODAY + dt.timedelta(days=1))
WEEK = (MONDAY, MONDAY + dt.timedelta(days=7))
OTHER_DAY_SESSIONS = 1_000

# Budgets: the count measured (same on SQLite and PostgreSQL) plus two. The counts are equal with and
# without the other days' sessions; the budget catches a new per-page query (or an N+1) creeping in.
HEADROOM = 2
# The user (auth session from the cache), the day's sessions, their additional staff; the admin's page
# also lists the clinicians for its filter, and a ?clinician= looks that clinician up first.
TODAY_MEASURED = {"admin-whole-clinic": 4, "clinician-own": 3, "admin-one-clinician": 5}
# The user, the patient count, and each panel: the admin's audit check, job counts (3) and today's
# sessions (2); a clinician's own patients, safety alerts, today's sessions (2), the clinical
# thresholds, dosing today and unsigned records (4 kinds).
DASHBOARD_MEASURED = {"admin": 8, "prescriber": 12, "nurse": 12, "therapist": 12}
# The user, session types, additional staff names, the week's rows, the audit event.
EVENTS_MEASURED = 5
# The user, the page count, the page's rows, their additional staff, the audit event.
API_MEASURED = 5

# Today: (kind, lead, additional staff, patient index); patient None is the outsider's patient.
DAY_PLAN = [
    ("consultation", "prescriber", [], 0),
    ("preparation", "therapist", [], 1),
    ("dosing", "prescriber", ["nurse", "therapist"], 0),
    ("integration", "therapist", ["prescriber"], 2),
    ("follow_up", "nurse", [], 3),
    ("consultation", "outsider", [], None),
    ("dosing", "prescriber", ["nurse"], 4),
    ("consultation", "nurse", ["prescriber"], 1),
    ("preparation", "therapist", [], 3),  # cancelled
    ("follow_up", "prescriber", [], 2),
]
CANCELLED_TODAY = 8


@pytest.fixture
def wednesday(time_machine) -> dt.datetime:
    now = at(TODAY, 7, 30)
    time_machine.move_to(now, tick=False)
    return now


@dataclass
class World:
    personas: Any
    clinic: Clinic
    team_patients: list[Patient]

    def staff(self, name: str) -> User:
        return getattr(self.personas, name)

    def patient(self, index: int | None) -> Patient:
        return self.personas.other_patient if index is None else self.team_patients[index]

    def room(self, kind: str, n: int) -> Room:
        if kind == "dosing":
            return (self.clinic.dosing_room, self.clinic.dosing_room_2)[n % 2]
        return self.clinic.consult_room


@pytest.fixture
def world(personas, clinic, wednesday) -> World:
    """The day: ten sessions from 08:00, one an hour, as in DAY_PLAN."""
    team = list(Patient.objects.exclude(pk=personas.other_patient.pk).order_by("pk")[:5])
    w = World(personas, clinic, team)
    for n, (kind, lead, extra, patient) in enumerate(DAY_PLAN):
        session = SessionFactory(
            patient=w.patient(patient),
            kind=kind,
            lead_clinician=w.staff(lead),
            room=w.room(kind, n),
            starts_at=at(TODAY, 8 + n),
            ends_at=at(TODAY, 8 + n, 50),
            created_by=personas.admin,
        )
        session.additional_staff.set([w.staff(name) for name in extra])
        if n == CANCELLED_TODAY:
            session.status = Session.Status.CANCELLED
            session.cancelled_at, session.cancelled_by = at(TODAY, 7), personas.admin
            session.cancellation_reason = "Patient unwell"
            session.save()
    first_dosing = Session.objects.filter(kind="dosing", starts_at__gte=at(TODAY, 0)).order_by("starts_at").first()
    DosingRecordFactory(session=first_dosing, responsible_clinician=personas.prescriber, opened_by=personas.nurse)
    return w


def fill_other_days(w: World, *, skip: tuple[dt.date, dt.date]) -> None:
    """Bulk-insert OTHER_DAY_SESSIONS sessions on the days around today outside ``[skip[0], skip[1])``.

    Days run from 300 before to 300 after today, so yesterday and tomorrow are full too, and starts
    run to 21:00 so the evening before sits within MAX_SESSION_MINUTES of the day's start.
    """
    days = [TODAY + dt.timedelta(days=d) for d in range(-300, 300)]
    days = [day for day in days if not skip[0] <= day < skip[1]]
    leads = itertools.cycle(["prescriber", "nurse", "therapist", "outsider"])
    kinds = itertools.cycle(["consultation", "preparation", "dosing", "integration", "follow_up"])
    sessions = []
    for n in range(OTHER_DAY_SESSIONS):
        lead, kind, start = next(leads), next(kinds), at(days[n * 7 % len(days)], 8 + n % 14)
        session = SessionFactory.build(
            patient=w.patient(None if lead == "outsider" else n % len(w.team_patients)),
            kind=kind,
            lead_clinician=w.staff(lead),
            room=w.room(kind, n),
            starts_at=start,
            created_by=w.personas.admin,
        )
        if n % 10 == 0:
            session.status = Session.Status.CANCELLED
            session.cancelled_at, session.cancelled_by, session.cancellation_reason = start, w.personas.admin, "x"
        sessions.append(session)
    created = Session.objects.bulk_create(sessions)
    through = Session.additional_staff.through
    helpers = itertools.cycle([w.personas.prescriber, w.personas.nurse, w.personas.therapist])
    through.objects.bulk_create([through(session_id=s.pk, user_id=next(helpers).pk) for s in created[::3]])
    assert Session.objects.count() == OTHER_DAY_SESSIONS + len(DAY_PLAN)


@dataclass
class Measure:
    queries: int
    session_sql: list[str]
    shown: set[str]


def measure(client, url: str, params: dict | None = None) -> Measure:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params or {})
    assert response.status_code == 200, response.content[:500]
    body = response.content.decode()
    shown = {str(pid) for pid in Session.objects.values_list("public_id", flat=True) if str(pid) in body}
    sql = [q["sql"] for q in ctx.captured_queries if "sessions_app_session" in q["sql"]]
    return Measure(len(ctx.captured_queries), sql, shown)


def assert_independent_of_other_days(
    w: World, client, url: str, params: dict | None = None, *, budget: int, skip: tuple[dt.date, dt.date]
) -> Measure:
    """Measure ``url``, fill the other days, measure again; the two must match (see the module doc)."""
    client.get(url, params or {})  # warm the per-process caches
    before = measure(client, url, params)
    fill_other_days(w, skip=skip)
    after = measure(client, url, params)
    assert after.queries == before.queries, "\n\n".join(after.session_sql)
    assert before.queries <= budget, f"{before.queries} queries, budget {budget}"
    assert after.shown == before.shown
    assert after.session_sql == before.session_sql, "a statement on sessions changed with the table's size"
    return before


def ids_today(
    w: World, *, who: str | None = None, kind: str | None = None, cancelled: bool = True, team_only: bool = False
) -> set[str]:
    """Public ids of today's sessions: those ``who`` leads or assists, of ``kind``, without the
    cancelled one, or only those of the care team's patients (what a team clinician may see)."""
    qs = Session.objects.filter(starts_at__gte=at(TODAY, 0), starts_at__lt=at(TODAY + dt.timedelta(days=1), 0))
    if who is not None:
        user = w.staff(who)
        qs = qs.filter(Q(lead_clinician=user) | Q(additional_staff=user)).distinct()
    if kind is not None:
        qs = qs.filter(kind=kind)
    if not cancelled:
        qs = qs.exclude(status=Session.Status.CANCELLED)
    if team_only:
        qs = qs.filter(patient__in=w.team_patients)
    return {str(pid) for pid in qs.values_list("public_id", flat=True)}


TODAY_PAGES = {  # case: (viewer, ?clinician=)
    "admin-whole-clinic": ("admin", None),
    "clinician-own": ("prescriber", None),
    "admin-one-clinician": ("admin", "nurse"),
}


@pytest.mark.parametrize("case", TODAY_PAGES, ids=list(TODAY_PAGES))
def test_todays_schedule_costs_the_same_however_many_sessions_other_days_hold(world, client_for, case) -> None:
    viewer, filtered = TODAY_PAGES[case]
    params = {"clinician": str(world.staff(filtered).public_id)} if filtered else None
    client = client_for(world.staff(viewer))
    seen = assert_independent_of_other_days(
        world, client, reverse("sessions_app:today"), params, budget=TODAY_MEASURED[case] + HEADROOM, skip=DAY
    )
    own = filtered or (viewer if viewer != "admin" else None)
    assert seen.shown == ids_today(world, who=own)


@pytest.mark.parametrize("viewer", ["admin", "prescriber", "nurse", "therapist"])
def test_the_dashboard_costs_the_same_however_many_sessions_other_days_hold(world, client_for, viewer) -> None:
    client = client_for(world.staff(viewer))
    seen = assert_independent_of_other_days(
        world, client, reverse("dashboard"), budget=DASHBOARD_MEASURED[viewer] + HEADROOM, skip=DAY
    )
    # Today's panel: the whole clinic for the admin, the clinician's own otherwise (cancelled hidden);
    # the clinical panel adds the dosing sessions of the clinician's patients.
    if viewer == "admin":
        assert seen.shown == ids_today(world, cancelled=False)
    else:
        own = ids_today(world, who=viewer, cancelled=False)
        assert seen.shown == own | ids_today(world, kind="dosing", team_only=True)


@pytest.mark.parametrize("viewer", ["admin", "prescriber"])
def test_the_week_event_feed_costs_the_same_however_many_sessions_other_weeks_hold(world, client_for, viewer) -> None:
    params = {"start": f"{WEEK[0]}T00:00:00", "end": f"{WEEK[1]}T00:00:00"}
    client = client_for(world.staff(viewer))
    seen = assert_independent_of_other_days(
        world, client, reverse("sessions_app:calendar_events"), params, budget=EVENTS_MEASURED + HEADROOM, skip=WEEK
    )
    assert seen.shown == ids_today(world, cancelled=False, team_only=viewer != "admin")  # the week is today


@pytest.mark.parametrize("viewer", ["admin", "prescriber"])
def test_the_api_date_range_costs_the_same_however_many_sessions_other_days_hold(world, api_for, viewer) -> None:
    params = {"start": TODAY.isoformat(), "end": TODAY.isoformat()}
    client = api_for(world.staff(viewer))
    seen = assert_independent_of_other_days(
        world, client, reverse("api:sessions"), params, budget=API_MEASURED + HEADROOM, skip=DAY
    )
    assert seen.shown == ids_today(world, team_only=viewer != "admin")


# An overlap search on sessions: "<table or subquery alias>"."ends_at" > <range start>.
OVERLAP = re.compile(r'("sessions_app_session"|U\d+)\."ends_at" > ')
START_AFTER = r'\."starts_at" > \'([-0-9:. T+]+)\''


@pytest.mark.parametrize(
    "url_name, params",
    [
        ("sessions_app:today", {}),
        ("dashboard", {}),
        ("sessions_app:calendar_events", {"start": f"{TODAY}T00:00:00", "end": f"{TODAY}T23:00:00"}),
        ("api:sessions", {"start": TODAY.isoformat(), "end": TODAY.isoformat()}),
    ],
    ids=["today", "dashboard", "events", "api"],
)
def test_the_range_search_bounds_the_session_start_from_below(world, client_for, api_for, url_name, params) -> None:
    """A session overlaps the day only if it starts after the day's start minus the longest session,
    so every overlap search must say so: without that bound no start-time index can serve it."""
    client = api_for(world.personas.admin) if url_name.startswith("api:") else client_for(world.personas.admin)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(reverse(url_name), params).status_code == 200
    lower = at(TODAY, 0) - dt.timedelta(minutes=MAX_SESSION_MINUTES)
    searches = [(q["sql"], m.group(1)) for q in ctx.captured_queries for m in OVERLAP.finditer(q["sql"])]
    assert searches, "no overlap search on sessions was captured"
    for sql, table in searches:
        bound = re.search(re.escape(table) + START_AFTER, sql)
        assert bound, sql
        assert sql_instant(bound.group(1)) == lower, sql


def sql_instant(literal: str) -> dt.datetime:
    """A timestamp as the captured SQL spells it: naive UTC on SQLite, with its offset on PostgreSQL."""
    value = dt.datetime.fromisoformat(literal)
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
