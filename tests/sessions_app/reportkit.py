"""Building blocks for report tests: a finished dosing session (racemic or esketamine) through
the clinical services, outcome results, a signed consent, and PDF text extraction."""

from __future__ import annotations

import base64
import datetime as dt
import io
import os
import re
from pathlib import Path

from django.utils import timezone
from pypdf import PdfReader

from consent.models import ConsentKind, ConsentRecord
from consent.services.documents import consent_document_create, consent_document_publish
from consent.signature import generated_signature_png
from patients.models import Assessment
from sessions_app.clinical.services import notes
from sessions_app.clinical.services.administration import (
    administration_end,
    administration_record,
    esketamine_device_give,
)
from sessions_app.clinical.services.discharge import discharge_record
from sessions_app.clinical.services.monitoring import adverse_event_record, observation_record
from sessions_app.reports.models import GeneratedReport
from tests.consent.factories import ConsentRecordFactory
from tests.patients.factories import Phq9Factory
from tests.sessions_app.clinical import helpers

ALDRETE_OK = {
    "aldrete_activity": 2,
    "aldrete_respiration": 2,
    "aldrete_circulation": 2,
    "aldrete_consciousness": 2,
    "aldrete_spo2": 2,
}
REMS = {
    "rems_vitals_ok_before": True,
    "rems_vitals_ok_at_end": True,
    "rems_benzodiazepines": False,
    "rems_non_benzo_sedatives": False,
    "rems_psychostimulants": True,
    "rems_maois": False,
    "rems_opioids": False,
}
PSYCHOTHERAPY_SECRET = "Process note: childhood memory of the lake house"


def finished_racemic_session(p, ready, clock):
    """IV racemic ketamine 35 mg, vitals every 15 min, nausea treated, discharged and signed."""
    r = ready()
    dose = administration_record(
        actor=p.nurse, dosing=r.dosing, dose_mg="35", lot=r.lot, ordering_prescriber=p.prescriber, infusion_minutes=40
    )
    for minutes, bp in ((15, (138, 88)), (15, (142, 90)), (15, (132, 84))):
        clock.advance(minutes=minutes)
        helpers.full_vitals(p, r.dosing, systolic=bp[0], diastolic=bp[1], heart_rate=84)
    observation_record(actor=p.nurse, dosing=r.dosing, moaas=4, dissociation="moderate")
    adverse_event_record(
        actor=p.nurse,
        dosing=r.dosing,
        code="nausea",
        severity="mild",
        intervention="antiemetic",
        intervention_detail="Ondansetron 4 mg ODT",
    )
    clock.advance(minutes=5)
    administration_end(actor=p.nurse, administration=dose)
    clock.advance(minutes=65)
    helpers.full_vitals(p, r.dosing, systolic=124, diastolic=78, heart_rate=70)
    observation_record(actor=p.nurse, dosing=r.dosing, moaas=5, dissociation="none")
    discharge_record(
        actor=p.nurse,
        dosing=r.dosing,
        escort_confirmed=True,
        escort_name="Sam Ellis",
        instructions_given=True,
        **ALDRETE_OK,
    )
    notes.psychotherapy_note_save(
        actor=p.therapist, patient=r.session.patient, session=r.session, body=PSYCHOTHERAPY_SECRET
    )
    notes.record_sign(actor=p.prescriber, record=r.dosing, password=helpers.PASSWORD)
    r.dosing.refresh_from_db()
    return r


def finished_esketamine_session(p, ready, clock):
    r = ready(medication="esketamine", route="intranasal")
    dose = administration_record(
        actor=p.nurse, dosing=r.dosing, dose_mg="56", lot=r.lot, ordering_prescriber=p.prescriber
    )
    clock.advance(minutes=5)
    esketamine_device_give(actor=p.nurse, administration=dose)
    for _ in range(8):
        clock.advance(minutes=5)
        helpers.full_vitals(p, r.dosing, systolic=146, diastolic=92) if _ == 6 else None
    clock.advance(minutes=80)
    helpers.full_vitals(p, r.dosing, systolic=128, diastolic=82)
    observation_record(actor=p.nurse, dosing=r.dosing, moaas=5, dissociation="none")
    discharge_record(
        actor=p.nurse,
        dosing=r.dosing,
        escort_confirmed=True,
        escort_name="Sam Ellis",
        instructions_given=True,
        rems_ready_minutes=75,
        **ALDRETE_OK,
        **REMS,
    )
    r.dosing.refresh_from_db()
    return r


def phq9(patient, by, when: dt.datetime, total: int, severity: str) -> Assessment:
    return Phq9Factory(
        patient=patient,
        total=total,
        severity=severity,
        administered_at=when,
        recorded_by=by,
    )


def signed_consent(patient, admin) -> ConsentRecord:
    kind = ConsentKind.objects.get(code=ConsentKind.KAP_TREATMENT)
    document = kind.documents.filter(published_at__isnull=False).order_by("-version").first()
    if document is None:
        document = consent_document_create(
            actor=admin,
            kind=kind,
            title="Consent to ketamine-assisted psychotherapy",
            body="# Consent\n\nI understand the risks and benefits of ketamine-assisted psychotherapy.",
            effective_date=timezone.localdate() - dt.timedelta(days=30),
        )
        document = consent_document_publish(actor=admin, document=document)
    png = generated_signature_png("Jordan Ellis")
    return ConsentRecordFactory(
        patient=patient,
        document=document,
        signed_at=timezone.now() - dt.timedelta(days=2),
        signature_png=png,
        ip="203.0.113.7",
        user_agent="Test browser",
    )


def pdf_bytes(report: GeneratedReport) -> bytes:
    report.refresh_from_db()
    with report.file.open("rb") as handle:
        data = handle.read()
    out = os.environ.get("REPORT_PDF_DIR")
    if out:  # look at them: pdftoppm -r 60 -png <file> <prefix>
        Path(out).mkdir(parents=True, exist_ok=True)
        (Path(out) / f"{report.kind}.pdf").write_bytes(data)
    return data


def pdf_pages(data: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]


def flat(pages: list[str]) -> str:
    """All pages' text with line breaks folded (table cells wrap wherever the layout puts them)."""
    return " ".join(" ".join(pages).split())


def images_on(data: bytes) -> int:
    """How many images/forms the PDF draws (the charts are SVG images, so their text is not text)."""
    count = 0
    for page in PdfReader(io.BytesIO(data)).pages:
        resources = page.get("/Resources") or {}
        xobjects = resources.get("/XObject") if hasattr(resources, "get") else None
        count += len(xobjects) if xobjects else 0
    return count


def chart_titles(report: GeneratedReport) -> list[str]:
    """The titles of the SVG charts the report's HTML embeds (decoded from their data: URLs)."""
    from sessions_app.reports.builders import render_html

    titles = []
    for match in re.finditer(r"data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)", render_html(report)):
        svg = base64.b64decode(match.group(1)).decode()
        found = re.search(r'font-weight="bold"[^>]*>([^<]+)</text>', svg)
        titles.append(found.group(1) if found else "")
    return titles
