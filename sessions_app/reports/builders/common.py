"""What every report shares: the header facts printed on each page."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone

from patients.models import Patient
from sessions_app.reports.models import GeneratedReport


@dataclass(frozen=True)
class Header:
    clinic_name: str
    title: str
    generated_at: dt.datetime
    generated_by: str
    patient_name: str = ""
    patient_dob: dt.date | None = None
    patient_mrn: str = ""
    report_id: str = ""


def header(report: GeneratedReport, title: str, patient: Patient | None = None) -> Header:
    return Header(
        clinic_name=settings.CLINIC_NAME,
        title=title,
        generated_at=timezone.now(),
        generated_by=report.requested_by.full_name,
        patient_name=patient.full_name if patient else "",
        patient_dob=patient.date_of_birth if patient else None,
        patient_mrn=patient.mrn if patient else "",
        report_id=str(report.public_id),
    )
