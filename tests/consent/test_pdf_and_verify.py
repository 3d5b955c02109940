"""Signed PDF snapshots: content, stored hash, downloads, and verification (intact / altered)."""

from __future__ import annotations

import io
import re

import pytest
from django.db import connection
from django.urls import reverse
from pypdf import PdfReader

from consent import manifestation, services
from consent.models import ConsentPdf
from consent.tasks import consent_pdf_render_task
from kap_clinic.audit.models import AuditEvent
from kap_clinic.common.errors import Conflict, PermissionDeniedError
from kap_clinic.common.pdf import html_to_pdf, sha256_hex


def pdf_text(data: bytes) -> tuple[str, int]:
    reader = PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() for page in reader.pages), len(reader.pages)


def stored_bytes(pdf: ConsentPdf) -> bytes:
    with pdf.file.open("rb") as handle:
        return handle.read()


def test_the_signed_pdf_holds_name_version_manifestation_hashes_and_page_numbers(personas, signed_record) -> None:
    pdf = signed_record.pdfs.get()
    data = stored_bytes(pdf)
    assert data.startswith(b"%PDF") and pdf.size == len(data)
    assert pdf.sha256 == sha256_hex(data)
    text, pages = pdf_text(data)
    flat = re.sub(r"\s+", " ", text)
    m = manifestation.for_record(signed_record)
    assert "Jordan Ellis" in flat
    assert "version 1" in flat and "kap_treatment v1" in flat
    assert m.signed_at in flat and m.signed_at_iso in flat  # date and time with zone
    assert re.search(r"[+-]\d\d:\d\d", m.signed_at_iso)
    assert m.meaning in flat
    assert signed_record.text_sha256 in flat.replace(" ", "")
    assert signed_record.signature_sha256 in flat.replace(" ", "")
    assert str(signed_record.public_id) in flat
    assert f"Page 1 of {pages}" in flat and f"Page {pages} of {pages}" in flat
    assert "DOB 1987-05-09" in flat  # running footer on every page
    for needle in (
        "nausea",
        "dizziness",
        "blood pressure",
        "dissociation",
        "bladder",
        "dependence",
        "off-label",
        "withdraw",
    ):
        assert needle in flat.lower()


def test_rendering_twice_keeps_the_first_snapshot(signed_record) -> None:
    first = signed_record.pdfs.get()
    again = consent_pdf_render_task(signed_record.id, ConsentPdf.Stage.SIGNED)
    assert again == str(first.public_id)
    assert signed_record.pdfs.count() == 1


