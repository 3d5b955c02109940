"""The controlled-substance log: receiving lots, debits for doses, witnessed waste, adjustments,
voids and counts.

Rules (DEA recordkeeping, reliability.md A5; domain.md b.25):
- every change of a lot's balance is a log entry with who, when, how much and the balance after;
- the balance never goes below zero: the lot row is locked (``select_for_update``) while the
  service checks and writes, and a CHECK constraint refuses what slips through;
- an expired or voided lot cannot be used for a dose;
- waste needs a witness who is another clinician; adjustments need a reason;
- nothing is deleted or edited: a mistaken entry is voided (reason), which writes a reversing
  entry; a count is kept next to the balance the log expected, discrepancy included.
Prescribers and nurses keep the log; therapists, admins and patients do not touch it.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from kap_clinic.accounts.models import User
from kap_clinic.accounts.permissions import NURSE_DISCIPLINE, PRESCRIBER_DISCIPLINE, is_active_clinician_of
from kap_clinic.audit.services import audit_record
from kap_clinic.common import clock
from kap_clinic.common.errors import Conflict, PermissionDeniedError, ValidationFailed
from patients.models import Patient
from sessions_app.common.inputs import GateRefused, choice, decimal_number, fmt, text
from sessions_app.inventory.models import (
    PRODUCT_MEDICATION,
    PRODUCT_UNIT,
    InventoryCount,
    InventoryEntry,
    InventoryLot,
    Product,
    Unit,
)


def _require_keeper(actor: Any, what: str) -> None:
    if not is_active_clinician_of(actor, PRESCRIBER_DISCIPLINE, NURSE_DISCIPLINE):
        raise PermissionDeniedError(f"Only a prescriber or nurse may {what}.")


def quantity_label(lot: InventoryLot, quantity: Decimal) -> str:
    unit = "mg" if lot.unit == Unit.MG else ("device" if abs(quantity) == 1 else "devices")
    return f"{fmt(quantity)} {unit}"


def _quantity(value: Any, unit: str, *, field: str = "quantity", label: str = "Quantity") -> Decimal:
    number = decimal_number(value, field=field, label=label)
    if unit == Unit.DEVICE and number != number.to_integral_value():
        raise ValidationFailed(f"{label} counts whole devices.", field=field)
    return number


def _witness(actor: User, witness: User | None) -> User:
    if witness is None:
        raise ValidationFailed("Waste must be witnessed: choose the witnessing clinician.", field="witness")
    if witness.pk == actor.pk:
        raise ValidationFailed("The witness must be someone other than the person recording.", field="witness")
    if not is_active_clinician_of(witness, PRESCRIBER_DISCIPLINE, NURSE_DISCIPLINE):
        raise ValidationFailed("The witness must be an active prescriber or nurse.", field="witness")
    return witness


def _locked(lot: InventoryLot) -> InventoryLot:
    return InventoryLot.objects.select_for_update().get(pk=lot.pk)


def _apply(
    *,
    lot: InventoryLot,
    quantity: Decimal,
    kind: str,
    actor: User,
    at: dt.datetime,
    **fields: Any,
) -> InventoryEntry:
    """Change a *locked* lot's balance by ``quantity`` and write the entry. Refuses a negative balance."""
    if lot.balance + quantity < 0:
        raise GateRefused(
            "insufficient_balance",
            f"Lot {lot.lot_number} has {quantity_label(lot, lot.balance)} left; this needs "
            f"{quantity_label(lot, -quantity)}. The balance cannot go below zero.",
            field="quantity" if kind != InventoryEntry.Kind.ADMINISTRATION else "lot",
        )
    try:
        with transaction.atomic():
            InventoryLot.objects.filter(pk=lot.pk).update(balance=F("balance") + quantity)
            lot.refresh_from_db(fields=["balance"])
            entry = InventoryEntry.objects.create(
                lot=lot,
                kind=kind,
                quantity=quantity,
                balance_after=lot.balance,
                occurred_at=at,
                recorded_by=actor,
                **fields,
            )
    except IntegrityError:
        # The CHECK constraint (balance >= 0) caught a race the lock should have prevented.
        raise GateRefused(
            "insufficient_balance", f"Lot {lot.lot_number} does not have enough left; the balance cannot go below zero."
        ) from None
    return entry


def lot_usability_error(lot: InventoryLot, *, medication: str, on: dt.date) -> GateRefused | None:
    """Why ``lot`` cannot be used for a dose of ``medication`` on ``on`` (None when it can)."""
    if lot.voided_at is not None:
        return GateRefused("lot_voided", f"Lot {lot.lot_number} was voided and cannot be used.", field="lot")
    if lot.medication != medication:
        return GateRefused(
            "lot_wrong_medication",
            f"Lot {lot.lot_number} is {lot.get_product_display()}, not {PRODUCT_MEDICATION_LABELS[medication]}.",
            field="lot",
        )
    if lot.expires_on < on:
        return GateRefused(
            "lot_expired",
            f"Lot {lot.lot_number} expired on {lot.expires_on:%Y-%m-%d}; an expired lot cannot be used.",
            field="lot",
        )
    return None


