"""Signing in the portal: what is stored, and every bad input gives a clear error with nothing saved."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from consent import selectors, services
from consent.models import ConsentKind, ConsentRecord, SigningRequest
from consent.signature import encode_png_rgba, generated_signature_png, png_data_url
from kap_clinic.audit.models import AuditEvent
from kap_clinic.common.errors import Conflict, PermissionDeniedError, ValidationFailed

from .conftest import sign_kwargs


def test_a_signature_stores_version_text_hash_name_image_time_ip_agent_and_signer(
    personas, kap_request, signed_record, signature_url
) -> None:
    record = signed_record
    assert record.document == kap_request.document and record.kind.code == "kap_treatment"
    assert record.text_sha256 == kap_request.document.text_sha256
    assert record.typed_name == "Jordan Ellis" and record.printed_name == "Jordan Ellis"
    png = base64.b64decode(signature_url.split(",", 1)[1])
    assert bytes(record.signature_png) == png
    assert record.signature_sha256 == hashlib.sha256(png).hexdigest()
    assert record.ip == "203.0.113.7" and record.user_agent == "pytest-browser/1.0"
    assert record.signer == personas.patient_user
    assert abs((timezone.now() - record.signed_at).total_seconds()) < 60
    assert record.meaning == ConsentKind.objects.get(code="kap_treatment").meaning
    kap_request.refresh_from_db()
    assert kap_request.status == SigningRequest.Status.SIGNED
    assert AuditEvent.objects.filter(action="consent.signed", target_public_id=str(record.public_id)).exists()


def test_the_first_signature_also_records_the_electronic_records_consent(personas, signed_record) -> None:
    ersd = signed_record.electronic_records_record
    assert ersd is not None and ersd.kind.code == ConsentKind.ELECTRONIC_RECORDS
    assert ersd.document == selectors.document_current(ConsentKind.ELECTRONIC_RECORDS)
    assert ersd.ip == "203.0.113.7" and ersd.user_agent == "pytest-browser/1.0"
    assert ersd.signed_at == signed_record.signed_at
    assert selectors.has_active_consent(patient=personas.demo_patient, kind=ConsentKind.ELECTRONIC_RECORDS)


def test_the_disclosure_covers_paper_withdrawal_scope_contact_details_copies_and_requirements(documents) -> None:
    body = documents[ConsentKind.ELECTRONIC_RECORDS].body.lower()
    for topic in ("scope", "right to paper", "paper copies", "how to withdraw", "contact details", "what you need"):
        assert topic in body
    assert "free of charge" in body or "no charge" in body


def test_later_signatures_reuse_the_accepted_electronic_records_consent(personas, signed_record, sign) -> None:
    request = services.consent_request_signature(
        actor=personas.prescriber, patient=personas.demo_patient, kind="telehealth"
    )
    second = sign(request, personas.patient_user, accept_electronic_records=False)
    assert second.electronic_records_record == signed_record.electronic_records_record
    assert ConsentRecord.objects.filter(kind__code="electronic_records").count() == 1


def test_signing_without_accepting_electronic_records_first_is_a_conflict(personas, kap_request, sign) -> None:
    with pytest.raises(Conflict) as exc:
        sign(kap_request, personas.patient_user, accept_electronic_records=False)
    assert exc.value.status == 409 and exc.value.field == "accept_electronic_records"
    assert not ConsentRecord.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"typed_name": ""}, "typed_name", "Type your full legal name"),
        ({"typed_name": "   "}, "typed_name", "Type your full legal name"),
        ({"typed_name": "Jordan Elis"}, "typed_name", "does not match"),
        ({"typed_name": "Jordan"}, "typed_name", "does not match"),
        ({"signature_data_url": ""}, "signature", "draw your signature"),
        ({"agree": False}, "agree", "read and understood"),
        ({"signature_data_url": "data:image/jpeg;base64,/9j/4AAQ"}, "signature", "PNG"),
        ({"signature_data_url": "data:image/png;base64,not base64!!"}, "signature", "base64"),
        (
            {"signature_data_url": "data:image/png;base64," + base64.b64encode(b"GIF89a....").decode()},
            "signature",
            "not a PNG",
        ),
    ],
)
def test_each_bad_input_is_refused_with_a_clear_message_and_nothing_is_saved(
    personas, kap_request, sign, overrides, field, message
) -> None:
    with pytest.raises(ValidationFailed) as exc:
        sign(kap_request, personas.patient_user, **overrides)
    assert exc.value.field == field
    assert message.lower() in exc.value.message.lower()
    assert not ConsentRecord.objects.exists()
    kap_request.refresh_from_db()
    assert kap_request.status == SigningRequest.Status.PENDING


def test_the_typed_name_ignores_case_and_extra_spaces(personas, kap_request, sign) -> None:
    record = sign(kap_request, personas.patient_user, typed_name="  jORDAN    ellis ")
    assert record.typed_name == "jORDAN    ellis"


def test_a_blank_drawing_is_not_a_signature(personas, kap_request, sign) -> None:
    blank = png_data_url(encode_png_rgba(300, 100, bytes(300 * 100 * 4)))
    with pytest.raises(ValidationFailed) as exc:
        sign(kap_request, personas.patient_user, signature_data_url=blank)
    assert exc.value.field == "signature"


def test_an_oversized_or_tiny_or_corrupted_png_is_refused(personas, kap_request, sign) -> None:
    good = generated_signature_png()
    corrupted = good[:40] + bytes([good[40] ^ 0xFF]) + good[41:]
    truncated = good[: len(good) // 2]
    tiny = encode_png_rgba(2, 2, b"\xff" * 16)
    huge = png_data_url(good + b"\x00" * (600 * 1024))
    for bad in (png_data_url(corrupted), png_data_url(truncated), png_data_url(tiny), huge):
        with pytest.raises(ValidationFailed) as exc:
            sign(kap_request, personas.patient_user, signature_data_url=bad)
        assert exc.value.field == "signature"
    assert not ConsentRecord.objects.exists()


def test_a_second_submit_of_the_same_request_is_a_conflict_and_one_record_stays(personas, kap_request, sign) -> None:
    sign(kap_request, personas.patient_user)
    with pytest.raises(Conflict) as exc:
        sign(kap_request, personas.patient_user)
    assert exc.value.status == 409 and "already been signed" in exc.value.message
    assert ConsentRecord.objects.filter(request=kap_request).count() == 1


def test_a_revoked_consent_cannot_be_signed_again_with_the_same_request(personas, kap_request, sign) -> None:
    record = sign(kap_request, personas.patient_user)
    services.consent_revoke(actor=personas.patient_user, record=record)
    with pytest.raises(Conflict) as exc:
        sign(kap_request, personas.patient_user)
    assert "new request" in exc.value.message
    fresh = services.consent_request_signature(
        actor=personas.prescriber, patient=personas.demo_patient, kind="kap_treatment"
    )
    again = sign(fresh, personas.patient_user)
    assert selectors.active_consent_record(patient=personas.demo_patient, kind="kap_treatment") == again


def test_an_expired_or_cancelled_request_cannot_be_signed(personas, kap_request, sign) -> None:
    with time_machine.travel(timezone.now() + dt.timedelta(days=15)), pytest.raises(Conflict) as exc:
        sign(kap_request, personas.patient_user)
    assert "expired" in exc.value.message
    services.consent_request_signature(actor=personas.nurse, patient=personas.demo_patient, kind="kap_treatment")
    with pytest.raises(Conflict):
        sign(kap_request, personas.patient_user)


def test_text_other_than_the_version_shown_is_refused(personas, kap_request, sign) -> None:
    with pytest.raises(Conflict):
        sign(kap_request, personas.patient_user, shown_text_sha256="0" * 64)
    assert not ConsentRecord.objects.exists()


@pytest.mark.parametrize("who", ["prescriber", "admin", "other_patient_user"])
def test_nobody_but_the_patient_can_sign(personas, kap_request, sign, who) -> None:
    with pytest.raises(PermissionDeniedError):
        sign(kap_request, getattr(personas, who))
    assert not ConsentRecord.objects.exists()


# --- The signing page ---------------------------------------------------------------------------


def _form(request, signature_url: str, **overrides) -> dict:
    values = sign_kwargs(request, signature_url)
    data = {
        "agree": "on",
        "typed_name": values["typed_name"],
        "signature": values["signature_data_url"],
        "shown_text_sha256": values["shown_text_sha256"],
        "accept_electronic_records": "on",
        "shown_electronic_records_sha256": values["shown_electronic_records_sha256"],
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_the_signing_page_shows_the_text_and_the_electronic_records_disclosure(client, personas, kap_request) -> None:
    client.force_login(personas.patient_user)
    page = client.get(reverse("portal:consent_sign", kwargs={"public_id": kap_request.public_id}))
    body = page.content.decode()
    assert page.status_code == 200
    assert "How ketamine is given and supervised" in body
    assert 'data-testid="ersd"' in body and "right to paper" in body.lower()
    assert kap_request.document.text_sha256 in body
    assert "signature_pad.umd.min.js" in body and "consent_sign.js" in body


@pytest.mark.parametrize(
    ("overrides", "status", "message"),
    [
        ({"typed_name": ""}, 400, "Type your full legal name"),
        ({"typed_name": "Someone Else"}, 400, "does not match"),
        ({"signature": ""}, 400, "draw your signature"),
        ({"agree": None}, 400, "read and understood"),
        ({"accept_electronic_records": None}, 409, "electronic records"),
    ],
)
def test_the_signing_page_shows_each_error_next_to_its_field(
    client, personas, kap_request, signature_url, overrides, status, message
) -> None:
    client.force_login(personas.patient_user)
    url = reverse("portal:consent_sign", kwargs={"public_id": kap_request.public_id})
    response = client.post(url, _form(kap_request, signature_url, **overrides))
    assert response.status_code == status
    assert message in response.content.decode()
    assert not ConsentRecord.objects.exists()


def test_signing_through_the_page_records_ip_and_agent_and_a_second_post_gets_409(
    client, personas, kap_request, signature_url, django_capture_on_commit_callbacks
) -> None:
    client.force_login(personas.patient_user)
    url = reverse("portal:consent_sign", kwargs={"public_id": kap_request.public_id})
    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(
            url, _form(kap_request, signature_url), HTTP_USER_AGENT="Browser/9", REMOTE_ADDR="198.51.100.4"
        )
    record = ConsentRecord.objects.get(request=kap_request)
    assert first.status_code == 302
    assert first["Location"] == reverse("portal:consent_record", kwargs={"public_id": record.public_id})
    assert record.ip == "198.51.100.4" and record.user_agent == "Browser/9"
    second = client.post(url, _form(kap_request, signature_url))
    assert second.status_code == 409
    assert "already been signed" in second.content.decode()
    assert ConsentRecord.objects.filter(request=kap_request).count() == 1
    # Neither an empty POST nor a malformed one shows the signing form again for a used request.
    for body in ({}, {**_form(kap_request, signature_url), "typed_name": "x" * 500}):
        again = client.post(url, body)
        assert again.status_code == 409 and 'data-testid="link-invalid"' in again.content.decode()
    assert ConsentRecord.objects.filter(request=kap_request).count() == 1


def test_an_empty_or_tampered_post_to_the_signing_page_signs_nothing_and_says_why(
    client, personas, kap_request, signature_url
) -> None:
    client.force_login(personas.patient_user)
    url = reverse("portal:consent_sign", kwargs={"public_id": kap_request.public_id})
    empty = client.post(url, {})
    assert empty.status_code == 409 and "reload" in empty.content.decode()
    tampered = client.post(url, _form(kap_request, signature_url, shown_text_sha256="z" * 500))
    assert tampered.status_code == 409 and "reload" in tampered.content.decode()
    assert not ConsentRecord.objects.exists()


def test_an_over_long_revocation_reason_in_the_portal_is_a_400(client, personas, signed_record) -> None:
    client.force_login(personas.patient_user)
    url = reverse("portal:consent_revoke", kwargs={"public_id": signed_record.public_id})
    response = client.post(url, {"reason": "x" * 2001})
    assert response.status_code == 400 and "at most 2000 characters" in response.content.decode()
    assert not hasattr(type(signed_record).objects.get(pk=signed_record.pk), "revocation")
