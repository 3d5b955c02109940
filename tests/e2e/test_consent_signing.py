"""Browser journey: staff send the KAP consent, the patient signs from the emailed link, the chart shows it."""

from __future__ import annotations

import importlib
import io
import math
import re
from urllib.parse import urlparse

import pytest
from pypdf import PdfReader

from consent import manifestation
from consent.demo import seed_consent_documents
from consent.models import ConsentRecord
from kap_clinic.accounts.demo import DEMO_PASSWORD
from tests.consent.reference_data import restore_reference_data_after_flush  # noqa: F401

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def _django_db_helper(restore_reference_data_after_flush, _django_db_helper):  # noqa: F811
    """Wraps pytest-django's database helper so reference data comes back after its flush."""
    return _django_db_helper


LINK = re.compile(r"https?://\S+(?P<path>/portal/consents/link/[0-9a-f]{64}/)")


@pytest.fixture
def consent_kinds(db) -> None:
    """The consent kinds are reference data from a data migration; an earlier transactional test's flush
    empties the table, and serialized_rollback cannot restore it here (Playwright's event loop gives
    the test a different connection object than the one holding the serialized snapshot)."""
    from django.apps import apps

    importlib.import_module("consent.migrations.0002_consent_kinds").forward(apps, None)


def draw_signature(page) -> None:  # noqa: ANN001
    pad = page.locator("[data-testid=signature-pad]")
    pad.scroll_into_view_if_needed()
    box = pad.bounding_box()
    x0, y0 = box["x"] + 30, box["y"] + box["height"] / 2
    page.mouse.move(x0, y0)
    page.mouse.down()
    for i in range(60):
        page.mouse.move(x0 + i * 7, y0 + 35 * math.sin(i / 4) * (1 if i < 30 else 0.6), steps=2)
    page.mouse.up()
    page.mouse.move(x0 + 60, y0 + 40)
    page.mouse.down()
    page.mouse.move(x0 + 200, y0 - 30, steps=12)
    page.mouse.up()


def test_the_demo_patient_signs_the_kap_consent_from_the_emailed_link(
    personas, consent_kinds, live_server, page, login, screenshot, mailoutbox
) -> None:
    seed_consent_documents(personas.admin)
    patient = personas.demo_patient

    # The prescriber sends the KAP consent from the patient's consent page.
    login("prescriber@demo.clinic")
    page.goto(f"{live_server.url}/consent/patients/{patient.public_id}/")
    page.select_option("select[name=kind]", "kap_treatment")
    page.click("text=Send signing link")
    page.wait_for_load_state("networkidle")
    assert "Signing request sent" in page.content()
    assert len(mailoutbox) == 1
    link = live_server.url + LINK.search(mailoutbox[0].body).group("path")

    # The patient opens the link, logs in, and lands on the document (leaving the staff page first, so no
    # response still in flight for it can set the staff session again after the clear).
    page.goto("about:blank")
    page.context.clear_cookies()
    page.goto(link)
    assert urlparse(page.url).path == "/accounts/login/"
    page.fill("input[name=email]", "patient@demo.clinic")
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "/portal/consents/requests/" in page.url
    assert page.locator("[data-testid=document-text]").inner_text().startswith("This form explains")
    screenshot("consent-sign-page")

    # Submitting with nothing filled in names each missing piece and signs nothing.
    page.check("#id_accept_electronic_records")
    page.click("[data-testid=sign-submit]")
    page.wait_for_load_state("networkidle")
    assert "read and understood" in page.content()
    assert not ConsentRecord.objects.exists()

    page.check("#id_accept_electronic_records")
    page.check("#id_agree")
    page.fill("#id_typed_name", "  jordan   ELLIS ")
    draw_signature(page)
    screenshot("consent-sign-page-filled")
    page.click("[data-testid=sign-submit]")
    page.wait_for_load_state("networkidle")
    assert "/portal/consents/" in page.url and "requests" not in page.url
    record = ConsentRecord.objects.get(kind__code="kap_treatment")
    m = manifestation.for_record(record)
    shown = page.locator("[data-testid=manifestation]").inner_text()
    assert "Jordan Ellis" in shown and m.signed_at in shown and m.meaning in shown
    assert page.locator("[data-testid=record-state]").inner_text().strip() == "Active"
    screenshot("consent-signed-portal")

    # The signature image really is the drawing: a PNG with ink, recorded with IP and browser.
    assert bytes(record.signature_png).startswith(b"\x89PNG")
    assert record.ip and "Chrome" in record.user_agent

    # The patient downloads the signed PDF.
    with page.expect_download() as download_info:
        page.click("[data-testid=download-pdf]")
    data = open(download_info.value.path(), "rb").read()  # noqa: SIM115
    assert data.startswith(b"%PDF")
    assert data == open(record.pdfs.get().file.path, "rb").read()  # noqa: SIM115 - the stored snapshot
    text = re.sub(r"\s+", " ", "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages))
    assert "Jordan Ellis" in text
    assert "version 1" in text
    assert m.signed_at in text and m.signed_at_iso in text and m.meaning in text
    assert record.text_sha256 in text.replace(" ", "")
    assert re.search(r"Page 1 of \d", text)

    # The staff chart shows the consent active.
    login("nurse@demo.clinic")
    page.goto(f"{live_server.url}/patients/{patient.public_id}/")
    badge = page.locator("[data-testid=consent-status] [data-kind=kap_treatment]")
    assert badge.get_attribute("data-state") == "active"
    assert "Active" in badge.inner_text()
    screenshot("consent-chart-header")

    # A clinician on the care team witnesses it; the witness manifestation appears too.
    badge.click()
    page.wait_for_load_state("networkidle")
    page.click("[data-testid=countersign]")
    page.wait_for_load_state("networkidle")
    blocks = page.locator("[data-testid=manifestation]")
    assert blocks.count() == 2 and "Noah Bennett, RN" in blocks.nth(1).inner_text()
    page.click("[data-testid=verify]")
    page.wait_for_selector("[data-testid=verify-result]")
    assert page.locator("[data-testid=verify-result]").get_attribute("data-status") == "intact"
    screenshot("consent-record-staff")
