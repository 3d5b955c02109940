"""Consent workflows (every write). Split by topic; import from here."""

from __future__ import annotations

from .documents import consent_document_create, consent_document_publish, consent_document_update
from .emails import consent_emails_relay, portal_invitation_email_send, signing_request_email_send, signing_request_link
from .pdfs import VerifyResult, consent_pdf_download, consent_pdf_render, consent_verify
from .requests import (
    consent_request_signature,
    patient_portal_invite,
    portal_invitation_accept,
    signing_link_set_password,
)
from .signing import consent_countersign, consent_revoke, consent_sign, normalise_name

__all__ = [
    "VerifyResult",
    "consent_countersign",
    "consent_document_create",
    "consent_document_publish",
    "consent_document_update",
    "consent_emails_relay",
    "consent_pdf_download",
    "consent_pdf_render",
    "consent_request_signature",
    "consent_revoke",
    "consent_sign",
    "consent_verify",
    "normalise_name",
    "patient_portal_invite",
    "portal_invitation_accept",
    "portal_invitation_email_send",
    "signing_link_set_password",
    "signing_request_email_send",
    "signing_request_link",
]
