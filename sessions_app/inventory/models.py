"""The controlled-substance log (ketamine is Schedule III): lots, a ledger, counts.

Each lot carries its running ``balance`` (mg, or devices for esketamine). Every change to the
balance is an ``InventoryEntry`` written in the same transaction, with ``balance_after``; the
balance can never go below zero (a CHECK constraint, and the service locks the lot row). Entries
are never deleted or edited: a mistaken entry is voided, which writes a reversing entry and
marks the original with who/when/why. Counts record what was on the shelf against the
expected balance; a discrepancy stays visible until an adjustment (with a reason) settles it.
DEA 21 CFR 1304.04 asks for two years of retention; nothing here is ever removed.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from patients.models import Patient
from sessions_app.common.models import NoDeleteModel
from sessions_app.common.vocabulary import Medication


class Product(models.TextChoices):
    KETAMINE_VIAL = "ketamine_vial", "Ketamine HCl injection (vial)"
    KETAMINE_TROCHE = "ketamine_troche", "Ketamine troche / lozenge"
    ESKETAMINE_DEVICE = "esketamine_device", "Esketamine nasal spray (28 mg device)"


class Unit(models.TextChoices):
    MG = "mg", "mg"
    DEVICE = "device", "devices"


PRODUCT_MEDICATION = {
    Product.KETAMINE_VIAL: Medication.RACEMIC_KETAMINE,
    Product.KETAMINE_TROCHE: Medication.RACEMIC_KETAMINE,
    Product.ESKETAMINE_DEVICE: Medication.ESKETAMINE,
}
PRODUCT_UNIT = {
    Product.KETAMINE_VIAL: Unit.MG,
    Product.KETAMINE_TROCHE: Unit.MG,
    Product.ESKETAMINE_DEVICE: Unit.DEVICE,
}


class InventoryLot(NoDeleteModel):
    """One lot received from a supplier, with its running balance."""

    product = models.CharField(max_length=30, choices=Product.choices)
    medication = models.CharField(max_length=20, choices=Medication.choices)
    unit = models.CharField(max_length=10, choices=Unit.choices)
    lot_number = models.CharField(max_length=60)
    concentration = models.CharField(max_length=60, help_text="e.g. 50 mg/mL, 100 mg troche, 28 mg/device")
    supplier = models.CharField(max_length=120)
    invoice_number = models.CharField(max_length=60)
    quantity_received = models.DecimalField(max_digits=10, decimal_places=2)
    balance = models.DecimalField(max_digits=10, decimal_places=2)
    expires_on = models.DateField()
    received_at = models.DateTimeField()
    received_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    voided_at = models.DateTimeField(null=True, blank=True)
    voided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    void_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["expires_on", "lot_number"]
        constraints = [
            # The running balance of a controlled substance can never be negative.
            models.CheckConstraint(name="inventory_lot_balance_not_negative", condition=Q(balance__gte=0)),
            models.CheckConstraint(name="inventory_lot_received_positive", condition=Q(quantity_received__gt=0)),
            models.UniqueConstraint(fields=["product", "lot_number", "supplier"], name="inventory_lot_unique"),
            models.CheckConstraint(
                name="inventory_lot_void_complete",
                condition=Q(voided_at__isnull=True, voided_by__isnull=True, void_reason="")
                | (Q(voided_at__isnull=False, voided_by__isnull=False) & ~Q(void_reason="")),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_product_display()} lot {self.lot_number}"

    @property
    def label(self) -> str:
        return f"Lot {self.lot_number} · {self.concentration} · exp {self.expires_on:%Y-%m-%d}"


class InventoryEntry(NoDeleteModel):
    """One line of the log: a signed change of a lot's balance and the balance after it."""

    class Kind(models.TextChoices):
        RECEIPT = "receipt", "Received"
        ADMINISTRATION = "administration", "Administered"
        WASTE = "waste", "Wasted (witnessed)"
        ADJUSTMENT = "adjustment", "Adjustment"
        VOID = "void", "Void of an earlier entry"

    lot = models.ForeignKey(InventoryLot, on_delete=models.PROTECT, related_name="entries")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    quantity = models.DecimalField(max_digits=10, decimal_places=2, help_text="+ adds to the balance, − takes")
    balance_after = models.DecimalField(max_digits=10, decimal_places=2)
    occurred_at = models.DateTimeField()
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    witness = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField(max_length=300, blank=True)
    patient = models.ForeignKey(Patient, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    administration = models.ForeignKey(
        "sessions_app.Administration", null=True, blank=True, on_delete=models.PROTECT, related_name="inventory_entries"
    )
    device = models.OneToOneField(
        "sessions_app.EsketamineDevice", null=True, blank=True, on_delete=models.PROTECT, related_name="inventory_entry"
    )
    reverses = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT, related_name="reversed_by")
    voided_at = models.DateTimeField(null=True, blank=True)
    voided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    void_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["occurred_at", "id"]
        verbose_name_plural = "inventory entries"
        indexes = [models.Index(fields=["lot", "occurred_at"], name="inventory_entry_lot_time")]
        constraints = [
            models.CheckConstraint(name="inventory_entry_balance_not_negative", condition=Q(balance_after__gte=0)),
            models.CheckConstraint(name="inventory_entry_quantity_not_zero", condition=~Q(quantity=0)),
            models.CheckConstraint(
                name="inventory_waste_witnessed",
                condition=~Q(kind="waste") | (Q(witness__isnull=False) & ~Q(witness=F("recorded_by"))),
            ),
            models.CheckConstraint(
                name="inventory_reason_required",
                condition=~Q(kind__in=["waste", "adjustment", "void"]) | ~Q(reason=""),
            ),
            models.CheckConstraint(
                name="inventory_entry_void_complete",
                condition=Q(voided_at__isnull=True, voided_by__isnull=True, void_reason="")
                | (Q(voided_at__isnull=False, voided_by__isnull=False) & ~Q(void_reason="")),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.quantity} ({self.occurred_at:%Y-%m-%d})"


class InventoryCount(NoDeleteModel):
    """A physical count of a lot against the balance the log expects."""

    lot = models.ForeignKey(InventoryLot, on_delete=models.PROTECT, related_name="counts")
    counted_at = models.DateTimeField()
    counted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    witness = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    counted_quantity = models.DecimalField(max_digits=10, decimal_places=2)
    expected_balance = models.DecimalField(max_digits=10, decimal_places=2)
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-counted_at", "-id"]
        constraints = [
            models.CheckConstraint(name="inventory_count_not_negative", condition=Q(counted_quantity__gte=0)),
        ]

    def __str__(self) -> str:
        return f"Count {self.counted_at:%Y-%m-%d}: {self.counted_quantity}"

    @property
    def discrepancy(self):  # noqa: ANN201 - Decimal
        return self.counted_quantity - self.expected_balance
