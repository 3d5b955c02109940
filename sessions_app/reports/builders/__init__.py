"""PDF reports, one module per kind. Each report goes through the same four steps:

1. the kind's ``build(report)`` reads the rows and returns a typed context (a dataclass);
2. ``render_to_string("reports/<name>.html")`` with the clinic's time zone active;
3. ``kap_clinic.common.pdf.html_to_pdf`` (WeasyPrint, no network, print stylesheet, page x of y);
4. ``sessions_app.reports.services.report_render`` stores the bytes on the ``GeneratedReport``.

A kind whose document already exists as an immutable snapshot (the signed consent) supplies
``produce(report) -> bytes`` instead of a template, and still runs through the same job path.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone

from kap_clinic.common import clock, pdf
from sessions_app.reports.models import GeneratedReport


class ReportDataError(Exception):
    """The report cannot be made from the data there is (shown to the requester as the error)."""


@dataclass(frozen=True)
class ReportKind:
    kind: str
    template: str = ""
    build: Callable[[GeneratedReport], Any] | None = None
    produce: Callable[[GeneratedReport], bytes] | None = None


def _registry() -> dict[str, ReportKind]:
    from sessions_app.reports.builders import consent, esketamine, operations, session_note, treatment_summary

    kinds = [
        ReportKind(GeneratedReport.Kind.SESSION_NOTE, "reports/session_note.html", session_note.build),
        ReportKind(GeneratedReport.Kind.TREATMENT_SUMMARY, "reports/treatment_summary.html", treatment_summary.build),
        ReportKind(GeneratedReport.Kind.CONSENT, produce=consent.produce),
        ReportKind(GeneratedReport.Kind.ESKETAMINE_MONITORING, "reports/esketamine_monitoring.html", esketamine.build),
        ReportKind(GeneratedReport.Kind.OPERATIONS, "reports/operations.html", operations.build),
    ]
    return {k.kind: k for k in kinds}


def render_html(report: GeneratedReport) -> str:
    spec = _registry()[report.kind]
    if spec.build is None:
        raise ReportDataError(f"{report.get_kind_display()} has no HTML template.")
    context = spec.build(report)
    with timezone.override(clock.clinic_zone()):
        return render_to_string(spec.template, {"r": context, "stylesheet": pdf.print_stylesheet()})


def render_pdf(report: GeneratedReport) -> bytes:
    """The finished PDF's bytes for ``report``. Raises ReportDataError or PdfRenderError."""
    spec = _registry()[report.kind]
    if spec.produce is not None:
        return spec.produce(report)
    return pdf.html_to_pdf(render_html(report))
