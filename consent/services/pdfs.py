"""PDF snapshots of signed consents, their downloads, and integrity verification."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone

from kap_clinic.audit.services import audit_record
from kap_clinic.common import pdf as pdf_lib
from kap_clinic.common.errors import Conflict

from .. import manifestation, text
from ..models import ConsentCountersignature, ConsentPdf, ConsentRecord


def _render_context(record: ConsentRecord, stage: str) -> dict[str, Any]:
    document = record.document
    countersignature = None
    if stage == ConsentPdf.Stage.COUNTERSIGNED:
        countersignature = ConsentCountersignature.objects.select_related("clinician").get(record=record)
    ersd = record.electronic_records_record
    return {
        "clinic_name": settings.CLINIC_NAME,
        "stylesheet": pdf_lib.print_stylesheet(),
        "record": record,
        "document": document,
        "kind": record.kind,
        "patient": record.patient,
        "body_html": text.render_markdown(document.body),
        "signature_src": pdf_lib.png_data_url(bytes(record.signature_png)),
        "manifestation": manifestation.for_record(record),
        "countersignature": countersignature,
        "countersign_manifestation": manifestation.for_countersignature(countersignature) if countersignature else None,
        "ersd": ersd,
        "ersd_manifestation": manifestation.for_record(ersd) if ersd else None,
        "stage": stage,
        "rendered_at": manifestation.format_clinic_time(timezone.now()),
    }


def consent_pdf_render(*, record_id: int, stage: str) -> ConsentPdf:
    """Render and store the PDF snapshot of a record at a stage, once (safe to run twice).

    The snapshot is what the patient and the care team download from then on: it is never
    re-rendered, so the bytes (and their SHA-256) stay the same through template or library
    upgrades (ESIGN 7001(d): accurately reproducible). Raises PdfRenderError when WeasyPrint fails.
    """
    existing = ConsentPdf.objects.filter(record_id=record_id, stage=stage).first()
    if existing is not None:
        return existing
    record = ConsentRecord.objects.select_related(
        "document", "kind", "patient", "signer", "electronic_records_record"
    ).get(pk=record_id)
    html = render_to_string("reports/consent_signed.html", _render_context(record, stage))
    data = pdf_lib.html_to_pdf(html)
    pdf = ConsentPdf(
        record=record,
        stage=stage,
        sha256=pdf_lib.sha256_hex(data),
        size=len(data),
        rendered_at=timezone.now(),
    )
    pdf.file.save(f"{record.public_id}-{stage}.pdf", ContentFile(data), save=False)
    try:
        with transaction.atomic():
            pdf.save()
            audit_record(
                actor=None, action="consent.pdf_rendered", target=pdf, patient=record.patient, changed_fields=["file"]
            )
    except IntegrityError:
        # A concurrent run stored the snapshot first; keep theirs and drop our copy of the file.
        pdf.file.delete(save=False)
        return ConsentPdf.objects.get(record_id=record_id, stage=stage)
    return pdf


def _read(pdf: ConsentPdf) -> bytes | None:
    try:
        with pdf.file.open("rb") as handle:
            return handle.read()
    except (FileNotFoundError, OSError, ValueError):
        return None


def consent_pdf_download(*, actor: Any, pdf: ConsentPdf) -> bytes:
    """The stored bytes of a PDF snapshot, checked against their SHA-256 before they are served.

    Audited as a download. When the bytes no longer match, nothing is served: the failure is
    audited and a Conflict says "integrity check failed" (never a silently altered file).
    """
    data = _read(pdf)
    patient = pdf.record.patient
    if data is None or hashlib.sha256(data).hexdigest() != pdf.sha256:
        audit_record(actor=actor, action="consent.integrity_failed", target=pdf, patient=patient)
        raise Conflict("Integrity check failed: the stored PDF does not match its recorded hash.", field="pdf")
    audit_record(actor=actor, action="consent.pdf_downloaded", target=pdf, patient=patient)
    return data


@dataclass(frozen=True)
class PdfCheck:
    stage: str
    stored_sha256: str
    actual_sha256: str | None

    @property
    def ok(self) -> bool:
        return self.actual_sha256 == self.stored_sha256


@dataclass(frozen=True)
class VerifyResult:
    record_text_sha256: str
    document_text_sha256: str
    signature_ok: bool
    pdfs: list[PdfCheck] = field(default_factory=list)
    checked_at: dt.datetime | None = None

    @property
    def text_ok(self) -> bool:
        return self.record_text_sha256 == self.document_text_sha256

    @property
    def intact(self) -> bool:
        return self.text_ok and self.signature_ok and all(p.ok for p in self.pdfs)

    @property
    def status(self) -> str:
        return "intact" if self.intact else "altered"


def consent_verify(*, actor: Any, record: ConsentRecord) -> VerifyResult:
    """Recompute the hashes of a signed record and report "intact" or "altered".

    - text: SHA-256 of the document version's stored title and body now, against the hash
      recorded at signing;
    - signature image: against its recorded hash;
    - each PDF snapshot: SHA-256 of the stored bytes against the hash recorded at rendering.
    The run is audited (``consent.verified`` or ``consent.verification_failed``).
    """
    record = ConsentRecord.objects.select_related("document", "patient").get(pk=record.pk)
    document = record.document
    result = VerifyResult(
        record_text_sha256=record.text_sha256,
        document_text_sha256=text.text_sha256(title=document.title, body=document.body),
        signature_ok=hashlib.sha256(bytes(record.signature_png)).hexdigest() == record.signature_sha256,
        pdfs=[
            PdfCheck(
                stage=p.stage,
                stored_sha256=p.sha256,
                actual_sha256=(hashlib.sha256(data).hexdigest() if (data := _read(p)) is not None else None),
            )
            for p in record.pdfs.order_by("rendered_at")
        ],
        checked_at=timezone.now(),
    )
    audit_record(
        actor=actor,
        action="consent.verified" if result.intact else "consent.verification_failed",
        target=record,
        patient=record.patient,
        changed_fields=[] if result.intact else ["integrity"],
    )
    return result
