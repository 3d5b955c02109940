"""File responses shared by the staff and portal views (signature images, PDF snapshots)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from kap_clinic.common.errors import Conflict

from . import services
from .models import ConsentPdf


def _private(response: HttpResponse) -> HttpResponse:
    # Patient data: never stored by shared caches or the browser's disk cache.
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def png_response(data: bytes) -> HttpResponse:
    return _private(HttpResponse(data, content_type="image/png"))


def pdf_response(request: HttpRequest, pdf: ConsentPdf) -> HttpResponse:
    """Serve the stored snapshot after checking its hash; an altered file is refused, not served."""
    try:
        data = services.consent_pdf_download(actor=request.user, pdf=pdf)
    except Conflict as exc:
        return render(request, "consent/integrity_failed.html", {"message": exc.message}, status=409)
    response = HttpResponse(data, content_type="application/pdf")
    kind = pdf.record.kind.code.replace("_", "-")
    response["Content-Disposition"] = (
        f'attachment; filename="consent-{kind}-v{pdf.record.document.version}-{pdf.record.public_id}.pdf"'
    )
    return _private(response)
