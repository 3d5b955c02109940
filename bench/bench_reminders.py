"""Bench: the minute sweep's due-reminder selection among 1,000,000 reminder rows (PostgreSQL).

    .venv/bin/python bench/bench_reminders.py
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/kap_bench .venv/bin/python bench/bench_reminders.py --rows 1000000

A throwaway database ``test_<name>_reminders`` is created next to the one DATABASE_URL names
(default postgres://postgres@127.0.0.1:5432/kap_bench, so ``test_kap_bench_reminders``) and dropped
at the end. Sessions and reminders are inserted with ``INSERT … SELECT generate_series`` (seconds,
not minutes): four reminders per session (48 h and 2 h, email and SMS) over three years of history,
so most rows are sent, skipped or cancelled, a few thousand are pending in the future, and ``--due``
are due now. Then it runs the sweep's own query (``sessions_app.reminders.services.delivery.due_reminders``), prints
EXPLAIN (ANALYZE, BUFFERS), and times it; it also times a whole sweep of the due rows (claim,
render, hand to in-memory channels, mark sent). Exits 1 when the selection's median is 100 ms or
more or the plan does not use the ``reminder_due`` index.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kap_clinic.settings.test")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/kap_bench")
LIMIT_MS = 100.0


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="reminder rows (4 per session)")
    parser.add_argument("--due", type=int, default=500, help="of which pending and due now")
    parser.add_argument("--future", type=int, default=20_000, help="of which pending, due later")
    parser.add_argument("--iterations", type=int, default=50)
    parser.add_argument("--json", help="also write the figures to this file")
    return parser.parse_args()


def seed(args: argparse.Namespace) -> dict:
    """Bulk-load users, patients, sessions and reminders with SQL; returns ids the bench needs."""
    from django.db import connection, transaction

    from kap_clinic.accounts.demo import seed_users
    from patients.models import Patient
    from sessions_app.reminders.models import Reminder
    from sessions_app.scheduling.models import Session
    from sessions_app.scheduling.services.clinic import session_types

    users = seed_users()
    session_types()
    sessions = args.rows // 4
    with transaction.atomic():
        Patient.objects.bulk_create(
            Patient(
                legal_first_name=f"Bench{i}",
                legal_last_name="Patient",
                date_of_birth="1980-01-01",
                email=f"bench{i}@example.com",
                mobile="+15555550100",
                reminder_sms_opt_in=True,
            )
            for i in range(1000)
        )
        first_patient = Patient.objects.order_by("id").values_list("id", flat=True).first()
        # The table names are written out (constants), checked against the models here.
        if (Session._meta.db_table, Reminder._meta.db_table) != ("sessions_app_session", "sessions_app_reminder"):
            raise RuntimeError("table names changed: update the SQL below")
        lead, creator = users["prescriber"].pk, users["admin"].pk
        with connection.cursor() as cursor:
            # Sessions every ~6 minutes from three years ago to two months ahead of now.
            cursor.execute(
                """
                INSERT INTO sessions_app_session (public_id, created_at, updated_at, patient_id, kind,
                    lead_clinician_id, starts_at, ends_at, status, late_cancel, cancellation_reason,
                    hours_override_reason, created_by_id)
                SELECT md5(n::text || 'session')::uuid, now(), now(), %s + (n %% 1000), 'consultation', %s,
                    now() - interval '3 years' + n * ((interval '3 years' + interval '60 days') / %s),
                    now() - interval '3 years' + n * ((interval '3 years' + interval '60 days') / %s)
                        + interval '1 hour',
                    'completed', false, '', '', %s
                FROM generate_series(1, %s) AS n
                """,
                [first_patient, lead, sessions, sessions, creator, sessions],
            )
            # Four reminders per session; past ones sent (a few skipped or failed), future ones pending.
            cursor.execute(
                """
                INSERT INTO sessions_app_reminder (public_id, created_at, updated_at, patient_id, session_id,
                    kind, channel, offset_minutes, planned_for, due_at, next_attempt_at, status, status_reason,
                    attempts, sent_at, provider_message_id, last_error)
                SELECT md5(s.id::text || o.minutes::text || c.channel)::uuid, now(), now(), s.patient_id, s.id,
                    'appointment', c.channel, o.minutes, s.starts_at,
                    s.starts_at - o.minutes * interval '1 minute', s.starts_at - o.minutes * interval '1 minute',
                    CASE WHEN s.starts_at - o.minutes * interval '1 minute' > now() THEN 'pending'
                         WHEN s.id %% 50 = 0 THEN 'skipped' WHEN s.id %% 997 = 0 THEN 'failed' ELSE 'sent' END,
                    '', 1,
                    CASE WHEN s.starts_at - o.minutes * interval '1 minute' > now() OR s.id %% 50 = 0
                              OR s.id %% 997 = 0 THEN NULL
                         ELSE s.starts_at - o.minutes * interval '1 minute' END,
                    '', ''
                FROM sessions_app_session s
                CROSS JOIN (VALUES (2880), (120)) AS o(minutes)
                CROSS JOIN (VALUES ('email'), ('sms')) AS c(channel)
                """,
                [],  # with parameters (even none) the driver reads %% as a literal %
            )
            # The rows the sweep must find: pending and due in the last few minutes (a backlog).
            cursor.execute(
                """
                UPDATE sessions_app_reminder SET next_attempt_at = now() - (id %% 300) * interval '1 second'
                WHERE id IN (SELECT id FROM sessions_app_reminder WHERE status = 'pending' ORDER BY id LIMIT %s)
                """,
                [args.due],
            )
            cursor.execute("UPDATE sessions_app_session SET status = 'scheduled' WHERE starts_at > now()")
            cursor.execute("ANALYZE sessions_app_session")
            cursor.execute("ANALYZE sessions_app_reminder")
            cursor.execute("SELECT status, count(*) FROM sessions_app_reminder GROUP BY status ORDER BY status")
            counts = dict(cursor.fetchall())
    return {"counts": counts, "sessions": sessions}


def explain(sql: str, params: tuple) -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


def measure(args: argparse.Namespace) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext, override_settings
    from django.utils import timezone

    from sessions_app.reminders.models import Reminder
    from sessions_app.reminders.services import delivery, planning

    now = timezone.now()
    qs = delivery.due_reminders(now=now, limit=200).values_list("pk", flat=True)
    sql, params = qs.query.sql_with_params()
    plan = explain(sql, params)
    times = []
    for _ in range(args.iterations):
        t0 = time.perf_counter()
        found = list(delivery.due_reminders(now=now, limit=200).values_list("pk", flat=True))
        times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    # The sweep's other per-minute query: upcoming sessions missing a channel the patient chose.
    missing = planning.sessions_missing_a_channel(now=now).values_list("pk", flat=True)
    missing_plan = explain(*missing.query.sql_with_params())
    missing_times = []
    for _ in range(max(args.iterations // 5, 3)):
        t0 = time.perf_counter()
        planned = planning.reminders_plan_new_channels(now=now)
        missing_times.append((time.perf_counter() - t0) * 1000)
    missing_times.sort()
    # A whole sweep of the backlog: claim, check, render, send (in-memory channels), mark sent.
    with (
        override_settings(
            SMS_BACKEND="sessions_app.reminders.messaging.sms.LocmemSmsBackend",
            EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        ),
        CaptureQueriesContext(connection) as ctx,
    ):
        t0 = time.perf_counter()
        outcome = delivery.reminders_send_due(now=now, limit=args.due)
        sweep_s = time.perf_counter() - t0
    return {
        "rows": Reminder.objects.count(),
        "found": len(found),
        "select_median_ms": round(statistics.median(times), 2),
        "select_p95_ms": round(times[int(0.95 * (len(times) - 1))], 2),
        "select_max_ms": round(times[-1], 2),
        "index_used": "reminder_due" in plan,
        "plan": plan,
        "sql": sql % tuple(repr(str(p)) for p in params),
        "new_channels_median_ms": round(statistics.median(missing_times), 2),
        "new_channels_max_ms": round(missing_times[-1], 2),
        "new_channels_planned": planned,
        "new_channels_plan": missing_plan,
        "sweep": outcome,
        "sweep_seconds": round(sweep_s, 2),
        "sweep_queries_per_reminder": round(len(ctx) / max(sum(outcome.values()), 1), 1),
    }


def main() -> int:
    args = parse_args()
    import django
    from django.conf import settings

    django.setup()
    from django.db import connection

    db = settings.DATABASES["default"]
    if not db["ENGINE"].endswith("postgresql"):
        print("bench_reminders needs PostgreSQL: set DATABASE_URL=postgres://…")
        return 2
    # test_<name>_reminders next to the database named (test_kap_bench_reminders by default), so
    # benches pointed at different databases never drop each other's.
    db.setdefault("TEST", {})["NAME"] = f"test_{db['NAME']}_reminders"
    started = time.perf_counter()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        t0 = time.perf_counter()
        info = seed(args)
        print(f"database: {connection.vendor} ({connection.settings_dict['NAME']})")
        print(
            f"seeded {info['sessions']:,} sessions and {sum(info['counts'].values()):,} reminders "
            f"in {time.perf_counter() - t0:.1f}s: {info['counts']}"
        )
        figures = measure(args)
        with connection.cursor() as cursor:
            cursor.execute("SELECT version()")
            figures["server"] = cursor.fetchone()[0].split(",")[0]
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0, keepdb=False)
    print()
    print(f"due-reminder selection ({figures['rows']:,} rows, {figures['found']} found, {args.iterations} runs):")
    print(
        f"  median {figures['select_median_ms']} ms · p95 {figures['select_p95_ms']} ms · "
        f"max {figures['select_max_ms']} ms · index reminder_due used: {figures['index_used']}"
    )
    print(f"  query: {figures['sql']}")
    print()
    print("EXPLAIN (ANALYZE, BUFFERS):")
    print(figures["plan"])
    print()
    print(
        f"sessions missing a chosen channel (upcoming sessions, every minute): median "
        f"{figures['new_channels_median_ms']} ms · max {figures['new_channels_max_ms']} ms · "
        f"{figures['new_channels_planned']} re-planned"
    )
    print(figures["new_channels_plan"])
    print()
    print(
        f"whole sweep of the backlog: {figures['sweep']} in {figures['sweep_seconds']} s "
        f"({figures['sweep_queries_per_reminder']} queries per reminder)"
    )
    print(f"server: {figures['server']} · total {time.perf_counter() - started:.0f}s")
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2))
    ok = figures["select_median_ms"] < LIMIT_MS and figures["index_used"]
    print("OK" if ok else f"FAILED: the selection must take under {LIMIT_MS:.0f} ms using the reminder_due index")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
