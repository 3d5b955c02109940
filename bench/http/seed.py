"""Seed a named PostgreSQL database to a third-year clinic's size, once; later runs reuse it.

10,000 patients with histories (``bench/seed_patients.py``), 30 clinicians (the demo prescriber,
nurse and therapist among them), 18 rooms and about 250,000 sessions: one per room and hour from
07:00 to 18:00 on every day from three years ago to three months ahead, so no clinician, room or
patient is double-booked. Past sessions are completed (a few no-shows and cancellations), today's
are a mix of states, future ones scheduled or confirmed. Every past dosing session has a signed
dosing record, one administration and about 54 vitals readings (about 2.5 million rows).

The big tables are written with COPY; rows bypass the services (this is load for measuring reads,
not clinical data entry). A marker table records the seed so the next run skips it. Run through
``bench/http/run.py`` (``make bench-http``), which sets the database and settings.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import random
import sys
import time
import uuid
from collections.abc import Iterable, Sequence
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone

MARKER = "bench_http_seed"
VERSION = "1"
ROOMS = 18
HOURS = range(7, 19)
STAFF = 30
PAST_DAYS = 1065
FUTURE_DAYS = 92
VITALS_PER_DOSING = 54


def seeded() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE IF NOT EXISTS {MARKER} (version text PRIMARY KEY, info jsonb, at timestamptz)")
        cursor.execute(f"SELECT 1 FROM {MARKER} WHERE version = %s", [VERSION])  # noqa: S608 - constant
        return cursor.fetchone() is not None


def _text(value: object) -> str:
    if value is None:
        return r"\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, dict | list):
        value = json.dumps(value)
    elif isinstance(value, dt.datetime | dt.date):
        value = value.isoformat()
    return str(value).replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")


def copy_rows(table: str, columns: Sequence[str], rows: Iterable[Sequence[object]], chunk: int = 200_000) -> int:
    """COPY rows into a table in chunks; returns how many were written."""
    written = 0
    buffer = io.StringIO()
    pending = 0
    cols = ", ".join(columns)

    def flush() -> None:
        buffer.seek(0)
        with connection.cursor() as cursor:
            cursor.cursor.copy_expert(f"COPY {table} ({cols}) FROM STDIN", buffer)  # psycopg2's own cursor
        buffer.seek(0)
        buffer.truncate()

    for row in rows:
        buffer.write("\t".join(_text(v) for v in row))
        buffer.write("\n")
        pending += 1
        written += 1
        if pending >= chunk:
            flush()
            pending = 0
    if pending:
        flush()
    return written


def _staff(users: dict) -> list:
    from kap_clinic.accounts.models import User
    from sessions_app.scheduling.models import WorkingHours

    disciplines = ["prescriber", "nurse", "therapist"]
    extra = User.objects.bulk_create(
        User(
            email=f"staff{i}@bench.clinic",
            full_name=f"Bench Clinician {i:02d}",
            role="clinician",
            discipline=disciplines[i % 3],
        )
        for i in range(STAFF - 3)
    )
    staff = [users["prescriber"], users["nurse"], users["therapist"], *extra]
    WorkingHours.objects.bulk_create(
        WorkingHours(clinician=s, weekday=d, start_time=dt.time(7), end_time=dt.time(19))
        for s in extra
        for d in range(7)
    )
    return staff


def _status(day_offset: int, rng: random.Random, hour: int, now_hour: int) -> str:
    if day_offset < 0 or (day_offset == 0 and hour < now_hour - 1):
        roll = rng.random()
        return "completed" if roll < 0.92 else ("no_show" if roll < 0.96 else "cancelled")
    if day_offset == 0 and hour <= now_hour:
        return "in_progress" if hour == now_hour else "checked_in"
    return "confirmed" if rng.random() < 0.5 else "scheduled"


def _sessions(staff: list, rooms: list, patient_ids: list[int], admin_id: int, rng: random.Random) -> list[tuple]:
    """Write sessions and their bookings; returns (session id, kind, status, start, patient, clinician)."""
    from kap_clinic.common import clock

    today = clock.local_today()
    now_hour = clock.clinic_localtime().hour
    kinds = ["dosing", "dosing", "preparation", "integration", "integration", "follow_up", "consultation"]
    now = timezone.now()
    rows, meta = [], []
    serial = 0
    # The demo clinic already books the demo personas: leave their booked hours free.
    from sessions_app.scheduling.models import SessionResourceBooking

    busy: dict[int, list[tuple]] = {}
    for resource_id, b_start, b_end in SessionResourceBooking.objects.filter(
        resource_kind="clinician", active=True, resource_id__in=[s.pk for s in staff]
    ).values_list("resource_id", "starts_at", "ends_at"):
        busy.setdefault(resource_id, []).append((b_start, b_end))
    for day_offset in range(-PAST_DAYS, FUTURE_DAYS):
        day = today + dt.timedelta(days=day_offset)
        for hour in HOURS:
            start = clock.combine(day, dt.time(hour))
            for r, room in enumerate(rooms):
                clinician = staff[(r + day_offset * 7 + hour) % len(staff)]
                patient = patient_ids[(serial * 7919) % len(patient_ids)]
                serial += 1
                kind = kinds[rng.randrange(len(kinds))]
                status = _status(day_offset, rng, hour, now_hour)
                ends = start + dt.timedelta(minutes=55)
                if any(b_start < ends and start < b_end for b_start, b_end in busy.get(clinician.pk, ())):
                    continue
                cancelled = status == "cancelled"
                rows.append(
                    (
                        uuid.uuid4(),
                        now,
                        now,
                        patient,
                        kind,
                        clinician.pk,
                        room.pk,
                        start,
                        ends,
                        status,
                        start if status != "scheduled" else None,
                        start - dt.timedelta(hours=20) if cancelled else None,
                        admin_id if cancelled else None,
                        "Patient unwell" if cancelled else "",
                        False,
                        "",
                        admin_id,
                    )
                )
                meta.append((kind, status, start, ends, patient, clinician.pk, room.pk))
    columns = [
        "public_id",
        "created_at",
        "updated_at",
        "patient_id",
        "kind",
        "lead_clinician_id",
        "room_id",
        "starts_at",
        "ends_at",
        "status",
        "status_changed_at",
        "cancelled_at",
        "cancelled_by_id",
        "cancellation_reason",
        "late_cancel",
        "hours_override_reason",
        "created_by_id",
    ]
    copy_rows("sessions_app_session", columns, rows)
    with connection.cursor() as cursor:
        cursor.execute("SELECT id FROM sessions_app_session WHERE created_at = %s ORDER BY id", [now])
        ids = [r[0] for r in cursor.fetchall()]
    if len(ids) != len(meta):
        raise RuntimeError(f"wrote {len(meta)} sessions but found {len(ids)}")
    bookings = (
        (sid, kind_, key, start, ends, status != "cancelled")
        for sid, (_k, status, start, ends, patient, clinician, room) in zip(ids, meta, strict=True)
        for kind_, key in (("clinician", clinician), ("room", room), ("patient", patient))
    )
    copy_rows(
        "sessions_app_sessionresourcebooking",
        ["session_id", "resource_kind", "resource_id", "starts_at", "ends_at", "active"],
        bookings,
    )
    return [(sid, *m) for sid, m in zip(ids, meta, strict=True)]


def _dosing(sessions: list[tuple], lot_id: int, weights: dict[int, Decimal], rng: random.Random) -> tuple[int, int]:
    """Signed dosing records, one administration and ~54 vitals for every completed dosing session."""
    done = [s for s in sessions if s[1] == "dosing" and s[2] == "completed"]
    copy_rows(
        "sessions_app_dosingrecord",
        [
            "public_id",
            "created_at",
            "updated_at",
            "signed_at",
            "signed_by_id",
            "session_id",
            "patient_id",
            "medication",
            "route",
            "responsible_clinician_id",
            "opened_by_id",
            "fasting_confirmed_at",
            "fasting_confirmed_by_id",
            "ride_home_confirmed_at",
            "ride_home_confirmed_by_id",
            "escort_name",
            "escort_phone",
        ],
        (
            (
                uuid.uuid4(),
                start,
                ends,
                None,  # signed below, once its rows are in (a trigger guards signed records)
                None,
                sid,
                patient,
                "racemic_ketamine",
                "im",
                clin,
                clin,
                start,
                clin,
                start,
                clin,
                "Bench escort",
                "555-0100",
            )
            for sid, _k, _s, start, ends, patient, clin, _room in done
        ),
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT session_id, id FROM sessions_app_dosingrecord WHERE session_id = ANY(%s)", [[s[0] for s in done]]
        )
        record_of = dict(cursor.fetchall())
    copy_rows(
        "sessions_app_administration",
        [
            "public_id",
            "created_at",
            "updated_at",
            "dosing_id",
            "medication",
            "route",
            "dose_mg",
            "weight_kg",
            "mg_per_kg",
            "lot_id",
            "ordering_prescriber_id",
            "administered_by_id",
            "started_at",
            "ended_at",
            "void_reason",
        ],
        (
            (
                uuid.uuid4(),
                start,
                start,
                record_of[sid],
                "racemic_ketamine",
                "im",
                Decimal("35.00"),
                weights.get(patient, Decimal("70.0")),
                (Decimal("35") / weights.get(patient, Decimal("70"))).quantize(Decimal("0.001")),
                lot_id,
                clin,
                clin,
                start + dt.timedelta(minutes=10),
                start + dt.timedelta(minutes=10),
                "",
            )
            for sid, _k, _s, start, _e, patient, clin, _room in done
        ),
    )

    def vitals():
        for sid, _k, _s, start, _e, _patient, clin, _room in done:
            base = rng.randrange(110, 135)
            for i in range(VITALS_PER_DOSING):
                at = start + dt.timedelta(minutes=i)
                phase = "pre_dose" if i < 3 else "monitoring"
                sbp = base + (i % 11) - 3
                yield (
                    uuid.uuid4(),
                    at,
                    at,
                    record_of[sid],
                    at,
                    clin,
                    phase,
                    sbp,
                    sbp - 40,
                    70 + i % 9,
                    97,
                    14,
                    [],
                    "",
                    "",
                )

    count = copy_rows(
        "sessions_app_vitalsreading",
        [
            "public_id",
            "created_at",
            "updated_at",
            "dosing_id",
            "taken_at",
            "recorded_by_id",
            "phase",
            "systolic",
            "diastolic",
            "heart_rate",
            "spo2",
            "resp_rate",
            "alerts",
            "alert_note",
            "void_reason",
        ],
        vitals(),
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE sessions_app_dosingrecord SET signed_at = updated_at, signed_by_id = responsible_clinician_id "
            "WHERE id = ANY(%s)",
            [[record_of[s[0]] for s in done]],
        )
    return len(done), count


def _lot(admin) -> int:
    from sessions_app.inventory.models import InventoryLot

    lot = InventoryLot.objects.filter(medication="racemic_ketamine").first()
    if lot is not None:
        return lot.pk
    return InventoryLot.objects.create(
        product="ketamine_vial",
        medication="racemic_ketamine",
        unit="mg",
        lot_number="BENCH-1",
        concentration="50 mg/mL",
        supplier="Bench",
        invoice_number="B-1",
        quantity_received=Decimal("1000000"),
        balance=Decimal("1000000"),
        expires_on=timezone.localdate() + dt.timedelta(days=365),
        received_at=timezone.now(),
        received_by=admin,
    ).pk


def seed(seed_value: int = 7) -> dict:
    """Seed once (minutes); returns the marker's info on later calls."""
    from bench.seed_patients import seed_patients_bulk
    from kap_clinic.accounts.demo import seed_users
    from patients.models import WeightMeasurement
    from sessions_app.scheduling.models import Location, Room

    if seeded():
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT info FROM {MARKER} WHERE version = %s", [VERSION])  # noqa: S608 - constant
            info = cursor.fetchone()[0]
        return info if isinstance(info, dict) else json.loads(info)
    rng = random.Random(seed_value)
    started = time.monotonic()
    with transaction.atomic():  # all or nothing: a failed seed leaves no half-filled tables behind
        print("seeding 10,000 patients …", file=sys.stderr, flush=True)
        patients = seed_patients_bulk(10_000, rng)
        users = seed_users()
        staff = _staff(users)
        location = Location.objects.create(name="Bench main clinic")
        rooms = Room.objects.bulk_create(
            Room(location=location, name=f"Chair {i + 1:02d}", dosing_equipped=True) for i in range(ROOMS)
        )
        from patients.models import Patient

        ids = list(Patient.objects.filter(mrn__startswith="KAP-").order_by("pk").values_list("pk", flat=True))
        weights = dict(WeightMeasurement.objects.values_list("patient_id", "weight_kg"))
        print(f"seeding sessions ({time.monotonic() - started:.0f} s) …", file=sys.stderr, flush=True)
        sessions = _sessions(staff, rooms, ids, users["admin"].pk, rng)
        print(f"seeding dosing records and vitals ({time.monotonic() - started:.0f} s) …", file=sys.stderr, flush=True)
        records, vitals = _dosing(sessions, _lot(users["admin"]), weights, rng)
    print(f"ANALYZE ({time.monotonic() - started:.0f} s) …", file=sys.stderr, flush=True)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    info = {
        "patients": patients["patients"],
        "sessions": len(sessions),
        "dosing_records": records,
        "vitals": vitals,
        "heavy_id": patients["heavy_id"],
        "patient_id": patients["patient_ids"][0],
        "search": patients["searches"][0],
        "seconds": round(time.monotonic() - started),
    }
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {MARKER} (version, info, at) VALUES (%s, %s, now())",  # noqa: S608 - constant
            [VERSION, json.dumps(info)],
        )
    return info
