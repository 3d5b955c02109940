"""Shapes of the controlled-substance log in /api/v1/inventory/: lots, entries, counts, reconciliation."""

from __future__ import annotations

from rest_framework import serializers


class LotSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    product = serializers.CharField()
    medication = serializers.CharField()
    unit = serializers.CharField()
    lot_number = serializers.CharField()
    concentration = serializers.CharField()
    supplier = serializers.CharField()
    invoice_number = serializers.CharField()
    quantity_received = serializers.DecimalField(max_digits=10, decimal_places=2)
    balance = serializers.DecimalField(max_digits=10, decimal_places=2)
    expires_on = serializers.DateField()
    received_at = serializers.DateTimeField()
    received_by = serializers.CharField(source="received_by.full_name")
    voided_at = serializers.DateTimeField(allow_null=True)
    void_reason = serializers.CharField()


class EntrySerializer(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    kind = serializers.CharField()
    quantity = serializers.DecimalField(max_digits=10, decimal_places=2)
    balance_after = serializers.DecimalField(max_digits=10, decimal_places=2)
    occurred_at = serializers.DateTimeField()
    recorded_by = serializers.CharField(source="recorded_by.full_name")
    witness = serializers.CharField(source="witness.full_name", default=None, allow_null=True)
    reason = serializers.CharField()
    patient = serializers.UUIDField(source="patient.public_id", default=None, allow_null=True)
    administration = serializers.UUIDField(source="administration.public_id", default=None, allow_null=True)
    voided_at = serializers.DateTimeField(allow_null=True)
    void_reason = serializers.CharField()


class LotDetailSerializer(LotSerializer):
    entries = EntrySerializer(many=True)


class LotInput(serializers.Serializer):
    product = serializers.CharField()
    lot_number = serializers.CharField(allow_blank=True)
    concentration = serializers.CharField(allow_blank=True)
    supplier = serializers.CharField(allow_blank=True)
    invoice_number = serializers.CharField(allow_blank=True)
    quantity = serializers.CharField()
    expires_on = serializers.DateField()


class WasteInput(serializers.Serializer):
    quantity = serializers.CharField()
    witness = serializers.UUIDField(required=False, allow_null=True, default=None)
    reason = serializers.CharField(allow_blank=True)


class AdjustInput(serializers.Serializer):
    quantity = serializers.CharField()
    reason = serializers.CharField(allow_blank=True)


class CountInput(serializers.Serializer):
    counted_quantity = serializers.CharField()
    witness = serializers.UUIDField(required=False, allow_null=True, default=None)
    note = serializers.CharField(required=False, allow_blank=True, default="")


class CountSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    counted_at = serializers.DateTimeField()
    counted_by = serializers.CharField(source="counted_by.full_name")
    counted_quantity = serializers.DecimalField(max_digits=10, decimal_places=2)
    expected_balance = serializers.DecimalField(max_digits=10, decimal_places=2)
    discrepancy = serializers.DecimalField(max_digits=10, decimal_places=2)


class ReconciliationSerializer(serializers.Serializer):
    lot = LotSerializer()
    ledger_balance = serializers.DecimalField(max_digits=10, decimal_places=2)
    ledger_matches = serializers.BooleanField()
    last_count = CountSerializer(allow_null=True)
    count_discrepancy = serializers.DecimalField(max_digits=10, decimal_places=2, allow_null=True)
    settled = serializers.BooleanField()
    has_discrepancy = serializers.BooleanField()
