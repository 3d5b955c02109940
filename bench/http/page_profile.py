"""Profile one page of the HTTP bench in-process: its queries by time, and EXPLAIN ANALYZE of the slowest.

Run by ``bench/http/run.py --profile NAME`` (same database and settings as the timed run)::

    .venv/bin/python bench/http/run.py --profile "today (clinic)" [--explain 3] [--cprofile]

Prints the request's total time, the time spent in SQL, every query with its duration (slowest
first), the plan of the slowest ``--explain`` SELECTs, and with ``--cprofile`` the 25 functions with
the most cumulative time.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("who")
    parser.add_argument("--explain", type=int, default=2)
    parser.add_argument("--cprofile", action="store_true")
    args = parser.parse_args()
    from kap_clinic.accounts.models import User

    client = Client(HTTP_X_FORWARDED_PROTO="https", HTTP_HOST="127.0.0.1")
    client.force_login(User.objects.get(email=f"{args.who}@demo.clinic"))
    path = args.url.split("://", 1)[-1].split("/", 1)[-1]
    path = "/" + path
    client.get(path)  # warm: session in the cache, settings read
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        response = client.get(path)
        total = (time.perf_counter() - started) * 1000
    sql_ms = sum(float(q["time"]) for q in queries.captured_queries) * 1000
    print(f"{path} as {args.who}: {response.status_code}, {total:.1f} ms, {len(queries)} queries, {sql_ms:.1f} ms SQL")
    ranked = sorted(queries.captured_queries, key=lambda q: -float(q["time"]))
    for q in ranked:
        print(f"  {float(q['time']) * 1000:7.1f} ms  {q['sql'][:400]}")
    for q in [q for q in ranked if q["sql"].lstrip().upper().startswith("SELECT")][: args.explain]:
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + q["sql"])
            print("\n" + q["sql"][:600] + "\n" + "\n".join(r[0] for r in cursor.fetchall()))
    if args.cprofile:
        profiler = cProfile.Profile()
        profiler.enable()
        client.get(path)
        profiler.disable()
        pstats.Stats(profiler).sort_stats("tottime").print_stats(30)
    print(json.dumps({"ms": total, "queries": len(queries), "sql_ms": sql_ms}))


if __name__ == "__main__":
    main()
