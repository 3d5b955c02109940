"""Signed consent PDF through the report job path.

The consent app renders and stores an immutable, hashed snapshot of each signed record
(``consent.services.pdfs.consent_pdf_render``); that snapshot *is* the signed consent PDF, so
this kind does not re-render it: it makes sure the newest stage exists (countersigned when the
record has been witnessed, else signed), checks its bytes against the recorded SHA-256 and
hands them to the job. The job's file therefore has the same hash as the consent app's copy.
"""

from __future__ import annotations

import hashlib

from sessions_app.reports.builders import ReportDataError
from sessions_app.reports.models import GeneratedReport


def produce(report: GeneratedReport) -> bytes:
    from consent.models import ConsentCountersignature, ConsentPdf
    from consent.services.pdfs import consent_pdf_render

    record_id = report.consent_record_id
    if record_id is None:
        raise ReportDataError("No signed consent was named for this report.")
    witnessed = ConsentCountersignature.objects.filter(record_id=record_id).exists()
    stage = ConsentPdf.Stage.COUNTERSIGNED if witnessed else ConsentPdf.Stage.SIGNED
    snapshot = consent_pdf_render(record_id=record_id, stage=stage)
    with snapshot.file.open("rb") as handle:
        data = handle.read()
    if hashlib.sha256(data).hexdigest() != snapshot.sha256:
        raise ReportDataError("Integrity check failed: the stored consent PDF does not match its recorded hash.")
    return data
