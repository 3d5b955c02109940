"""Django admin: consent data is read-only here. Documents are written in the app (versioned);
signed evidence is never edited by anyone (the database refuses it as well)."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from .models import (
    ConsentCountersignature,
    ConsentDocument,
    ConsentKind,
    ConsentPdf,
    ConsentRecord,
    ConsentRevocation,
    PortalInvitation,
    SigningRequest,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(ConsentKind)
class ConsentKindAdmin(ReadOnlyAdmin):
    list_display = ["code", "name", "meaning", "order", "active"]


@admin.register(ConsentDocument)
class ConsentDocumentAdmin(ReadOnlyAdmin):
    list_display = ["kind", "version", "title", "effective_date", "requires_reconsent", "published_at"]
    list_filter = ["kind"]


@admin.register(ConsentRecord)
class ConsentRecordAdmin(ReadOnlyAdmin):
    list_display = ["public_id", "kind", "document", "signed_at", "signer"]
    list_filter = ["kind"]
    exclude = ["signature_png"]


@admin.register(ConsentCountersignature)
class ConsentCountersignatureAdmin(ReadOnlyAdmin):
    list_display = ["record", "printed_name", "countersigned_at"]


@admin.register(ConsentRevocation)
class ConsentRevocationAdmin(ReadOnlyAdmin):
    list_display = ["record", "revoked_at", "channel"]


@admin.register(ConsentPdf)
class ConsentPdfAdmin(ReadOnlyAdmin):
    list_display = ["record", "stage", "sha256", "rendered_at"]


@admin.register(SigningRequest)
class SigningRequestAdmin(ReadOnlyAdmin):
    list_display = ["public_id", "document", "created_at", "expires_at", "used_at", "cancelled_at"]
    exclude = ["token_hash", "nonce"]


@admin.register(PortalInvitation)
class PortalInvitationAdmin(ReadOnlyAdmin):
    list_display = ["public_id", "created_at", "expires_at", "used_at"]
    exclude = ["token_hash", "nonce"]
