"""HTML → PDF with WeasyPrint, shared by every generated document (consents, reports).

The renderer never reaches the network or the file system: stylesheets are inlined from our own
static files and images travel as ``data:`` URLs, so a PDF cannot leak a request to a third
party or pick up a file it was not meant to (a template bug would otherwise become an SSRF or a
local-file read). Page numbers ("Page x of y") come from ``@page`` margin boxes in print.css.
"""

from __future__ import annotations

import base64
import hashlib
import logging
from functools import cache

from django.contrib.staticfiles import finders

PRINT_CSS = "css/print.css"
# WeasyPrint narrates every rendering step at INFO; keep its warnings, drop the chatter.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)


class PdfRenderError(Exception):
    """WeasyPrint could not produce a document (the caller marks its job failed)."""


@cache
def _static_text(path: str) -> str:
    found = finders.find(path)
    if not found:
        raise PdfRenderError(f"Static file {path} not found.")
    with open(found, encoding="utf-8") as handle:
        return handle.read()


def print_stylesheet() -> str:
    """The print stylesheet's text, to inline in a ``<style>`` element of a PDF template."""
    return _static_text(PRINT_CSS)


def png_data_url(data: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(data).decode("ascii")


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def html_to_pdf(html: str) -> bytes:
    """Render an HTML string (a complete document) to PDF bytes.

    Only ``data:`` URLs are fetched. Raises PdfRenderError when WeasyPrint fails or returns nothing.
    """
    from weasyprint import HTML  # imported here: heavy, and only PDF jobs need it
    from weasyprint.urls import URLFetcher

    fetcher = URLFetcher(allowed_protocols={"data"}, fail_on_errors=False)
    try:
        pdf = HTML(string=html, url_fetcher=fetcher).write_pdf()
    except Exception as exc:  # WeasyPrint raises many types (fonts, layout, CSS)
        raise PdfRenderError(f"PDF rendering failed: {exc.__class__.__name__}: {exc}") from exc
    if not pdf:
        raise PdfRenderError("PDF rendering produced no bytes.")
    return pdf
