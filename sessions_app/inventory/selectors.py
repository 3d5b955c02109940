"""Reads of the controlled-substance log: lots, their entries, the reconciliation, and the lots a
dose may come from. The log is kept by prescribers and nurses (other roles: 403)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet, Sum
from django.http import Http404

from kap_clinic.accounts.models import User
from kap_clinic.accounts.permissions import NURSE_DISCIPLINE, PRESCRIBER_DISCIPLINE, is_active_clinician_of
from kap_clinic.common import clock
from sessions_app.inventory.models import InventoryCount, InventoryEntry, InventoryLot


def usable_lots(medication: str, on: dt.date) -> QuerySet[InventoryLot]:
    """Lots a dose of ``medication`` may come from on ``on``: not voided, not expired, not empty."""
    return InventoryLot.objects.filter(
        medication=medication, voided_at__isnull=True, expires_on__gte=on, balance__gt=0
    ).order_by("expires_on", "lot_number")


def require_log_keeper(user: Any) -> None:
    if not is_active_clinician_of(user, PRESCRIBER_DISCIPLINE, NURSE_DISCIPLINE):
        raise PermissionDenied("The controlled-substance log is kept by prescribers and nurses.")


def log_keepers(*, exclude: Any = None) -> QuerySet[User]:
    """Active prescribers and nurses (the witnesses a waste entry may name), ``exclude`` left out."""
    qs = User.objects.filter(
        is_active=True, role=User.Role.CLINICIAN, discipline__in=[PRESCRIBER_DISCIPLINE, NURSE_DISCIPLINE]
    )
    if exclude is not None:
        qs = qs.exclude(pk=exclude.pk)
    return qs.order_by("full_name")


def lot_list(*, include_empty: bool = True) -> QuerySet[InventoryLot]:
    qs = InventoryLot.objects.select_related("received_by")
    if not include_empty:
        qs = qs.filter(balance__gt=0, voided_at__isnull=True)
    return qs.order_by("medication", "expires_on", "lot_number")


def lot_get_for(*, user: Any, public_id: Any) -> InventoryLot:
    require_log_keeper(user)
    try:
        return InventoryLot.objects.select_related("received_by", "voided_by").get(public_id=public_id)
    except (InventoryLot.DoesNotExist, ValueError, TypeError, ValidationError):
        raise Http404("No lot matches the given query.") from None


def lot_entries(lot: InventoryLot) -> QuerySet[InventoryEntry]:
    return lot.entries.select_related("recorded_by", "witness", "patient", "voided_by", "administration").order_by(
        "occurred_at", "id"
    )


def entry_get_for(*, user: Any, public_id: Any) -> InventoryEntry:
    require_log_keeper(user)
    try:
        return InventoryEntry.objects.select_related("lot").get(public_id=public_id)
    except (InventoryEntry.DoesNotExist, ValueError, TypeError, ValidationError):
        raise Http404("No log entry matches the given query.") from None


@dataclass
class ReconciliationRow:
    lot: InventoryLot
    ledger_balance: Decimal
    last_count: InventoryCount | None
    adjusted_since_count: Decimal = Decimal(0)

    @property
    def ledger_matches(self) -> bool:
        """The running balance equals the sum of the log (it always should; a mismatch means tampering)."""
        return self.ledger_balance == self.lot.balance

    @property
    def count_discrepancy(self) -> Decimal | None:
        """Counted minus what the log expected at the time of the latest count."""
        return None if self.last_count is None else self.last_count.discrepancy

    @property
    def settled(self) -> bool:
        """Adjustments recorded after the count account for its discrepancy."""
        return not self.count_discrepancy or self.adjusted_since_count == self.count_discrepancy

    @property
    def has_discrepancy(self) -> bool:
        return not self.ledger_matches or not self.settled

    @property
    def expired(self) -> bool:
        return self.lot.expires_on < clock.local_today()


def reconciliation_rows() -> list[ReconciliationRow]:
    """Each lot: its balance, what the log adds up to, the latest count and whether adjustments
    since settled its discrepancy. Three queries whatever the number of lots."""
    lots = list(
        InventoryLot.objects.annotate(ledger=Sum("entries__quantity")).order_by(
            "medication", "expires_on", "lot_number"
        )
    )
    latest: dict[int, InventoryCount] = {}
    for count in (
        InventoryCount.objects.filter(lot__in=lots)
        .select_related("counted_by", "witness")
        .order_by("lot_id", "-counted_at", "-id")
    ):
        latest.setdefault(count.lot_id, count)
    adjusted: dict[int, Decimal] = {}
    adjustments = InventoryEntry.objects.filter(
        lot_id__in=list(latest), kind=InventoryEntry.Kind.ADJUSTMENT, voided_at__isnull=True
    ).values_list("lot_id", "quantity", "occurred_at")
    for lot_id, quantity, occurred_at in adjustments:
        if occurred_at >= latest[lot_id].counted_at:
            adjusted[lot_id] = adjusted.get(lot_id, Decimal(0)) + quantity
    return [
        ReconciliationRow(lot, lot.ledger or Decimal(0), latest.get(lot.pk), adjusted.get(lot.pk, Decimal(0)))
        for lot in lots
    ]
