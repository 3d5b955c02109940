"""The audit trail is tamper-evident: someone with database access who edits, inserts or deletes
events (or seals) is caught by the MACs and the seal chain."""

from __future__ import annotations

import contextlib
import datetime as dt
import uuid
from collections.abc import Iterator

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from kap_clinic.audit import integrity
from kap_clinic.audit.integrity import audit_seal, audit_verify
from kap_clinic.audit.models import AuditEvent, AuditSeal
from kap_clinic.audit.services import audit_record
from kap_clinic.common import context

pytestmark = pytest.mark.django_db

SQLITE_TRIGGERS = {
    "audit_auditevent": (
        "audit_event_no_update",
        "CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_auditevent "
        "BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;",
    ),
    "audit_auditseal": (
        "audit_seal_no_update",
        "CREATE TRIGGER audit_seal_no_update BEFORE UPDATE ON audit_auditseal "
        "BEGIN SELECT RAISE(ABORT, 'audit seals are append-only'); END;",
    ),
}


@contextlib.contextmanager
def as_a_dba(table: str) -> Iterator:
    """Lift the append-only trigger the way someone with owner rights on the database could."""
    name, create = SQLITE_TRIGGERS[table]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # ALTER TABLE refuses pending FK checks
            cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER {name}")
            yield cursor
            cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER {name}")
        else:
            cursor.execute(f"DROP TRIGGER {name}")
            yield cursor
            cursor.execute(create)


def make_events(personas, n: int) -> list[AuditEvent]:
    return [
        audit_record(
            actor=personas.prescriber,
            action="patient.viewed",
            target=personas.demo_patient,
            patient=personas.demo_patient,
            changed_fields=["status"] if i % 2 else [],
        )
        for i in range(n)
    ]


def later(minutes: int = 11) -> dt.datetime:
    return timezone.now() + dt.timedelta(minutes=minutes)


def test_every_event_carries_a_mac_of_its_content(personas) -> None:
    token = context.set_current(context.RequestContext(request_id="req-1", ip="2001:DB8:0:0::1"))
    try:
        event = audit_record(actor=personas.nurse, action="patient.updated", patient=personas.demo_patient)
    finally:
        context.reset(token)
    event.refresh_from_db()
    assert len(event.row_mac) == 64
    assert event.row_mac == integrity.stored_event_mac(event)
    report = audit_verify()
    assert report.intact, report.problems
    assert report.events_checked == AuditEvent.objects.count()


def test_events_are_sealed_only_once_they_are_old_enough_and_seals_chain(personas) -> None:
    before = AuditEvent.objects.count()
    make_events(personas, 3)
    assert audit_seal() is None  # nothing ten minutes old yet
    first = audit_seal(now=later())
    assert first.sequence == 1 and first.event_count == before + 3 and first.prev_mac == ""
    make_events(personas, 2)
    assert audit_seal(now=later()) is not None
    second = AuditSeal.objects.get(sequence=2)
    assert second.prev_mac == first.mac
    assert second.first_event_id == first.last_event_id + 1
    assert second.event_count == 2
    assert audit_seal(now=later()) is None  # nothing new
    report = audit_verify()
    assert report.intact, report.problems
    assert (report.seals_checked, report.unsealed_events) == (2, 0)


