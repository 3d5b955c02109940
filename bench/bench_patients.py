"""Bench: the patient list (with a search) and the chart, over 10,000 patients with histories.

    .venv/bin/python bench/bench_patients.py                 # SQLite file in /tmp (throwaway)
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/kap_bench .venv/bin/python bench/bench_patients.py

A throwaway database is created for the run and dropped at the end (Django's test-database
machinery: ``test_<name>`` on PostgreSQL, a file in /tmp on SQLite), so it never touches real
data. Requests go through the whole Django stack in-process (test Client: middleware, auth,
sessions, audit writes, templates) and the time of each request is measured; no network.
Prints median and 95th percentile per page; ``--json FILE`` also writes them as JSON.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kap_clinic.settings.test")
SQLITE_FILE = "/tmp/kap-bench-patients.sqlite3"  # noqa: S108 - a throwaway bench database


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=10_000)
    parser.add_argument("--iterations", type=int, default=300, help="timed requests per page")
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--json", help="also write the figures to this file")
    return parser.parse_args()


def main() -> int:
    args = parse_args()
    import django
    from django.conf import settings

    django.setup()
    from django.db import connection

    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("sqlite3"):
        db.setdefault("TEST", {})["NAME"] = SQLITE_FILE
    # No setup_test_environment(): its template instrumentation would add to every render.
    started = time.perf_counter()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        from seed_patients import seed_patients_bulk

        print(f"database: {connection.vendor} ({connection.settings_dict['NAME']})")
        seed = time.perf_counter()
        info = seed_patients_bulk(args.patients, random.Random(args.seed))
        print(
            f"seeded {info['patients']:,} patients, {info['assessments']:,} results, {info['intakes']:,} intakes, "
            f"{info['flags']:,} open alerts in {time.perf_counter() - seed:.1f}s"
        )
        figures = measure(info, args)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0, keepdb=False)
    report(figures, args, connection_vendor=info["vendor"])
    print(f"load average during the run: {os.getloadavg()[0]:.1f} (1 min) on {os.cpu_count()} CPUs")
    print(f"total {time.perf_counter() - started:.0f}s")
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2))
    return 0


def measure(info: dict, args: argparse.Namespace) -> dict[str, dict[str, float]]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    rng = random.Random(args.seed + 1)
    prescriber = Client()
    prescriber.force_login(info["prescriber"])
    admin = Client()
    admin.force_login(info["admin"])
    searches = info["searches"]
    chart_ids = info["patient_ids"]
    pages = {
        "list, search (prescriber)": (prescriber, lambda: ("/patients/", {"q": rng.choice(searches)})),
        "list, search + status + sort (admin)": (
            admin,
            lambda: ("/patients/", {"q": rng.choice(searches), "status": "in_treatment", "sort": "-dob"}),
        ),
        "list, page 40 of all (prescriber)": (prescriber, lambda: ("/patients/", {"page": "40"})),
        "API list, search (prescriber)": (prescriber, lambda: ("/api/v1/patients/", {"q": rng.choice(searches)})),
        "chart (prescriber)": (prescriber, lambda: (f"/patients/{rng.choice(chart_ids)}/", {})),
        "chart, 500 results (prescriber)": (prescriber, lambda: (f"/patients/{info['heavy_id']}/", {})),
    }
    figures: dict[str, dict[str, float]] = {}
    for name, (client, make) in pages.items():
        for _ in range(args.warmup):
            url, params = make()
            check(client.get(url, params), name, url)
        with CaptureQueriesContext(connection) as ctx:
            url, params = make()
            client.get(url, params)
        # Read it now: every request start clears the connection's query log.
        queries = len(ctx.captured_queries)
        times, cpu = [], []
        for _ in range(args.iterations):
            url, params = make()
            t0, c0 = time.perf_counter(), time.process_time()
            response = client.get(url, params)
            times.append((time.perf_counter() - t0) * 1000)
            cpu.append((time.process_time() - c0) * 1000)
            check(response, name, url)
        times.sort()
        cpu.sort()
        figures[name] = {
            "median_ms": round(statistics.median(times), 1),
            "p95_ms": round(percentile(times, 0.95), 1),
            "max_ms": round(times[-1], 1),
            "cpu_median_ms": round(statistics.median(cpu), 1),
            "cpu_p95_ms": round(percentile(cpu, 0.95), 1),
            "queries": queries,
            "iterations": len(times),
        }
        print(f"  measured {name}")
    return figures


def percentile(sorted_values: list[float], fraction: float) -> float:
    """Nearest-rank percentile of an already sorted list."""
    return sorted_values[max(0, math.ceil(fraction * len(sorted_values)) - 1)]


def check(response, name: str, url: str) -> None:
    if response.status_code != 200:
        raise RuntimeError(f"{name}: GET {url} answered {response.status_code}")


def report(figures: dict, args: argparse.Namespace, connection_vendor: str) -> None:
    print()
    print(f"{args.patients:,} patients, {args.iterations} timed requests per page, database {connection_vendor}")
    print("wall = server time per request; cpu = this process's CPU time (steadier on a busy machine)")
    header = f"{'page':<40} {'median ms':>10} {'p95 ms':>8} {'max ms':>8} {'cpu med':>8} {'cpu p95':>8} {'queries':>8}"
    print(header)
    for name, f in figures.items():
        print(
            f"{name:<40} {f['median_ms']:>10} {f['p95_ms']:>8} {f['max_ms']:>8} "
            f"{f['cpu_median_ms']:>8} {f['cpu_p95_ms']:>8} {f['queries']:>8}"
        )


if __name__ == "__main__":
    sys.exit(main())
