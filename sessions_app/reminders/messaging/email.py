"""Email through Django's configured backend (console/file in development, SMTP via EMAIL_URL)."""

from __future__ import annotations

import smtplib
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection

from sessions_app.reminders.messaging import OutgoingMessage, PermanentSendError, TransientSendError

SMTP_TIMEOUT_SECONDS = 10


def send_email(message: OutgoingMessage) -> str:
    """Send one email; returns its Message-ID. Raises Transient/PermanentSendError."""
    # A deterministic Message-ID: the same reminder sent twice is recognisably one message.
    domain = urlsplit(settings.SITE_URL).hostname or "kap-clinic.invalid"
    message_id = f"<reminder-{message.idempotency_key}@{domain}>"
    # A bounded wait: a hung SMTP server must not hold the sweep past the stale-claim window.
    connection = get_connection(timeout=SMTP_TIMEOUT_SECONDS)
    email = EmailMultiAlternatives(
        subject=message.subject,
        body=message.text,
        to=[message.to],
        headers={"Message-ID": message_id},
        connection=connection,
    )
    if message.html:
        email.attach_alternative(message.html, "text/html")
    try:
        sent = email.send(fail_silently=False)
    except (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused) as exc:
        raise PermanentSendError(f"email refused: {exc.__class__.__name__}") from exc
    except smtplib.SMTPResponseException as exc:
        if 500 <= exc.smtp_code < 600:
            raise PermanentSendError(f"email refused: SMTP {exc.smtp_code}") from exc
        raise TransientSendError(f"email deferred: SMTP {exc.smtp_code}") from exc
    except (TimeoutError, smtplib.SMTPException, OSError) as exc:
        raise TransientSendError(f"email not sent: {exc.__class__.__name__}") from exc
    if not sent:
        raise TransientSendError("email backend accepted nothing")
    return message_id