PRODUCT_MEDICATION_LABELS = {"racemic_ketamine": "racemic ketamine", "esketamine": "esketamine"}


def inventory_debit_for_dose(
    *,
    actor: User,
    lot: InventoryLot,
    quantity: Decimal,
    medication: str,
    patient: Patient,
    at: dt.datetime,
    administration: Any = None,
    device: Any = None,
) -> InventoryEntry:
    """Take a dose from its lot (called inside the dosing service's transaction).

    Refuses a voided, expired or wrong-medication lot and a balance that would go negative.
    """
    locked = _locked(lot)
    error = lot_usability_error(locked, medication=medication, on=clock.to_local(at).date())
    if error is not None:
        raise error
    return _apply(
        lot=locked,
        quantity=-quantity,
        kind=InventoryEntry.Kind.ADMINISTRATION,
        actor=actor,
        at=at,
        patient=patient,
        administration=administration,
        device=device,
    )


def inventory_reverse_dose(*, actor: User, entry: InventoryEntry, reason: str) -> InventoryEntry:
    """Give a voided dose's quantity back to its lot (called by ``administration_void``)."""
    return _void_entry(actor=actor, entry=entry, reason=reason)


@transaction.atomic
def lot_receive(
    *,
    actor: User,
    product: str,
    lot_number: str,
    concentration: str,
    supplier: str,
    invoice_number: str,
    quantity: Any,
    expires_on: dt.date | None,
) -> InventoryLot:
    """Record a lot received from a supplier (it opens with a receipt entry for the quantity)."""
    _require_keeper(actor, "receive controlled substances")
    product = choice(product, field="product", label="a product", choices=Product)
    lot_number = text(lot_number, field="lot_number", label="Lot number", max_length=60, required=True)
    concentration = text(concentration, field="concentration", label="Concentration", max_length=60, required=True)
    supplier = text(supplier, field="supplier", label="Supplier", max_length=120, required=True)
    invoice_number = text(invoice_number, field="invoice_number", label="Invoice number", max_length=60, required=True)
    unit = PRODUCT_UNIT[Product(product)]
    amount = _quantity(quantity, unit, label="Quantity received")
    if amount <= 0:
        raise ValidationFailed("Quantity received must be more than zero.", field="quantity")
    if expires_on is None:
        raise ValidationFailed("Expiry date is required.", field="expires_on")
    if expires_on < clock.local_today():
        raise ValidationFailed("This lot has already expired; do not receive it into stock.", field="expires_on")
    if InventoryLot.objects.filter(product=product, lot_number=lot_number, supplier=supplier).exists():
        raise Conflict(f"Lot {lot_number} from {supplier} is already in the log.", field="lot_number")
    now = timezone.now()
    lot = InventoryLot.objects.create(
        product=product,
        medication=PRODUCT_MEDICATION[Product(product)],
        unit=unit,
        lot_number=lot_number,
        concentration=concentration,
        supplier=supplier,
        invoice_number=invoice_number,
        quantity_received=amount,
        balance=0,
        expires_on=expires_on,
        received_at=now,
        received_by=actor,
    )
    _apply(
        lot=lot,
        quantity=amount,
        kind=InventoryEntry.Kind.RECEIPT,
        actor=actor,
        at=now,
        reason=f"Invoice {invoice_number}",
    )
    lot.refresh_from_db()
    audit_record(
        actor=actor,
        action="inventory.lot_received",
        target=lot,
        changed_fields=["product", "lot_number", "quantity_received", "expires_on", "supplier", "invoice_number"],
    )
    return lot


@transaction.atomic
def inventory_waste(
    *, actor: User, lot: InventoryLot, quantity: Any, witness: User | None, reason: str
) -> InventoryEntry:
    """Record waste (drawn up but not given, broken vial, expired stock destroyed), witnessed."""
    _require_keeper(actor, "record waste")
    locked = _locked(lot)
    amount = _quantity(quantity, locked.unit)
    if amount <= 0:
        raise ValidationFailed("The wasted quantity must be more than zero.", field="quantity")
    witness = _witness(actor, witness)
    reason = text(reason, field="reason", label="A reason (what was wasted and how)", max_length=300, required=True)
    entry = _apply(
        lot=locked,
        quantity=-amount,
        kind=InventoryEntry.Kind.WASTE,
        actor=actor,
        at=timezone.now(),
        witness=witness,
        reason=reason,
    )
    audit_record(actor=actor, action="inventory.wasted", target=entry, changed_fields=["quantity", "witness", "reason"])
    return entry


