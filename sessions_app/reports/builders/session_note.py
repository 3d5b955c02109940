"""Session note PDF: the dosing record (with its vitals table and chart), or the preparation or
integration record. Psychotherapy notes are never read here: they are kept apart from the
medical record and readable by their author only (45 CFR 164.501)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sessions_app.clinical.models.dosing import (
    Administration,
    AdverseEvent,
    Discharge,
    DosingRecord,
    GateOverride,
    Observation,
    VitalsReading,
)
from sessions_app.clinical.models.notes import RISKS, Addendum, IntegrationRecord, PreparationRecord
from sessions_app.common.charts import VitalsPoint, svg_data_url, vitals_chart_svg
from sessions_app.reports.builders import ReportDataError
from sessions_app.reports.builders.common import Header, header
from sessions_app.reports.models import GeneratedReport
from sessions_app.scheduling.models import Session


@dataclass
class SessionFacts:
    kind: str
    starts_at: Any
    ends_at: Any
    status: str
    place: str
    lead: str
    staff: list[str]


@dataclass
class DosingSection:
    record: DosingRecord
    administrations: list[Administration]
    voided_administrations: int
    vitals: list[VitalsReading]
    vitals_chart: str  # data: URL of an SVG
    observations: list[Observation]
    adverse_events: list[AdverseEvent]
    overrides: list[GateOverride]
    discharge: Discharge | None


@dataclass
class SessionNoteContext:
    header: Header
    session: SessionFacts
    record_kind: str  # dosing | preparation | integration
    signed_at: Any
    signed_by: str
    dosing: DosingSection | None = None
    preparation: PreparationRecord | None = None
    risks_discussed: list[str] = field(default_factory=list)
    integration: IntegrationRecord | None = None
    addenda: list[Addendum] = field(default_factory=list)


RECORD_MODELS = (("dosing", DosingRecord), ("preparation", PreparationRecord), ("integration", IntegrationRecord))


def session_record(session: Session) -> tuple[str, Any] | None:
    """(kind, record) of the session's clinical record, if it has one."""
    for kind, model in RECORD_MODELS:
        record = model.objects.filter(session=session).first()
        if record is not None:
            return kind, record
    return None


def _facts(session: Session) -> SessionFacts:
    place = ""
    if session.room_id:
        place = f"{session.room.location.name}, {session.room.name}"
    return SessionFacts(
        kind=session.get_kind_display(),
        starts_at=session.starts_at,
        ends_at=session.ends_at,
        status=session.get_status_display(),
        place=place,
        lead=session.lead_clinician.full_name,
        staff=[u.full_name for u in session.additional_staff.all()],
    )


def build(report: GeneratedReport) -> SessionNoteContext:
    session = Session.objects.select_related("patient", "room__location", "lead_clinician").get(pk=report.session_id)
    found = session_record(session)
    if found is None:
        raise ReportDataError("This session has no clinical record to print yet.")
    kind, record = found
    title = {
        "dosing": "Dosing session record",
        "preparation": "Preparation session record",
        "integration": "Integration session record",
    }[kind]
    context = SessionNoteContext(
        header=header(report, title, session.patient),
        session=_facts(session),
        record_kind=kind,
        signed_at=record.signed_at,
        signed_by=record.signed_by.full_name if record.signed_by_id else "",
    )
    if kind == "dosing":
        context.dosing = _dosing(record)
        context.addenda = list(Addendum.objects.filter(dosing_record=record).select_related("author"))
    elif kind == "preparation":
        context.preparation = record
        labels = dict(RISKS)
        context.risks_discussed = [labels.get(code, code) for code in record.risks_discussed or []]
        context.addenda = list(Addendum.objects.filter(preparation_record=record).select_related("author"))
    else:
        context.integration = record
        context.addenda = list(Addendum.objects.filter(integration_record=record).select_related("author"))
    return context


def _dosing(record: DosingRecord) -> DosingSection:
    administrations = list(
        Administration.objects.filter(dosing=record).select_related("lot", "ordering_prescriber", "administered_by")
    )
    vitals = list(VitalsReading.objects.filter(dosing=record, voided_at__isnull=True).order_by("taken_at", "id"))
    chart = vitals_chart_svg([VitalsPoint(v.taken_at, v.systolic, v.diastolic, v.heart_rate, v.spo2) for v in vitals])
    return DosingSection(
        record=record,
        administrations=[a for a in administrations if a.voided_at is None],
        voided_administrations=sum(1 for a in administrations if a.voided_at is not None),
        vitals=vitals,
        vitals_chart=svg_data_url(chart),
        observations=list(Observation.objects.filter(dosing=record)),
        adverse_events=list(AdverseEvent.objects.filter(dosing=record)),
        overrides=list(GateOverride.objects.filter(dosing=record).select_related("by")),
        discharge=Discharge.objects.filter(dosing=record).select_related("discharged_by").first(),
    )
