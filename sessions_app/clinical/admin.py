"""Django admin for clinical records: read-mostly, and never a way around the rules.

Every clinical record is view-only here: a signed record cannot be changed (the database refuses
anyway), an unsigned one is edited in the app, whose services validate and audit each change,
nothing is ever deleted, and writes that carry clinical rules (doses, vitals, the controlled-substance
log) are not offered here at all. Psychotherapy notes are not registered: only their author reads
them, in the app.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin

from sessions_app.clinical.models.dosing import DosingRecord
from sessions_app.clinical.models.notes import IntegrationRecord, PreparationRecord


class SignedRecordAdmin(admin.ModelAdmin):
    readonly_fields = ("public_id", "patient", "session", "signed_at", "signed_by", "created_at", "updated_at")
    list_display = ("__str__", "patient", "signed_at")
    list_filter = ("signed_at",)

    def has_add_permission(self, request: Any) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False  # edits here would bypass the services' validation and the audit trail


@admin.register(DosingRecord)
class DosingRecordAdmin(SignedRecordAdmin):
    fields = (
        "public_id",
        "session",
        "patient",
        "medication",
        "route",
        "escort_name",
        "escort_phone",
        "signed_at",
        "signed_by",
        "created_at",
        "updated_at",
    )
    readonly_fields = (*SignedRecordAdmin.readonly_fields, "medication", "route")


@admin.register(PreparationRecord)
class PreparationRecordAdmin(SignedRecordAdmin):
    fields = ("public_id", "session", "patient", "readiness", "signed_at", "signed_by", "created_at", "updated_at")


@admin.register(IntegrationRecord)
class IntegrationRecordAdmin(SignedRecordAdmin):
    fields = ("public_id", "session", "patient", "signed_at", "signed_by", "created_at", "updated_at")