def test_two_sealers_racing_for_one_number_leave_one_seal(personas) -> None:
    make_events(personas, 2)
    audit_seal(now=later())
    duplicate = AuditSeal(
        sequence=1,
        sealed_at=timezone.now(),
        first_event_id=1,
        last_event_id=1,
        event_count=1,
        events_digest="x",
        mac="y",
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        duplicate.save()
    assert AuditSeal.objects.count() == 1


def test_an_edited_event_is_caught(personas) -> None:
    events = make_events(personas, 3)
    audit_seal(now=later())
    with as_a_dba("audit_auditevent") as cursor:
        cursor.execute("UPDATE audit_auditevent SET action = %s WHERE id = %s", ["patient.listed", events[1].id])
    report = audit_verify()
    assert not report.intact
    assert any(str(events[1].public_id) in p and "does not match its MAC" in p for p in report.problems)
    with pytest.raises(CommandError, match="ALTERED"):
        call_command("verify_audit_trail")


def test_a_deleted_sealed_event_is_caught(personas) -> None:
    events = make_events(personas, 4)
    audit_seal(now=later())
    with as_a_dba("audit_auditevent") as cursor:
        cursor.execute("DELETE FROM audit_auditevent WHERE id = %s", [events[2].id])
    report = audit_verify()
    assert not report.intact
    assert any(p.startswith("seal 1:") and "deleted, added or altered" in p for p in report.problems)


def test_an_event_forged_without_the_key_is_caught(personas) -> None:
    make_events(personas, 1)
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO audit_auditevent (public_id, occurred_at, actor_role, action, outcome, target_type, "
            "target_public_id, changed_fields, request_id, row_mac) VALUES (%s, %s, '', 'patient.viewed', "
            "'success', 'patients.patient', '', '[]', '', %s)",
            [uuid.uuid4().hex if connection.vendor == "sqlite" else str(uuid.uuid4()), timezone.now(), "0" * 64],
        )
    report = audit_verify()
    assert not report.intact
    assert any("does not match its MAC" in p for p in report.problems)


def test_a_removed_seal_breaks_the_chain(personas) -> None:
    make_events(personas, 1)
    audit_seal(now=later())
    make_events(personas, 1)
    audit_seal(now=later(12))
    make_events(personas, 1)
    audit_seal(now=later(13))
    with as_a_dba("audit_auditseal") as cursor:
        cursor.execute("DELETE FROM audit_auditseal WHERE sequence = 2")
    report = audit_verify()
    assert not report.intact
    assert any("seal 3" in p and ("missing" in p or "chain broken" in p) for p in report.problems)


def test_the_command_says_intact_and_seals_on_request(personas, capsys) -> None:
    make_events(personas, 2)
    call_command("verify_audit_trail", "--seal")
    out = capsys.readouterr().out
    assert "Audit trail intact." in out
    assert "recent events not sealed yet" in out


def test_seals_are_append_only(personas) -> None:
    make_events(personas, 1)
    seal = audit_seal(now=later())
    with pytest.raises(PermissionError):
        seal.save()
    with pytest.raises(PermissionError):
        AuditSeal.objects.filter(pk=seal.pk).update(mac="0" * 64)
    with pytest.raises(PermissionError):
        seal.delete()


def test_the_nightly_check_is_audited_and_a_failure_reaches_the_admins_dashboard(personas, client_for) -> None:
    from kap_clinic.audit.tasks import audit_verify_task

    events = make_events(personas, 2)
    assert audit_verify_task.apply().get() is True
    assert AuditEvent.objects.filter(action="audit_trail.verified").exists()
    admin = client_for(personas.admin)
    assert b"dashboard-audit-altered" not in admin.get("/dashboard/").content
    with as_a_dba("audit_auditevent") as cursor:
        cursor.execute("UPDATE audit_auditevent SET actor_role = %s WHERE id = %s", ["admin", events[0].id])
    assert audit_verify_task.apply().get() is False
    altered = AuditEvent.objects.get(action="audit_trail.altered")
    assert altered.outcome == "denied"
    page = admin.get("/dashboard/").content.decode()
    assert "dashboard-audit-altered" in page and "verify_audit_trail" in page
    assert "dashboard-audit-altered" not in client_for(personas.nurse).get("/dashboard/").content.decode()


def test_verify_audit_chain_is_the_same_check(personas) -> None:
    make_events(personas, 1)
    call_command("verify_audit_chain")
    with as_a_dba("audit_auditevent") as cursor:
        cursor.execute("DELETE FROM audit_auditevent")
        cursor.execute(
            "INSERT INTO audit_auditevent (public_id, occurred_at, actor_role, action, outcome, target_type, "
            "target_public_id, changed_fields, request_id, row_mac) VALUES (%s, %s, '', 'x', 'success', 't', '', "
            "'[]', '', NULL)",
            [uuid.uuid4().hex if connection.vendor == "sqlite" else str(uuid.uuid4()), timezone.now()],
        )
    with pytest.raises(CommandError):
        call_command("verify_audit_chain")
