"""Bench: the week calendar (FullCalendar's JSON feed) for a clinic with 20 staff and 2,000 sessions a week.

    .venv/bin/python bench/bench_calendar.py                 # SQLite file in /tmp (throwaway)
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/kap_bench .venv/bin/python bench/bench_calendar.py

A throwaway database is created for the run and dropped at the end (Django's test-database
machinery: ``test_<name>`` on PostgreSQL, a file in /tmp on SQLite). Four weeks around the
measured week are filled (so range filters have rows to skip); sessions and their resource
bookings are bulk-inserted without overlaps, as the scheduling service would have left them.
Requests go through the whole stack in-process (test Client: middleware, auth, audit write,
JSON rendering); the server time of each request is measured. Prints median, 95th percentile
and query count per request; ``--json FILE`` also writes them.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kap_clinic.settings.test")
SQLITE_FILE = "/tmp/kap-bench-calendar.sqlite3"  # noqa: S108 - a throwaway bench database
SLOT_STARTS = [dt.time(h, m) for h in range(7, 19) for m in (0, 30)][:-1]  # 07:00 … 18:00 starts


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--staff", type=int, default=20)
    parser.add_argument("--sessions-per-week", type=int, default=2000)
    parser.add_argument("--weeks", type=int, default=4, help="weeks filled around the measured one")
    parser.add_argument("--iterations", type=int, default=50, help="timed requests per page")
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--json", help="also write the figures to this file")
    return parser.parse_args()


def seed(args: argparse.Namespace, monday: dt.date) -> dict:
    """Bulk-load staff, rooms, patients, sessions and bookings; returns what the measurements need."""
    from django.db import transaction

    from kap_clinic.accounts.demo import seed_users
    from kap_clinic.accounts.models import User
    from kap_clinic.common import clock
    from patients.models import CareTeamMembership, Patient
    from sessions_app.scheduling.models import Location, Room, Session, SessionResourceBooking, WorkingHours
    from sessions_app.scheduling.services.clinic import session_types

    rng = random.Random(args.seed)
    users = seed_users()
    session_types()
    disciplines = ["prescriber", "nurse", "therapist"]
    with transaction.atomic():
        staff = User.objects.bulk_create(
            User(
                email=f"staff{i}@bench.clinic",
                full_name=f"Staff Member {i:02d}",
                role="clinician",
                discipline=disciplines[i % 3],
            )
            for i in range(args.staff)
        )
        WorkingHours.objects.bulk_create(
            WorkingHours(clinician=s, weekday=d, start_time=dt.time(7), end_time=dt.time(19))
            for s in staff
            for d in range(7)
        )
        location = Location.objects.create(name="Bench clinic")
        room_count = max(10, args.sessions_per_week // (7 * len(SLOT_STARTS)) + 2)
        rooms = Room.objects.bulk_create(
            Room(location=location, name=f"Room {i:02d}", dosing_equipped=i % 3 == 0) for i in range(room_count)
        )
        patients = Patient.objects.bulk_create(
            Patient(
                legal_first_name=f"Pat{i}",
                legal_last_name="Bench",
                date_of_birth=dt.date(1980, 1, 1) + dt.timedelta(days=i),
                mrn=f"CAL-{i:08d}",
            )
            for i in range(args.sessions_per_week // 4)
        )
        CareTeamMembership.objects.bulk_create(
            CareTeamMembership(patient=p, clinician=staff[i % len(staff)], is_lead=True) for i, p in enumerate(patients)
        )
        # Slots are 30-minute sessions; each (day, slot) hosts one session per room at most, each
        # with a different clinician and patient, so the data obeys the no-double-booking rule.
        kinds = ["consultation", "preparation", "dosing", "integration", "follow_up"]
        sessions, keys = [], []
        first_week = monday - dt.timedelta(weeks=args.weeks // 2)
        for week in range(args.weeks):
            for n in range(args.sessions_per_week):
                day = first_week + dt.timedelta(weeks=week, days=n % 7)
                slot_index = (n // 7) % len(SLOT_STARTS)
                parallel = n // (7 * len(SLOT_STARTS))
                start = clock.combine(day, SLOT_STARTS[slot_index])
                clinician = staff[(slot_index + parallel) % len(staff)]
                patient = patients[(n * 7 + parallel) % len(patients)]
                room = rooms[parallel % len(rooms)]
                sessions.append(
                    Session(
                        patient=patient,
                        kind=kinds[n % len(kinds)],
                        lead_clinician=clinician,
                        room=room,
                        starts_at=start,
                        ends_at=start + dt.timedelta(minutes=30),
                        status=rng.choice(["scheduled", "confirmed", "scheduled"]),
                        created_by=users["admin"],
                    )
                )
                keys.append((clinician.pk, room.pk, patient.pk))
        created = Session.objects.bulk_create(sessions, batch_size=2000)
        through = Session.additional_staff.through
        through.objects.bulk_create(
            (
                through(session_id=s.pk, user_id=staff[(i + 7) % len(staff)].pk)
                for i, s in enumerate(created)
                if i % 5 == 0
            ),
            batch_size=5000,
        )
        SessionResourceBooking.objects.bulk_create(
            (
                SessionResourceBooking(
                    session_id=s.pk, resource_kind=kind, resource_id=key, starts_at=s.starts_at, ends_at=s.ends_at
                )
                for s, (c, r, p) in zip(created, keys, strict=True)
                for kind, key in (("clinician", c), ("room", r), ("patient", p))
            ),
            batch_size=5000,
        )
    return {
        "admin": users["admin"],
        "staff": staff,
        "rooms": rooms,
        "sessions": len(created),
        "busy_clinician": staff[0],
    }


def main() -> int:
    args = parse_args()
    import django
    from django.conf import settings

    django.setup()
    from django.db import connection

    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("sqlite3"):
        db.setdefault("TEST", {})["NAME"] = SQLITE_FILE
    started = time.perf_counter()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        from kap_clinic.common import clock

        today = clock.local_today()
        monday = today - dt.timedelta(days=today.weekday()) + dt.timedelta(weeks=1)
        print(f"database: {connection.vendor} ({connection.settings_dict['NAME']})")
        t0 = time.perf_counter()
        info = seed(args, monday)
        print(
            f"seeded {args.staff} staff, {len(info['rooms'])} rooms, {info['sessions']:,} sessions "
            f"({args.sessions_per_week:,} a week over {args.weeks} weeks) in {time.perf_counter() - t0:.1f}s"
        )
        figures = measure(info, args, monday)
        vendor = connection.vendor
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0, keepdb=False)
    report(figures, args, vendor)
    print(f"total {time.perf_counter() - started:.0f}s")
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2))
    return 0


def measure(info: dict, args: argparse.Namespace, monday: dt.date) -> dict[str, dict[str, float]]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    admin = Client()
    admin.force_login(info["admin"])
    week = {"start": f"{monday.isoformat()}T00:00:00", "end": f"{(monday + dt.timedelta(days=7)).isoformat()}T00:00:00"}
    day = {"start": f"{monday.isoformat()}T00:00:00", "end": f"{(monday + dt.timedelta(days=1)).isoformat()}T00:00:00"}
    busy = str(info["busy_clinician"].public_id)
    pages = {
        "week JSON, whole clinic (admin)": ("/sessions/events/", week, args.sessions_per_week),
        "week JSON, one clinician": ("/sessions/events/", {**week, "clinician": busy}, None),
        "week JSON, one room": ("/sessions/events/", {**week, "room": str(info["rooms"][0].public_id)}, None),
        "day JSON, whole clinic": ("/sessions/events/", day, None),
        "today page, one clinician": ("/sessions/today/", {"clinician": busy, "date": monday.isoformat()}, None),
        "API list, week, page of 200": (
            "/api/v1/sessions/",
            {"start": monday.isoformat(), "end": (monday + dt.timedelta(days=6)).isoformat(), "page_size": "200"},
            None,
        ),
        "API availability, busy clinician": (
            "/api/v1/availability/",
            {"clinician": busy, "date": monday.isoformat(), "kind": "consultation"},
            None,
        ),
    }
    figures: dict[str, dict[str, float]] = {}
    for name, (url, params, expected) in pages.items():
        for _ in range(args.warmup):
            check(admin.get(url, params), name, url, expected)
        connection.queries_log.clear()  # each request clears the log when it starts (reset_queries)
        with CaptureQueriesContext(connection) as ctx:
            admin.get(url, params)
        queries = len(ctx)  # now: later requests clear the connection's query log
        times, cpu = [], []
        for _ in range(args.iterations):
            t0, c0 = time.perf_counter(), time.process_time()
            response = admin.get(url, params)
            times.append((time.perf_counter() - t0) * 1000)
            cpu.append((time.process_time() - c0) * 1000)
            check(response, name, url, None)
        times.sort()
        cpu.sort()
        figures[name] = {
            "median_ms": round(statistics.median(times), 1),
            "p95_ms": round(times[int(0.95 * (len(times) - 1))], 1),
            "max_ms": round(times[-1], 1),
            # CPU time of this process: moves less than wall time when other work shares the machine
            # (on PostgreSQL it leaves out the database server's own time).
            "cpu_median_ms": round(statistics.median(cpu), 1),
            "cpu_p95_ms": round(cpu[int(0.95 * (len(cpu) - 1))], 1),
            "queries": queries,
            "iterations": len(times),
        }
        print(f"  measured {name}")
    return figures


def check(response, name: str, url: str, expected: int | None) -> None:
    if response.status_code != 200:
        raise RuntimeError(f"{name}: GET {url} answered {response.status_code}")
    if expected is not None and len(response.json()) != expected:
        raise RuntimeError(f"{name}: expected {expected} events, got {len(response.json())}")


def report(figures: dict, args: argparse.Namespace, vendor: str) -> None:
    print()
    print(f"{args.staff} staff, {args.sessions_per_week:,} sessions/week, {args.iterations} timed requests, {vendor}")
    print(f"{'request':<36} {'median ms':>10} {'p95 ms':>8} {'max ms':>8} {'CPU med':>8} {'CPU p95':>8} {'queries':>8}")
    for name, f in figures.items():
        print(
            f"{name:<36} {f['median_ms']:>10} {f['p95_ms']:>8} {f['max_ms']:>8} "
            f"{f['cpu_median_ms']:>8} {f['cpu_p95_ms']:>8} {f['queries']:>8}"
        )


if __name__ == "__main__":
    sys.exit(main())
