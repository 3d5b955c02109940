"""Background jobs of the consent app. IDs only in messages; each task calls one service.

The email tasks do not retry themselves: a failed send frees its row, and the minute sweep's
relay (``services.consent_emails_relay``) hands it over again, a bounded number of times.
"""

from __future__ import annotations

from celery import shared_task

from kap_clinic.common.pdf import PdfRenderError


@shared_task(
    name="consent.tasks.consent_pdf_render_task",
    autoretry_for=(PdfRenderError, OSError),
    retry_backoff=True,
    max_retries=3,
)
def consent_pdf_render_task(record_id: int, stage: str) -> str:
    """Render and store a signed consent's PDF snapshot (no-op when it already exists)."""
    from .services import consent_pdf_render

    return str(consent_pdf_render(record_id=record_id, stage=stage).public_id)


@shared_task(name="consent.tasks.consent_request_email_task")
def consent_request_email_task(request_id: int) -> bool:
    """Email a signing request's link (once; skipped when no longer pending)."""
    from .services import signing_request_email_send

    return signing_request_email_send(request_id=request_id)


@shared_task(name="consent.tasks.portal_invitation_email_task")
def portal_invitation_email_task(invitation_id: int) -> bool:
    """Email a portal invitation's set-password link (once)."""
    from .services import portal_invitation_email_send

    return portal_invitation_email_send(invitation_id=invitation_id)
