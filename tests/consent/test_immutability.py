"""A signed record cannot be changed or deleted: not by the models, the API, the admin, or raw SQL
(PostgreSQL triggers; SQLite triggers that only a whole-database flush gets past)."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from consent import services
from consent.models import ConsentCountersignature, ConsentPdf, ConsentRecord, ImmutableRowError


def test_the_model_refuses_to_save_or_delete_a_signed_record(signed_record) -> None:
    signed_record.typed_name = "Someone Else"
    with pytest.raises(ImmutableRowError):
        signed_record.save()
    with pytest.raises(ImmutableRowError):
        signed_record.delete()
    with pytest.raises(ImmutableRowError):
        ConsentRecord.objects.filter(pk=signed_record.pk).update(typed_name="x")
    with pytest.raises(ImmutableRowError):
        ConsentRecord.objects.filter(pk=signed_record.pk).delete()
    with pytest.raises(ImmutableRowError):
        ConsentPdf.objects.all().delete()


@pytest.mark.parametrize(
    ("table", "column", "value"),
    [
        ("consent_consentrecord", "typed_name", "Someone Else"),
        ("consent_consentrecord", "signed_at", "2020-01-01 00:00:00"),
        ("consent_consentrecord", "text_sha256", "0" * 64),
        ("consent_consentpdf", "sha256", "0" * 64),
    ],
)
def test_the_database_refuses_an_update_of_signed_evidence(signed_record, table, column, value) -> None:
    with pytest.raises(DatabaseError, match="immutable"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET {column} = %s", [value])  # noqa: S608 - fixed test identifiers
    signed_record.refresh_from_db()
    assert signed_record.typed_name == "Jordan Ellis"


def test_the_database_refuses_an_update_of_a_countersignature_or_revocation(personas, signed_record) -> None:
    services.consent_countersign(actor=personas.prescriber, record=signed_record)
    services.consent_revoke(actor=personas.patient_user, record=signed_record)
    for table, column in (("consent_consentcountersignature", "printed_name"), ("consent_consentrevocation", "reason")):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"UPDATE {table} SET {column} = %s", ["forged"])  # noqa: S608
    assert ConsentCountersignature.objects.get().printed_name.startswith("Dr. Priya Raman")


def test_the_database_refuses_a_delete_of_signed_evidence(personas, signed_record) -> None:
    services.consent_countersign(actor=personas.prescriber, record=signed_record)
    services.consent_revoke(actor=personas.patient_user, record=signed_record)
    tables = (
        "consent_consentpdf",
        "consent_consentcountersignature",
        "consent_consentrevocation",
        "consent_consentrecord",
    )
    for table in tables:
        with pytest.raises(DatabaseError, match="immutable"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {table}")  # noqa: S608
    with pytest.raises(DatabaseError, match="immutable"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM consent_consentdocument WHERE id = %s", [signed_record.document_id])
    assert ConsentRecord.objects.filter(pk=signed_record.pk).exists()
    assert ConsentPdf.objects.filter(record=signed_record).exists()
    assert ConsentCountersignature.objects.filter(record=signed_record).exists()


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the SQLite guard; PostgreSQL's flush is a TRUNCATE")
def test_on_sqlite_only_a_whole_database_flush_gets_past_the_delete_guard(signed_record) -> None:
    from consent.dbguard import evidence_delete_allowed

    with evidence_delete_allowed(), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM consent_consentpdf")
        transaction.set_rollback(True)  # only proving the trigger lets the flush's DELETE through
    assert ConsentPdf.objects.filter(record=signed_record).exists()


def test_the_api_refuses_put_patch_and_delete_of_a_signed_record(personas, api_for, signed_record) -> None:
    api = api_for(personas.prescriber)
    url = reverse(
        "api:patient_consent_detail",
        kwargs={"public_id": personas.demo_patient.public_id, "record_id": signed_record.public_id},
    )
    for method in ("put", "patch", "delete"):
        response = getattr(api, method)(url, {"typed_name": "x"}, format="json")
        assert response.status_code == 405, method
        assert response.json()["error"]["code"] == "immutable"
    assert ConsentRecord.objects.get(pk=signed_record.pk).typed_name == "Jordan Ellis"


def test_the_django_admin_shows_signed_records_read_only(client, personas, signed_record) -> None:
    from kap_clinic.accounts.models import User

    superuser = User.objects.create_superuser("root@demo.clinic", "Root-pass-2026", full_name="Root")
    client.force_login(superuser)
    change = reverse("admin:consent_consentrecord_change", args=[signed_record.pk])
    page = client.get(change)
    assert page.status_code == 200
    assert b'name="_save"' not in page.content
    assert client.post(change, {"typed_name": "Forged"}).status_code == 403
    delete = reverse("admin:consent_consentrecord_delete", args=[signed_record.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert client.get(reverse("admin:consent_consentrecord_add")).status_code == 403
    assert ConsentRecord.objects.get(pk=signed_record.pk).typed_name == "Jordan Ellis"