@transaction.atomic
def inventory_adjust(*, actor: User, lot: InventoryLot, quantity: Any, reason: str) -> InventoryEntry:
    """Correct a lot's balance by a signed quantity (e.g. after a count), with a reason. Prescribers only."""
    if not is_active_clinician_of(actor, PRESCRIBER_DISCIPLINE):
        raise PermissionDeniedError("Only a prescriber may adjust a controlled-substance balance.")
    locked = _locked(lot)
    amount = _quantity(quantity, locked.unit, label="Adjustment")
    if amount == 0:
        raise ValidationFailed("An adjustment of zero changes nothing.", field="quantity")
    reason = text(reason, field="reason", label="A reason for the adjustment", max_length=300, required=True)
    entry = _apply(
        lot=locked, quantity=amount, kind=InventoryEntry.Kind.ADJUSTMENT, actor=actor, at=timezone.now(), reason=reason
    )
    audit_record(actor=actor, action="inventory.adjusted", target=entry, changed_fields=["quantity", "reason"])
    return entry


def _void_entry(*, actor: User, entry: InventoryEntry, reason: str) -> InventoryEntry:
    entry = InventoryEntry.objects.select_for_update().select_related("lot").get(pk=entry.pk)
    if entry.voided_at is not None:
        raise Conflict("This entry is already voided.", field="entry")
    if entry.kind == InventoryEntry.Kind.VOID:
        raise Conflict("A void entry cannot itself be voided; record an adjustment instead.", field="entry")
    reason = text(reason, field="reason", label="A reason for the void", max_length=300, required=True)
    locked = _locked(entry.lot)
    now = timezone.now()
    reversal = _apply(
        lot=locked,
        quantity=-entry.quantity,
        kind=InventoryEntry.Kind.VOID,
        actor=actor,
        at=now,
        reason=reason,
        reverses=entry,
        patient=entry.patient,
        administration=entry.administration,
    )
    InventoryEntry.objects.filter(pk=entry.pk).update(voided_at=now, voided_by=actor, void_reason=reason)
    return reversal


@transaction.atomic
def inventory_entry_void(*, actor: User, entry: InventoryEntry, reason: str) -> InventoryEntry:
    """Void a receipt, waste or adjustment entered by mistake (a dose is voided with its administration)."""
    _require_keeper(actor, "void a log entry")
    if entry.kind == InventoryEntry.Kind.ADMINISTRATION:
        raise Conflict("A dose is voided from its dosing record (void the administration).", field="entry")
    reversal = _void_entry(actor=actor, entry=entry, reason=reason)
    audit_record(
        actor=actor, action="inventory.entry_voided", target=entry, changed_fields=["voided_at", "void_reason"]
    )
    return reversal


@transaction.atomic
def lot_void(*, actor: User, lot: InventoryLot, reason: str) -> InventoryLot:
    """Void a lot entered by mistake: only while nothing has been taken from it."""
    _require_keeper(actor, "void a lot")
    locked = _locked(lot)
    if locked.voided_at is not None:
        raise Conflict("This lot is already voided.", field="lot")
    active = locked.entries.filter(voided_at__isnull=True).exclude(kind=InventoryEntry.Kind.VOID)
    if active.exclude(kind=InventoryEntry.Kind.RECEIPT).exists():
        raise Conflict(
            "Stock has already moved in this lot; correct it with an adjustment instead of voiding it.", field="lot"
        )
    reason = text(reason, field="reason", label="A reason for the void", max_length=300, required=True)
    for receipt in active.filter(kind=InventoryEntry.Kind.RECEIPT):
        _void_entry(actor=actor, entry=receipt, reason=reason)
    InventoryLot.objects.filter(pk=locked.pk).update(voided_at=timezone.now(), voided_by=actor, void_reason=reason)
    locked.refresh_from_db()
    audit_record(actor=actor, action="inventory.lot_voided", target=locked, changed_fields=["voided_at", "void_reason"])
    return locked


@transaction.atomic
def inventory_count(
    *, actor: User, lot: InventoryLot, counted_quantity: Any, witness: User | None = None, note: str = ""
) -> InventoryCount:
    """Record a physical count against the expected balance; a discrepancy is shown until adjusted."""
    _require_keeper(actor, "count controlled substances")
    locked = _locked(lot)
    counted = _quantity(counted_quantity, locked.unit, field="counted_quantity", label="Counted quantity")
    if counted < 0:
        raise ValidationFailed("A count cannot be negative.", field="counted_quantity")
    if witness is not None and witness.pk == actor.pk:
        raise ValidationFailed("The witness must be someone other than the person counting.", field="witness")
    note = text(note, field="note", label="Note", max_length=300)
    count = InventoryCount.objects.create(
        lot=locked,
        counted_at=timezone.now(),
        counted_by=actor,
        witness=witness,
        counted_quantity=counted,
        expected_balance=locked.balance,
        note=note,
    )
    audit_record(actor=actor, action="inventory.counted", target=count, changed_fields=["counted_quantity"])
    return count
