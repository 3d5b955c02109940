"""Child of bench/http/run.py: seed (once), then print the ids and signed-in cookies the run needs.

Runs with the clinic's production settings against the bench database; the last line of stdout
is JSON.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402


def main() -> None:
    from bench.http.seed import seed
    from kap_clinic.accounts.models import User
    from kap_clinic.common import clock
    from sessions_app.clinical.models.dosing import DosingRecord

    info = seed()
    today = clock.local_today()
    week_start = today - dt.timedelta(days=today.weekday())
    prescriber = User.objects.get(email="prescriber@demo.clinic")
    dosing = (
        DosingRecord.objects.filter(session__starts_at__date=today, patient__care_team__clinician=prescriber)
        .order_by("signed_at", "-created_at")
        .first()
        or DosingRecord.objects.filter(patient__care_team__clinician=prescriber).order_by("-created_at").first()
    )
    cookies = {}
    for who in ("admin", "prescriber", "nurse", "therapist", "patient"):
        client = Client()
        client.force_login(User.objects.get(email=f"{who}@demo.clinic"))
        cookies[who] = client.cookies["sessionid"].value
    with connection.cursor() as cursor:
        counts = {}
        for table in ("patients_patient", "sessions_app_session", "sessions_app_vitalsreading", "audit_auditevent"):
            cursor.execute("SELECT reltuples::bigint FROM pg_class WHERE relname = %s", [table])  # noqa: S608
            row = cursor.fetchone()
            counts[table] = row[0] if row else None
    info.update(
        dosing_id=str(dosing.session.public_id),
        week_start=week_start.isoformat(),
        week_end=(week_start + dt.timedelta(days=6)).isoformat(),
        week_end_exclusive=(week_start + dt.timedelta(days=7)).isoformat(),
        cookies=cookies,
        counts=counts,
    )
    print(json.dumps(info))


if __name__ == "__main__":
    main()
