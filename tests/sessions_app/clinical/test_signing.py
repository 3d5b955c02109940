"""Signing with the password, immutability of signed records (service and database), addenda."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from kap_clinic.audit.models import AuditEvent
from kap_clinic.common.errors import Conflict, PermissionDeniedError, ValidationFailed
from sessions_app.clinical.models.dosing import DosingRecord, VitalsReading
from sessions_app.clinical.models.notes import Addendum, PreparationRecord
from sessions_app.clinical.services import notes
from sessions_app.clinical.services.administration import administration_end
from sessions_app.clinical.services.dosing import dosing_confirm
from sessions_app.clinical.services.monitoring import adverse_event_record, observation_record, vitals_alert_acknowledge
from sessions_app.common.inputs import RecordSigned
from sessions_app.common.models import ClinicalRecordDeleteError
from tests.sessions_app.factories import VitalsReadingFactory

from . import helpers
from .test_dosing_gates import give
from .test_monitoring_and_discharge import discharge

pytestmark = pytest.mark.django_db


def completed(personas, ready, clock):
    r = ready()
    give(personas, r)
    clock.advance(minutes=40)
    administration_end(actor=personas.nurse, administration=r.dosing.administrations.get())
    clock.advance(minutes=61)
    discharge(personas, r)
    return r


def test_the_responsible_clinician_signs_after_re_entering_the_password(personas, ready, clock) -> None:
    r = completed(personas, ready, clock)
    assert r.dosing.responsible_clinician == personas.prescriber
    with pytest.raises(PermissionDeniedError):
        notes.record_sign(actor=personas.nurse, record=r.dosing, password=helpers.PASSWORD)
    with pytest.raises(ValidationFailed) as exc:
        notes.record_sign(actor=personas.prescriber, record=r.dosing, password="wrong-password")
    assert exc.value.field == "password"
    assert AuditEvent.objects.filter(action="dosing_record.sign_refused", outcome="denied").exists()
    signed = notes.record_sign(actor=personas.prescriber, record=r.dosing, password=helpers.PASSWORD)
    assert signed.signed_at == clock.now
    assert signed.signed_by == personas.prescriber
    assert AuditEvent.objects.filter(action="dosing_record.signed").exists()
    with pytest.raises(RecordSigned):
        notes.record_sign(actor=personas.prescriber, record=r.dosing, password=helpers.PASSWORD)


def test_a_dosing_record_is_signed_only_after_discharge(personas, ready) -> None:
    r = ready()
    give(personas, r)
    with pytest.raises(Conflict) as exc:
        notes.record_sign(actor=personas.prescriber, record=r.dosing, password=helpers.PASSWORD)
    assert "Discharge the patient" in exc.value.message


def test_a_session_where_no_dose_was_given_can_be_signed(personas, ready) -> None:
    r = ready(vitals={"systolic": 190, "diastolic": 118})
    reading = r.dosing.vitals.get()
    assert reading.alerts == ["sbp_high", "dbp_high"]
    vitals_alert_acknowledge(actor=personas.prescriber, reading=reading, note="Sent home, GP follow-up")
    notes.record_sign(actor=personas.prescriber, record=r.dosing, password=helpers.PASSWORD)


def test_the_services_refuse_any_change_to_a_signed_dosing_record(personas, ready, clock) -> None:
    r = completed(personas, ready, clock)
    notes.record_sign(actor=personas.prescriber, record=r.dosing, password=helpers.PASSWORD)
    with pytest.raises(RecordSigned):
        helpers.full_vitals(personas, r.dosing)
    with pytest.raises(RecordSigned):
        observation_record(actor=personas.nurse, dosing=r.dosing, moaas=5)
    with pytest.raises(RecordSigned):
        adverse_event_record(actor=personas.nurse, dosing=r.dosing, code="nausea", severity="mild", intervention="none")
    with pytest.raises(RecordSigned):
        dosing_confirm(actor=personas.nurse, dosing=r.dosing, item="fasting")


def test_the_database_refuses_a_raw_update_of_a_signed_record(personas, ready, clock) -> None:
    r = completed(personas, ready, clock)
    # Before signing, the row can change.
    DosingRecord.objects.filter(pk=r.dosing.pk).update(escort_phone="555-0199")
    notes.record_sign(actor=personas.prescriber, record=r.dosing, password=helpers.PASSWORD)
    with pytest.raises(DatabaseError), transaction.atomic():
        DosingRecord.objects.filter(pk=r.dosing.pk).update(route="im")
    with pytest.raises(DatabaseError), transaction.atomic():
        VitalsReading.objects.filter(dosing=r.dosing).update(systolic=110)
    with pytest.raises(DatabaseError), transaction.atomic():
        VitalsReadingFactory(dosing=r.dosing, recorded_by=personas.nurse, heart_rate=70)
    r.dosing.refresh_from_db()
    assert r.dosing.route == "iv"


def test_clinical_rows_are_never_deleted(personas, ready, clock) -> None:
    r = completed(personas, ready, clock)
    with pytest.raises(ClinicalRecordDeleteError):
        r.dosing.delete()
    with pytest.raises(ClinicalRecordDeleteError):
        VitalsReading.objects.filter(dosing=r.dosing).delete()
    if connection.vendor == "postgresql":
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("DELETE FROM sessions_app_vitalsreading WHERE dosing_id = %s", [r.dosing.pk])


def test_corrections_to_a_signed_record_are_addenda_with_author_time_and_reason(personas, ready, clock) -> None:
    r = completed(personas, ready, clock)
    notes.record_sign(actor=personas.prescriber, record=r.dosing, password=helpers.PASSWORD)
    with pytest.raises(ValidationFailed) as exc:
        notes.addendum_add(actor=personas.nurse, record=r.dosing, reason="", body="x")
    assert exc.value.field == "reason"
    addendum = notes.addendum_add(
        actor=personas.nurse, record=r.dosing, reason="Late entry", body="Patient reported mild headache at 11:20."
    )
    assert addendum.author == personas.nurse
    assert addendum.created_at == clock.now
    with pytest.raises(PermissionDeniedError):
        notes.addendum_add(actor=personas.outsider, record=r.dosing, reason="x", body="y")
    with pytest.raises(ClinicalRecordDeleteError):
        Addendum.objects.filter(pk=addendum.pk).update(body="changed")
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE sessions_app_addendum SET body = 'changed' WHERE id = %s", [addendum.pk])


def test_a_signed_preparation_cannot_be_edited(personas, ready, book, clinic) -> None:
    from .conftest import MONDAY, local

    ready(prepared=False)
    prep = book(
        local(MONDAY, 9),
        kind="preparation",
        lead_clinician=personas.therapist,
        room=clinic.consult_room,
        allow_past=True,
    )
    record = helpers.sign_preparation(personas, prep)
    with pytest.raises(RecordSigned):
        notes.preparation_save(actor=personas.therapist, session=prep, intentions="changed", readiness="ready")
    with pytest.raises(DatabaseError), transaction.atomic():
        PreparationRecord.objects.filter(pk=record.pk).update(intentions="changed")
