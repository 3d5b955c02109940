"""Consent documents: versions, drafts, publication, immutability, safe Markdown."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import DatabaseError, connection, transaction

from consent import selectors, services, text
from consent.models import ConsentDocument, ConsentKind, ImmutableRowError, SigningRequest
from kap_clinic.audit.models import AuditEvent
from kap_clinic.common.errors import Conflict, PermissionDeniedError, ValidationFailed
from patients.models import Patient

EFFECTIVE = dt.date(2026, 3, 1)


def _draft(personas, code="telehealth", **extra):
    values = {"title": "Telehealth v2", "body": "# Video visits\n\nNew text.", "effective_date": EFFECTIVE}
    values.update(extra)
    return services.consent_document_create(actor=personas.admin, kind=ConsentKind.objects.get(code=code), **values)


def test_the_data_migration_ships_the_six_consent_kinds(db) -> None:
    codes = set(ConsentKind.objects.values_list("code", flat=True))
    assert codes == {
        "kap_treatment",
        "esketamine_treatment",
        "telehealth",
        "session_recording",
        "release_of_information",
        "electronic_records",
    }
    assert all(ConsentKind.objects.values_list("meaning", flat=True))


def test_a_new_version_gets_the_next_number_and_starts_as_a_draft(personas, documents) -> None:
    draft = _draft(personas)
    assert draft.version == 2
    assert not draft.is_published
    assert selectors.document_current("telehealth") == documents["telehealth"]
    assert AuditEvent.objects.filter(action="consent.document_created", target_public_id=str(draft.public_id)).exists()


def test_a_kind_has_one_draft_at_a_time(personas, documents) -> None:
    _draft(personas)
    with pytest.raises(Conflict):
        _draft(personas)


def test_only_admins_write_documents(personas, documents) -> None:
    kind = ConsentKind.objects.get(code="telehealth")
    for user in (personas.prescriber, personas.nurse, personas.patient_user):
        with pytest.raises(PermissionDeniedError):
            services.consent_document_create(actor=user, kind=kind, title="x", body="y", effective_date=EFFECTIVE)


@pytest.mark.parametrize(
    ("field", "values"),
    [
        ("title", {"title": "   "}),
        ("body", {"body": ""}),
        ("effective_date", {"effective_date": None}),
        ("title", {"title": "x" * 201}),
    ],
)
def test_bad_document_input_names_the_field(personas, documents, field, values) -> None:
    with pytest.raises(ValidationFailed) as exc:
        _draft(personas, **values)
    assert exc.value.field == field
    assert not ConsentDocument.objects.filter(kind__code="telehealth", version=2).exists()


def test_a_draft_can_be_edited_and_then_published(personas, documents) -> None:
    draft = _draft(personas)
    services.consent_document_update(
        actor=personas.admin,
        document=draft,
        title="Telehealth v2b",
        body="Changed.",
        effective_date=EFFECTIVE,
        requires_reconsent=False,
    )
    published = services.consent_document_publish(actor=personas.admin, document=draft)
    assert published.is_published
    assert published.text_sha256 == text.text_sha256(title="Telehealth v2b", body="Changed.")
    assert selectors.document_current("telehealth") == published


def test_a_published_version_cannot_be_edited_through_the_service(personas, documents) -> None:
    with pytest.raises(Conflict):
        services.consent_document_update(
            actor=personas.admin,
            document=documents["kap_treatment"],
            title="Edited",
            body="Edited",
            effective_date=EFFECTIVE,
            requires_reconsent=False,
        )
    with pytest.raises(Conflict):
        services.consent_document_publish(actor=personas.admin, document=documents["kap_treatment"])


def test_a_published_version_cannot_be_saved_or_deleted_through_the_model(personas, documents) -> None:
    document = documents["kap_treatment"]
    document.body = "Tampered"
    with pytest.raises(ImmutableRowError):
        document.save()
    with pytest.raises(ImmutableRowError):
        document.delete()
    with pytest.raises(ImmutableRowError):
        ConsentDocument.objects.filter(pk=document.pk).delete()


def test_the_database_refuses_an_update_of_a_published_version(personas, documents) -> None:
    document = documents["kap_treatment"]
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE consent_consentdocument SET body = %s WHERE id = %s", ["Tampered", document.pk])
    document.refresh_from_db()
    assert "Tampered" not in document.body


def test_the_database_still_lets_a_draft_change(personas, documents) -> None:
    draft = _draft(personas)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE consent_consentdocument SET title = %s WHERE id = %s", ["Renamed", draft.pk])
    draft.refresh_from_db()
    assert draft.title == "Renamed"


def test_markdown_is_rendered_and_raw_html_and_scripts_are_removed() -> None:
    html = text.render_markdown(
        "# Title\n\n**bold** <script>alert(1)</script> <img src=x onerror=alert(1)> "
        "[ok](https://example.org) [bad](javascript:alert(1))"
    )
    assert "<h1>Title</h1>" in html
    assert "<strong>bold</strong>" in html
    assert "<script" not in html and "onerror" not in html and "<img" not in html
    assert 'href="https://example.org"' in html
    assert "javascript:" not in html


def test_the_text_hash_ignores_line_ending_style_but_not_wording() -> None:
    a = text.text_sha256(title="T", body="one\r\ntwo")
    assert a == text.text_sha256(title="T", body="one\ntwo")
    assert a != text.text_sha256(title="T", body="one\ntwo!")


def test_publishing_a_reconsent_version_asks_every_patient_in_treatment_to_sign(
    personas, documents, django_capture_on_commit_callbacks, mailoutbox
) -> None:
    # other_patient (not in treatment) has a pending request for version 1 from their own clinician.
    referred = services.consent_request_signature(
        actor=personas.outsider, patient=personas.other_patient, kind="kap_treatment"
    )
    draft = _draft(personas, code="kap_treatment", title="KAP consent v2", body="New risks.", requires_reconsent=True)
    with django_capture_on_commit_callbacks(execute=True):
        services.consent_document_publish(actor=personas.admin, document=draft)
    in_treatment = set(Patient.objects.filter(status=Patient.Status.IN_TREATMENT).values_list("pk", flat=True))
    new_requests = SigningRequest.objects.filter(document=draft)
    assert set(new_requests.values_list("patient_id", flat=True)) == in_treatment
    assert all(r.reason == "reconsent" for r in new_requests)
    referred.refresh_from_db()
    assert referred.cancelled_at is not None  # it asked for the superseded version
    assert len(mailoutbox) >= 1
