"""Channels that carry reminders to patients: email (Django's mail backends) and SMS.

Every channel raises ``TransientSendError`` for a failure worth retrying (a timeout, a 5xx, a
refused connection) and ``PermanentSendError`` for one that will not get better by waiting (an
invalid number, a 4xx). The reminder service retries the first with backoff and fails the
second at once. ``idempotency_key`` is stable for one reminder at one planned time, so a provider
that honours it drops the second copy when a worker died between sending and recording.
"""

from __future__ import annotations

from dataclasses import dataclass


class SendError(Exception):
    """A message could not be handed over. ``detail`` names the failure without any message text."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail[:300]


class TransientSendError(SendError):
    """Worth retrying later."""


class PermanentSendError(SendError):
    """Retrying will not help (bad address or number, refused by the provider)."""


@dataclass(frozen=True)
class OutgoingMessage:
    to: str
    text: str
    idempotency_key: str
    subject: str = ""
    html: str = ""
