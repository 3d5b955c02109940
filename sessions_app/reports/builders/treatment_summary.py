"""Treatment-course summary: the patient, conditions, sessions, doses and cumulative dose,
adverse events, and outcome charts (patients.outcomes.outcome_chart_svg) with response and
remission. One course when the report names one; otherwise the patient's whole treatment."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Prefetch

from patients.models import Patient, PatientCondition
from patients.outcomes import outcome_chart_svg, outcome_series_all
from sessions_app.clinical.models.dosing import Administration, AdverseEvent, DosingRecord, Medication, Route
from sessions_app.common.charts import svg_data_url
from sessions_app.reports.builders.common import Header, header
from sessions_app.reports.models import GeneratedReport
from sessions_app.scheduling.models import Session, TreatmentCourse


@dataclass
class CourseFacts:
    started: dt.datetime | None
    status: str
    dosing_count: int
    medical_clinician: str
    therapist: str


@dataclass
class DoseRow:
    starts_at: dt.datetime
    sequence: int | None
    medication: str
    route: str
    dose_mg: Decimal
    mg_per_kg: Decimal | None
    devices: int | None


@dataclass
class CumulativeRow:
    medication: str
    total_mg: Decimal
    sessions: int
    doses: int


@dataclass
class EventRow:
    onset_at: dt.datetime
    event: str
    severity: str
    intervention: str
    serious: bool


@dataclass
class OutcomeBlock:
    name: str
    chart: str  # data: URL of the SVG
    results: int
    baseline: int | None
    latest: int | None
    change_percent: float | None
    status: str
    first_response: dt.datetime | None
    first_remission: dt.datetime | None


@dataclass
class TreatmentSummaryContext:
    header: Header
    conditions: list[str]
    courses: list[CourseFacts]
    sessions: list[Session]
    status_counts: list[tuple[str, int]]
    doses: list[DoseRow]
    cumulative: list[CumulativeRow]
    adverse_events: list[EventRow]
    outcomes: list[OutcomeBlock] = field(default_factory=list)


def build(report: GeneratedReport) -> TreatmentSummaryContext:
    patient = report.patient
    courses = TreatmentCourse.objects.filter(patient=patient).select_related("medical_clinician", "therapist")
    if report.course_id:
        courses = courses.filter(pk=report.course_id)
    courses = list(courses.order_by("created_at"))
    sessions_qs = Session.objects.filter(patient=patient)
    if report.course_id:
        sessions_qs = sessions_qs.filter(course_id=report.course_id)
    sessions = list(sessions_qs.select_related("room__location", "lead_clinician").order_by("starts_at", "id"))
    first_by_course: dict[int, dt.datetime] = {}
    for s in sessions:
        if s.course_id and s.course_id not in first_by_course:
            first_by_course[s.course_id] = s.starts_at
    doses, cumulative = _doses(sessions)
    events = [
        EventRow(e.onset_at, e.get_code_display(), e.get_severity_display(), e.get_intervention_display(), e.serious)
        for e in AdverseEvent.objects.filter(dosing__session__in=[s.pk for s in sessions]).order_by("onset_at")
    ]
    outcomes = _outcomes(patient)
    statuses = Counter(s.get_status_display() for s in sessions)
    title = "Treatment course summary" if report.course_id else "Treatment summary"
    return TreatmentSummaryContext(
        header=header(report, title, patient),
        conditions=[
            c.get_condition_display() + (f" ({c.detail})" if c.detail else "")
            for c in PatientCondition.objects.filter(patient=patient)
        ],
        courses=[
            CourseFacts(
                started=first_by_course.get(c.pk),
                status=c.get_status_display(),
                dosing_count=c.dosing_count,
                medical_clinician=c.medical_clinician.full_name,
                therapist=c.therapist.full_name if c.therapist_id else "",
            )
            for c in courses
        ],
        sessions=sessions,
        status_counts=sorted(statuses.items()),
        doses=doses,
        cumulative=cumulative,
        adverse_events=events,
        outcomes=outcomes,
    )


def _doses(sessions: list[Session]) -> tuple[list[DoseRow], list[CumulativeRow]]:
    """Every administration that stands (voided ones left out), and each medication's totals."""
    records = (
        DosingRecord.objects.filter(session__in=[s.pk for s in sessions])
        .select_related("session")
        .prefetch_related(
            Prefetch(
                "administrations",
                queryset=Administration.objects.filter(voided_at__isnull=True).order_by("started_at", "id"),
            )
        )
        .order_by("session__starts_at")
    )
    doses: list[DoseRow] = []
    totals: dict[str, list] = {}
    for record in records:
        for a in record.administrations.all():
            doses.append(
                DoseRow(
                    starts_at=a.started_at,
                    sequence=record.session.course_sequence,
                    medication=Medication(a.medication).label,
                    route=Route(a.route).label,
                    dose_mg=a.dose_mg,
                    mg_per_kg=a.mg_per_kg,
                    devices=a.planned_devices if a.medication == Medication.ESKETAMINE else None,
                )
            )
            entry = totals.setdefault(a.medication, [Decimal(0), set(), 0])
            entry[0] += a.dose_mg
            entry[1].add(record.pk)
            entry[2] += 1
    cumulative = [
        CumulativeRow(Medication(code).label, total, len(dosings), count)
        for code, (total, dosings, count) in sorted(totals.items())
    ]
    return doses, cumulative


def _outcomes(patient: Patient) -> list[OutcomeBlock]:
    """One block per instrument with results: its chart and where the patient stands."""
    outcomes = []
    for series in outcome_series_all(patient).values():
        if not series.points:
            continue
        outcomes.append(
            OutcomeBlock(
                name=series.instrument.short_name,
                chart=svg_data_url(outcome_chart_svg(series, width=640, height=260)),
                results=len(series.points),
                baseline=series.baseline.total if series.baseline else None,
                latest=series.latest.total if series.latest else None,
                change_percent=series.change_percent,
                status=series.status or "fewer than two results",
                first_response=series.first_response.at if series.first_response else None,
                first_remission=series.first_remission.at if series.first_remission else None,
            )
        )
    return outcomes
