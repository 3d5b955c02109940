"""Nobody edits or deletes the audit trail: not the model, not a queryset, not the Django admin, not raw SQL."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.db import DatabaseError, connection, transaction

from kap_clinic.accounts.models import User
from kap_clinic.audit.models import AuditEvent
from kap_clinic.audit.services import audit_record

pytestmark = pytest.mark.django_db


@pytest.fixture
def event(personas) -> AuditEvent:
    return audit_record(
        actor=personas.prescriber,
        action="patient.viewed",
        target=personas.demo_patient,
        patient=personas.demo_patient,
    )


@pytest.fixture
def superuser(db) -> User:
    return User.objects.create_superuser("root@demo.clinic", "Root-Password-2026", full_name="Root User")


def test_audit_record_writes_who_what_and_when(event, personas) -> None:
    stored = AuditEvent.objects.get(pk=event.pk)
    assert stored.actor == personas.prescriber
    assert stored.actor_role == "clinician:prescriber"
    assert stored.target_type == "patients.patient"
    assert stored.patient_public_id == personas.demo_patient.public_id
    assert stored.occurred_at is not None


def test_the_role_is_a_snapshot_that_survives_a_later_role_change(event, personas) -> None:
    personas.prescriber.discipline = "nurse"
    personas.prescriber.save()
    assert AuditEvent.objects.get(pk=event.pk).actor_role == "clinician:prescriber"


def test_a_system_job_is_recorded_without_an_actor(personas) -> None:
    system_event = audit_record(actor=None, action="reminder.sent", target_type="x", target_public_id="abc")
    assert system_event.actor is None
    assert system_event.actor_role == "system"


def test_only_field_names_are_recorded_sorted_and_once(personas) -> None:
    e = audit_record(actor=personas.nurse, action="vitals.recorded", changed_fields=["spo2", "bp", "spo2"])
    assert e.changed_fields == ["bp", "spo2"]


def test_saving_a_changed_event_is_refused(event) -> None:
    event.action = "patient.nothing_to_see"
    with pytest.raises(PermissionError):
        event.save()
    assert AuditEvent.objects.get(pk=event.pk).action == "patient.viewed"


def test_deleting_an_event_is_refused(event) -> None:
    with pytest.raises(PermissionError):
        event.delete()
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_updating_through_a_queryset_is_refused(event) -> None:
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(pk=event.pk).update(action="patient.nothing_to_see")
    with pytest.raises(PermissionError):
        AuditEvent.objects.all().update(ip=None)
    assert AuditEvent.objects.get(pk=event.pk).action == "patient.viewed"


def test_deleting_through_a_queryset_is_refused(event) -> None:
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(pk=event.pk).delete()
    with pytest.raises(PermissionError):
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.count() == 1


def test_bulk_update_is_refused(event) -> None:
    event.action = "patient.nothing_to_see"
    with pytest.raises(PermissionError):
        AuditEvent.objects.bulk_update([event], ["action"])
    assert AuditEvent.objects.get(pk=event.pk).action == "patient.viewed"


def test_an_actor_with_audit_events_cannot_be_deleted(event, personas) -> None:
    with pytest.raises(DatabaseError), transaction.atomic():
        personas.prescriber.delete()
    assert AuditEvent.objects.filter(pk=event.pk, actor=personas.prescriber).exists()


def test_a_raw_sql_update_is_refused_by_the_database(event) -> None:
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditevent SET action = %s WHERE id = %s", ["patient.nothing_to_see", event.pk])
    assert AuditEvent.objects.get(pk=event.pk).action == "patient.viewed"


def test_a_raw_sql_delete_is_refused_by_postgresql(event) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("SQLite keeps SQL DELETE possible for the test runner's flush (see migration 0002)")
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditevent WHERE id = %s", [event.pk])
    assert AuditEvent.objects.filter(pk=event.pk).exists()


class TestDjangoAdmin:
    def test_the_admin_registers_audit_events_read_only(self, rf, superuser) -> None:
        model_admin = admin.site._registry[AuditEvent]
        request = rf.get("/")
        request.user = superuser
        assert model_admin.has_view_permission(request)
        assert not model_admin.has_add_permission(request)
        assert not model_admin.has_change_permission(request)
        assert not model_admin.has_delete_permission(request)
        assert "delete_selected" not in model_admin.get_actions(request)

    def test_a_superuser_can_look_but_not_change_or_delete(self, client, superuser, event) -> None:
        client.force_login(superuser)
        base = f"/django-admin/audit/auditevent/{event.pk}"
        assert client.get("/django-admin/audit/auditevent/").status_code == 200
        page = client.get(f"{base}/change/")
        assert page.status_code == 200
        assert 'name="_save"' not in page.content.decode()
        assert client.post(f"{base}/change/", {"action": "x"}).status_code == 403
        assert client.get(f"{base}/delete/").status_code == 403
        assert client.post(f"{base}/delete/", {"post": "yes"}).status_code == 403
        assert client.get("/django-admin/audit/auditevent/add/").status_code == 403
        bulk = {"action": "delete_selected", "_selected_action": [event.pk], "post": "yes"}
        client.post("/django-admin/audit/auditevent/", bulk)
        assert AuditEvent.objects.get(pk=event.pk).action == "patient.viewed"

    def test_practice_admins_without_django_admin_access_are_kept_out(self, client, personas) -> None:
        client.force_login(personas.admin)
        response = client.get("/django-admin/audit/auditevent/")
        assert response.status_code == 302
        assert "/django-admin/login/" in response["Location"]
