"""The controlled-substance log: receipts, debits, witnessed waste, adjustments, voids, counts."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from kap_clinic.audit.models import AuditEvent
from kap_clinic.common.errors import Conflict, PermissionDeniedError, ValidationFailed
from sessions_app.common.inputs import GateRefused
from sessions_app.inventory.models import InventoryEntry, InventoryLot
from sessions_app.inventory.selectors import reconciliation_rows
from sessions_app.inventory.services import (
    inventory_adjust,
    inventory_count,
    inventory_entry_void,
    inventory_waste,
    lot_receive,
    lot_void,
)
from tests.sessions_app.clinical import helpers

pytestmark = pytest.mark.django_db


def test_receiving_a_lot_opens_its_log_with_the_quantity(personas, clock) -> None:
    lot = helpers.receive_lot(personas.nurse, quantity="500")
    assert lot.balance == 500
    assert lot.medication == "racemic_ketamine"
    assert lot.unit == "mg"
    entry = lot.entries.get()
    assert (entry.kind, entry.quantity, entry.balance_after, entry.recorded_by) == ("receipt", 500, 500, personas.nurse)
    assert AuditEvent.objects.filter(action="inventory.lot_received").exists()


def test_receiving_is_refused_for_expired_stock_duplicates_and_people_who_do_not_keep_the_log(personas, clock) -> None:
    with pytest.raises(ValidationFailed) as exc:
        lot_receive(
            actor=personas.nurse,
            product="ketamine_vial",
            lot_number="X",
            concentration="50 mg/mL",
            supplier="S",
            invoice_number="I",
            quantity="100",
            expires_on=timezone.localdate() - dt.timedelta(days=1),
        )
    assert exc.value.field == "expires_on"
    helpers.receive_lot(personas.nurse, lot_number="DUP")
    with pytest.raises(Conflict):
        helpers.receive_lot(personas.nurse, lot_number="DUP")
    for person in (personas.therapist, personas.admin, personas.patient_user):
        with pytest.raises(PermissionDeniedError):
            helpers.receive_lot(person, lot_number="Z")
    with pytest.raises(ValidationFailed) as exc:
        helpers.receive_lot(personas.nurse, product="esketamine_device", lot_number="E", quantity="2.5")
    assert "whole devices" in exc.value.message


def test_waste_needs_another_clinician_as_witness_and_a_reason(personas, clock) -> None:
    lot = helpers.receive_lot(personas.nurse)
    with pytest.raises(ValidationFailed) as exc:
        inventory_waste(actor=personas.nurse, lot=lot, quantity="15", witness=None, reason="Drawn, not given")
    assert exc.value.field == "witness"
    with pytest.raises(ValidationFailed):
        inventory_waste(actor=personas.nurse, lot=lot, quantity="15", witness=personas.nurse, reason="x")
    with pytest.raises(ValidationFailed):
        inventory_waste(actor=personas.nurse, lot=lot, quantity="15", witness=personas.therapist, reason="x")
    entry = inventory_waste(
        actor=personas.nurse, lot=lot, quantity="15", witness=personas.prescriber, reason="Drawn up, not given"
    )
    assert (entry.quantity, entry.balance_after, entry.witness) == (-15, 485, personas.prescriber)


def test_the_balance_can_never_go_below_zero(personas, clock) -> None:
    lot = helpers.receive_lot(personas.nurse, quantity="20")
    with pytest.raises(GateRefused) as exc:
        inventory_waste(actor=personas.nurse, lot=lot, quantity="25", witness=personas.prescriber, reason="Broken")
    assert exc.value.code == "insufficient_balance"
    assert "has 20 mg left; this needs 25 mg" in exc.value.message
    with pytest.raises(GateRefused):
        inventory_adjust(actor=personas.prescriber, lot=lot, quantity="-21", reason="Count")
    lot.refresh_from_db()
    assert lot.balance == 20
    # The database constraint holds even when the service is bypassed.
    with pytest.raises(IntegrityError), transaction.atomic():
        InventoryLot.objects.filter(pk=lot.pk).update(balance=Decimal("-1"))


def test_adjustments_are_for_prescribers_with_a_reason(personas, clock) -> None:
    lot = helpers.receive_lot(personas.nurse)
    with pytest.raises(PermissionDeniedError):
        inventory_adjust(actor=personas.nurse, lot=lot, quantity="-5", reason="Count")
    with pytest.raises(ValidationFailed) as exc:
        inventory_adjust(actor=personas.prescriber, lot=lot, quantity="-5", reason="")
    assert exc.value.field == "reason"
    entry = inventory_adjust(actor=personas.prescriber, lot=lot, quantity="-5", reason="Spillage found at count")
    assert entry.balance_after == 495


def test_entries_are_voided_never_deleted(personas, clock) -> None:
    lot = helpers.receive_lot(personas.nurse)
    waste = inventory_waste(actor=personas.nurse, lot=lot, quantity="10", witness=personas.prescriber, reason="x")
    reversal = inventory_entry_void(actor=personas.nurse, entry=waste, reason="Recorded on the wrong lot")
    waste.refresh_from_db()
    assert waste.voided_at is not None and waste.void_reason == "Recorded on the wrong lot"
    assert (reversal.kind, reversal.quantity, reversal.balance_after) == ("void", 10, 500)
    with pytest.raises(Conflict):
        inventory_entry_void(actor=personas.nurse, entry=waste, reason="again")
    with pytest.raises(PermissionError):
        InventoryEntry.objects.filter(pk=waste.pk).delete()
    assert InventoryEntry.objects.filter(lot=lot).count() == 3


def test_a_lot_entered_by_mistake_is_voided_while_untouched(personas, clock) -> None:
    lot = helpers.receive_lot(personas.nurse)
    voided = lot_void(actor=personas.nurse, lot=lot, reason="Typed the wrong lot number")
    assert voided.voided_at is not None
    assert voided.balance == 0
    used = helpers.receive_lot(personas.nurse, lot_number="USED")
    inventory_waste(actor=personas.nurse, lot=used, quantity="1", witness=personas.prescriber, reason="x")
    with pytest.raises(Conflict):
        lot_void(actor=personas.nurse, lot=used, reason="x")


def test_a_count_shows_its_discrepancy_on_the_reconciliation(personas, clock) -> None:
    lot = helpers.receive_lot(personas.nurse)
    inventory_waste(actor=personas.nurse, lot=lot, quantity="10", witness=personas.prescriber, reason="x")
    count = inventory_count(actor=personas.nurse, lot=lot, counted_quantity="480", witness=personas.prescriber)
    assert count.expected_balance == 490
    assert count.discrepancy == -10
    rows = {row.lot.pk: row for row in reconciliation_rows()}
    assert rows[lot.pk].count_discrepancy == -10
    assert rows[lot.pk].ledger_matches
    assert rows[lot.pk].has_discrepancy
    clock.advance(minutes=5)
    inventory_adjust(actor=personas.prescriber, lot=lot, quantity="-10", reason="Count of 2026-03-02")
    rows = {row.lot.pk: row for row in reconciliation_rows()}
    assert rows[lot.pk].settled and not rows[lot.pk].has_discrepancy
    inventory_count(actor=personas.nurse, lot=lot, counted_quantity="480")
    rows = {row.lot.pk: row for row in reconciliation_rows()}
    assert rows[lot.pk].count_discrepancy == 0
    assert not rows[lot.pk].has_discrepancy
