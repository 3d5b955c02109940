"""Signature manifestation (21 CFR 11.50): printed name, date and time with zone, meaning.

Built in one place so the portal page, the staff page and the PDF show exactly the same words.
Times are shown in the clinic's zone with its abbreviation and as ISO-8601 with the UTC offset,
whatever zone the request (or the Celery worker) runs in.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass

from django.conf import settings

from .models import ConsentCountersignature, ConsentRecord


def clinic_zone() -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(settings.CLINIC_TIME_ZONE)


def format_clinic_time(value: dt.datetime) -> str:
    local = value.astimezone(clinic_zone())
    return f"{local:%Y-%m-%d %H:%M:%S} {local.tzname()}"


def iso_clinic_time(value: dt.datetime) -> str:
    return value.astimezone(clinic_zone()).isoformat(timespec="seconds")


@dataclass(frozen=True)
class Manifestation:
    printed_name: str
    signed_at: str  # "2026-05-09 14:03:22 EDT"
    signed_at_iso: str  # "2026-05-09T14:03:22-04:00"
    meaning: str
    role: str

    @property
    def line(self) -> str:
        return f"Signed by {self.printed_name} on {self.signed_at} ({self.signed_at_iso}). Meaning: {self.meaning}."


def for_record(record: ConsentRecord) -> Manifestation:
    return Manifestation(
        printed_name=record.printed_name,
        signed_at=format_clinic_time(record.signed_at),
        signed_at_iso=iso_clinic_time(record.signed_at),
        meaning=record.meaning,
        role="Patient",
    )


def for_countersignature(countersignature: ConsentCountersignature) -> Manifestation:
    return Manifestation(
        printed_name=countersignature.printed_name,
        signed_at=format_clinic_time(countersignature.countersigned_at),
        signed_at_iso=iso_clinic_time(countersignature.countersigned_at),
        meaning=countersignature.meaning,
        role="Witness (care team)",
    )
