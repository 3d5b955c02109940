"""Django admin for the controlled-substance log: view-only (receipts, waste and counts go through the app)."""

from __future__ import annotations

from django.contrib import admin

from sessions_app.common.admin import ViewOnlyAdmin
from sessions_app.inventory.models import InventoryEntry, InventoryLot


@admin.register(InventoryLot)
class InventoryLotAdmin(ViewOnlyAdmin):
    list_display = ("lot_number", "product", "balance", "expires_on", "voided_at")


@admin.register(InventoryEntry)
class InventoryEntryAdmin(ViewOnlyAdmin):
    list_display = ("occurred_at", "lot", "kind", "quantity", "balance_after", "voided_at")
