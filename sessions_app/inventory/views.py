"""The controlled-substance log's pages: lots on hand (and receiving one), a lot's log with its
waste / adjust / count / void forms, and the count reconciliation. Prescribers and nurses only.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from kap_clinic.accounts.models import User
from kap_clinic.accounts.permissions import CLINICIAN, PRESCRIBER_DISCIPLINE, is_active_clinician_of, role_required
from kap_clinic.common import clock
from kap_clinic.common.errors import ApplicationError, ValidationFailed
from kap_clinic.idempotency.pages import idempotent_form
from sessions_app.inventory import selectors
from sessions_app.inventory.models import InventoryEntry, InventoryLot, Product
from sessions_app.inventory.services import (
    inventory_adjust,
    inventory_count,
    inventory_entry_void,
    inventory_waste,
    lot_receive,
    lot_void,
)


def _keeper(request: HttpRequest) -> None:
    selectors.require_log_keeper(request.user)


@role_required(CLINICIAN)
@require_http_methods(["GET", "POST"])
@idempotent_form
def inventory(request: HttpRequest) -> HttpResponse:
    """Lots on hand with balances; receiving a new lot."""
    _keeper(request)
    error = None
    status = 200
    if request.method == "POST":
        try:
            lot = lot_receive(
                actor=request.user,
                product=request.POST.get("product", ""),
                lot_number=request.POST.get("lot_number", ""),
                concentration=request.POST.get("concentration", ""),
                supplier=request.POST.get("supplier", ""),
                invoice_number=request.POST.get("invoice_number", ""),
                quantity=request.POST.get("quantity", ""),
                expires_on=_date(request.POST.get("expires_on", "")),
            )
        except ApplicationError as exc:
            error, status = exc, exc.status
        else:
            messages.success(request, f"Lot {lot.lot_number} received.")
            return redirect("sessions_app:inventory_lot", public_id=lot.public_id)
    context = {
        "lots": selectors.lot_list(),
        "products": Product.choices,
        "error": error,
        "posted": request.POST if request.method == "POST" else None,
        "today": clock.local_today(),
    }
    return render(request, "sessions_app/clinical/inventory.html", context, status=status)


def _date(value: str) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ValidationFailed("Use a date like 2027-01-31.", field="expires_on") from None


def _witness(value: str) -> User | None:
    if not value:
        return None
    try:
        return User.objects.get(public_id=value, role=User.Role.CLINICIAN)
    except (User.DoesNotExist, ValueError, ValidationError):
        raise ValidationFailed("Choose a clinician from the list.", field="witness") from None


def _waste(request: HttpRequest, lot: InventoryLot) -> Any:
    return inventory_waste(
        actor=request.user,
        lot=lot,
        quantity=request.POST.get("quantity", ""),
        witness=_witness(request.POST.get("witness", "")),
        reason=request.POST.get("reason", ""),
    )


def _adjust(request: HttpRequest, lot: InventoryLot) -> Any:
    return inventory_adjust(
        actor=request.user, lot=lot, quantity=request.POST.get("quantity", ""), reason=request.POST.get("reason", "")
    )


def _count(request: HttpRequest, lot: InventoryLot) -> Any:
    return inventory_count(
        actor=request.user,
        lot=lot,
        counted_quantity=request.POST.get("counted_quantity", ""),
        witness=_witness(request.POST.get("witness", "")),
        note=request.POST.get("note", ""),
    )


def _void_entry(request: HttpRequest, lot: InventoryLot) -> Any:
    return inventory_entry_void(actor=request.user, entry=_entry(request, lot), reason=request.POST.get("reason", ""))


def _void_lot(request: HttpRequest, lot: InventoryLot) -> Any:
    return lot_void(actor=request.user, lot=lot, reason=request.POST.get("reason", ""))


# The form's ``action`` (and the key of its error on the page) -> the function that records it.
LOT_ACTIONS: dict[str, Callable[[HttpRequest, InventoryLot], Any]] = {
    "waste": _waste,
    "adjust": _adjust,
    "count": _count,
    "void_entry": _void_entry,
    "void_lot": _void_lot,
}


def _entry(request: HttpRequest, lot: InventoryLot) -> InventoryEntry:
    entry = selectors.entry_get_for(user=request.user, public_id=request.POST.get("entry", ""))
    if entry.lot_id != lot.pk:
        raise Http404
    return entry


@role_required(CLINICIAN)
@require_http_methods(["GET", "POST"])
@idempotent_form
def inventory_lot(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """One lot's log (every entry with its running balance) and its waste / adjust / count / void forms."""
    lot = selectors.lot_get_for(user=request.user, public_id=public_id)
    errors: dict[str, Any] = {}
    status = 200
    if request.method == "POST":
        action = request.POST.get("action", "")
        handler = LOT_ACTIONS.get(action)
        if handler is None:
            raise Http404("Unknown action.")
        try:
            handler(request, lot)
        except ApplicationError as exc:
            errors[action], status = exc, exc.status
        else:
            messages.success(request, "Recorded in the log.")
            return redirect("sessions_app:inventory_lot", public_id=lot.public_id)
        lot.refresh_from_db()
    context = {
        "lot": lot,
        "entries": selectors.lot_entries(lot),
        "counts": lot.counts.select_related("counted_by", "witness")[:10],
        "witnesses": list(selectors.log_keepers(exclude=request.user)),
        "errors": errors,
        "posted": request.POST if request.method == "POST" else None,
        "is_prescriber": is_active_clinician_of(request.user, PRESCRIBER_DISCIPLINE),
        "expired": lot.expires_on < clock.local_today(),
    }
    return render(request, "sessions_app/clinical/inventory_lot.html", context, status=status)


@role_required(CLINICIAN)
@require_GET
def inventory_reconciliation(request: HttpRequest) -> HttpResponse:
    """Count/reconciliation: each lot's balance, the log's sum, the latest count and any discrepancy."""
    _keeper(request)
    return render(
        request,
        "sessions_app/clinical/inventory_reconciliation.html",
        {"rows": selectors.reconciliation_rows()},
    )
