"""/api/v1/inventory/: the controlled-substance log (prescribers and nurses; other roles 403).

Lots and their balances, receiving a lot, waste (witnessed), adjustments, counts, voiding an
entry or an untouched lot, and the reconciliation. Refusals answer 400/409 with
``{"error": {"code", "message", "field"}}`` (``lot_expired``, ``insufficient_balance``, ...)."""

from __future__ import annotations

import uuid

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from kap_clinic.accounts.models import User
from kap_clinic.accounts.permissions import IsClinician
from kap_clinic.common.errors import ValidationFailed
from sessions_app.common.api import ClinicalReasonInput, not_found_response, path_choice, valid_input
from sessions_app.inventory import selectors
from sessions_app.inventory.models import InventoryLot
from sessions_app.inventory.serializers import (
    AdjustInput,
    CountInput,
    EntrySerializer,
    LotDetailSerializer,
    LotInput,
    LotSerializer,
    ReconciliationSerializer,
    WasteInput,
)
from sessions_app.inventory.services import (
    inventory_adjust,
    inventory_count,
    inventory_entry_void,
    inventory_waste,
    lot_receive,
    lot_void,
)


def _witness(public_id: uuid.UUID | None, field: str) -> User | None:
    if public_id is None:
        return None
    user = User.objects.filter(public_id=public_id, role=User.Role.CLINICIAN).first()
    if user is None:
        raise ValidationFailed("No clinician has this id.", field=field)
    return user


class _KeeperApi(APIView):
    permission_classes = [IsClinician]

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        selectors.require_log_keeper(request.user)


def _lot_detail(lot: InventoryLot) -> dict:
    lot.entries_list = list(selectors.lot_entries(lot))
    data = LotSerializer(lot).data
    data["entries"] = EntrySerializer(lot.entries_list, many=True).data
    return data


class LotListApi(_KeeperApi):
    """Lots with their balances (GET), or receive a lot (POST, 201)."""

    @extend_schema(responses=LotSerializer(many=True))
    def get(self, request):
        return Response(LotSerializer(selectors.lot_list(), many=True).data)

    @extend_schema(request=LotInput, responses={201: LotDetailSerializer})
    def post(self, request):
        lot = lot_receive(actor=request.user, **valid_input(LotInput, request))
        return Response(_lot_detail(lot), status=status.HTTP_201_CREATED)


class LotDetailApi(_KeeperApi):
    """One lot with every log entry and its running balance."""

    @extend_schema(responses=LotDetailSerializer)
    def get(self, request, public_id):
        return Response(_lot_detail(selectors.lot_get_for(user=request.user, public_id=public_id)))


class LotActionApi(_KeeperApi):
    """``waste`` (witnessed), ``adjustments`` (prescriber, reason), ``counts``, ``void`` (an untouched lot)."""

    @extend_schema(
        request=WasteInput,
        responses={201: LotDetailSerializer},
        operation_id="v1_inventory_lot_action",
        parameters=[path_choice("action", ["waste", "adjustments", "counts", "void"])],
    )
    def post(self, request, public_id, action):
        lot = selectors.lot_get_for(user=request.user, public_id=public_id)
        if action == "waste":
            data = valid_input(WasteInput, request)
            inventory_waste(
                actor=request.user,
                lot=lot,
                quantity=data["quantity"],
                witness=_witness(data["witness"], "witness"),
                reason=data["reason"],
            )
        elif action == "adjustments":
            inventory_adjust(actor=request.user, lot=lot, **valid_input(AdjustInput, request))
        elif action == "counts":
            data = valid_input(CountInput, request)
            inventory_count(
                actor=request.user,
                lot=lot,
                counted_quantity=data["counted_quantity"],
                witness=_witness(data["witness"], "witness"),
                note=data["note"],
            )
        elif action == "void":
            lot_void(actor=request.user, lot=lot, **valid_input(ClinicalReasonInput, request))
        else:
            return not_found_response("Unknown action.")
        lot.refresh_from_db()
        return Response(_lot_detail(lot), status=status.HTTP_201_CREATED)


class EntryVoidApi(_KeeperApi):
    """Void a receipt, waste or adjustment entered by mistake (writes a reversing entry)."""

    @extend_schema(request=ClinicalReasonInput, responses={201: EntrySerializer})
    def post(self, request, public_id):
        entry = selectors.entry_get_for(user=request.user, public_id=public_id)
        reversal = inventory_entry_void(actor=request.user, entry=entry, **valid_input(ClinicalReasonInput, request))
        return Response(EntrySerializer(reversal).data, status=status.HTTP_201_CREATED)


class ReconciliationApi(_KeeperApi):
    """Each lot's balance, what the log adds up to, the latest count and any discrepancy."""

    @extend_schema(responses=ReconciliationSerializer(many=True))
    def get(self, request):
        return Response(ReconciliationSerializer(selectors.reconciliation_rows(), many=True).data)