def test_a_countersignature_by_the_care_team_adds_a_witnessed_snapshot(
    personas, signed_record, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        services.consent_countersign(actor=personas.nurse, record=signed_record)
    witnessed = signed_record.pdfs.get(stage=ConsentPdf.Stage.COUNTERSIGNED)
    text, _ = pdf_text(stored_bytes(witnessed))
    assert "Noah Bennett, RN" in text and "Countersignature" in text
    assert signed_record.pdfs.count() == 2
    with pytest.raises(Conflict):
        services.consent_countersign(actor=personas.prescriber, record=signed_record)
    assert AuditEvent.objects.filter(action="consent.countersigned", patient_public_id=personas.demo_patient.public_id)


@pytest.mark.parametrize("who", ["outsider", "admin", "patient_user"])
def test_only_a_clinician_on_the_care_team_countersigns(personas, signed_record, who) -> None:
    with pytest.raises(PermissionDeniedError):
        services.consent_countersign(actor=getattr(personas, who), record=signed_record)


def test_a_revoked_consent_cannot_be_countersigned(personas, signed_record) -> None:
    services.consent_revoke(actor=personas.patient_user, record=signed_record)
    with pytest.raises(Conflict):
        services.consent_countersign(actor=personas.prescriber, record=signed_record)


def test_verify_reports_intact_and_is_audited(personas, signed_record) -> None:
    result = services.consent_verify(actor=personas.prescriber, record=signed_record)
    assert result.status == "intact" and result.text_ok and result.signature_ok and result.pdfs[0].ok
    assert AuditEvent.objects.filter(action="consent.verified", target_public_id=str(signed_record.public_id))


def test_altering_the_pdf_bytes_makes_verify_report_altered_and_the_download_is_refused(
    client, personas, signed_record
) -> None:
    pdf = signed_record.pdfs.get()
    data = bytearray(stored_bytes(pdf))
    data[len(data) // 2] ^= 0x01  # one flipped bit
    with open(pdf.file.path, "wb") as handle:
        handle.write(bytes(data))
    result = services.consent_verify(actor=personas.prescriber, record=signed_record)
    assert result.status == "altered" and result.text_ok and not result.pdfs[0].ok
    assert AuditEvent.objects.filter(action="consent.verification_failed").exists()
    client.force_login(personas.patient_user)
    response = client.get(reverse("portal:consent_record_pdf", kwargs={"public_id": signed_record.public_id}))
    assert response.status_code == 409
    assert b"Integrity check failed" in response.content and b"%PDF" not in response.content
    assert AuditEvent.objects.filter(action="consent.integrity_failed").exists()


def test_a_swapped_pdf_is_detected(personas, signed_record, sign) -> None:
    pdf = signed_record.pdfs.get()
    with open(pdf.file.path, "wb") as handle:
        handle.write(html_to_pdf("<p>another patient's consent</p>"))
    assert services.consent_verify(actor=personas.prescriber, record=signed_record).status == "altered"


def test_altering_the_stored_document_text_makes_verify_report_altered(personas, signed_record) -> None:
    document = signed_record.document
    with connection.cursor() as cursor:
        # Someone with database superpowers switches the trigger off first; this test does the same.
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = replica")  # superuser: triggers off
        else:
            cursor.execute("DROP TRIGGER consent_consentdocument_published_immutable")
        cursor.execute(
            "UPDATE consent_consentdocument SET body = %s WHERE id = %s",
            [document.body.replace("nausea", "mild nausea"), document.pk],
        )
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = origin")
    result = services.consent_verify(actor=personas.prescriber, record=signed_record)
    assert result.status == "altered" and not result.text_ok and result.pdfs[0].ok


def test_downloads_serve_the_stored_bytes_and_are_audited(client, personas, signed_record) -> None:
    pdf = signed_record.pdfs.get()
    client.force_login(personas.patient_user)
    first = client.get(reverse("portal:consent_record_pdf", kwargs={"public_id": signed_record.public_id}))
    client.force_login(personas.therapist)
    second = client.get(reverse("consent:record_pdf", kwargs={"public_id": signed_record.public_id}))
    assert first.status_code == second.status_code == 200
    assert first.content == second.content == stored_bytes(pdf)
    assert first["Content-Type"] == "application/pdf" and "attachment" in first["Content-Disposition"]
    assert "no-store" in first["Cache-Control"]
    assert AuditEvent.objects.filter(action="consent.pdf_downloaded", target_public_id=str(pdf.public_id)).count() == 2


def test_the_pdf_renderer_fetches_nothing_from_the_network_or_disk(monkeypatch) -> None:
    import urllib.request

    opened: list[str] = []
    real_open = urllib.request.OpenerDirector.open

    def spy(self, url, *args, **kwargs):  # noqa: ANN001, ANN202
        opened.append(url if isinstance(url, str) else url.full_url)
        return real_open(self, url, *args, **kwargs)

    monkeypatch.setattr(urllib.request.OpenerDirector, "open", spy)
    data = html_to_pdf(
        '<img src="file:///etc/hostname"><img src="http://127.0.0.1:9/x.png">'
        '<link rel="stylesheet" href="http://127.0.0.1:9/x.css"><p>ok</p>'
    )
    text, _ = pdf_text(data)
    assert "ok" in text
    assert not [u for u in opened if not u.startswith("data:")]


def test_the_verify_consents_command_flags_exactly_the_altered_record(personas, signed_record, capsys) -> None:
    from django.core.management import CommandError, call_command

    call_command("verify_consents")
    assert "all intact" in capsys.readouterr().out
    pdf = signed_record.pdfs.get()
    with open(pdf.file.path, "ab") as handle:
        handle.write(b"%tampered")
    with pytest.raises(CommandError, match="1 of 2"):
        call_command("verify_consents")
    assert str(signed_record.public_id) in capsys.readouterr().err
