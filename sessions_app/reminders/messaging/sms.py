"""SMS through a small backend interface chosen by ``settings.SMS_BACKEND``.

- ``ConsoleSmsBackend`` (development): writes the message to stdout.
- ``LocmemSmsBackend`` (tests): keeps messages in ``outbox``.
- ``HttpSmsBackend`` (production): a generic provider reached by URL and token. It POSTs
  ``{"to", "body", "idempotency_key"}`` as JSON to ``SMS_URL`` with ``Authorization: Bearer
  SMS_TOKEN`` and an ``Idempotency-Key`` header, and reads an optional ``id`` from the reply.
  5xx, 429, timeouts and connection errors are transient; other 4xx are permanent.
"""

from __future__ import annotations

import json
import sys
import threading
import urllib.error
import urllib.request
from typing import ClassVar

from django.conf import settings
from django.utils.module_loading import import_string

from sessions_app.reminders.messaging import OutgoingMessage, PermanentSendError, TransientSendError


class SmsBackend:
    def send(self, message: OutgoingMessage) -> str:
        """Hand one SMS over; return the provider's message id (or ""). Raises SendError subclasses."""
        raise NotImplementedError


class ConsoleSmsBackend(SmsBackend):
    def __init__(self, stream=None) -> None:  # noqa: ANN001
        self.stream = stream or sys.stdout

    def send(self, message: OutgoingMessage) -> str:
        self.stream.write(f"SMS to {message.to} [{message.idempotency_key}]\n{message.text}\n{'-' * 40}\n")
        self.stream.flush()
        return ""


class LocmemSmsBackend(SmsBackend):
    """Test backend. ``outbox`` collects every message handed over (shared by all instances)."""

    outbox: ClassVar[list[OutgoingMessage]] = []
    _lock = threading.Lock()

    def send(self, message: OutgoingMessage) -> str:
        with self._lock:
            self.outbox.append(message)
            return f"locmem-{len(self.outbox)}"


class HttpSmsBackend(SmsBackend):
    def __init__(self, url: str | None = None, token: str | None = None, timeout: float | None = None) -> None:
        self.url = url if url is not None else settings.SMS_URL
        self.token = token if token is not None else settings.SMS_TOKEN
        self.timeout = timeout if timeout is not None else settings.SMS_TIMEOUT_SECONDS
        if not self.url.startswith(("https://", "http://")):
            raise PermanentSendError("SMS_URL is not an http(s) URL")

    def send(self, message: OutgoingMessage) -> str:
        payload = json.dumps(
            {"to": message.to, "body": message.text, "idempotency_key": message.idempotency_key}
        ).encode()
        request = urllib.request.Request(  # noqa: S310 - the scheme is checked in __init__
            self.url,
            data=payload,
            method="POST",
            headers={
                "Content-Type": "application/json",
                "Authorization": f"Bearer {self.token}",
                "Idempotency-Key": message.idempotency_key,
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                body = response.read(4096)
        except urllib.error.HTTPError as exc:
            if exc.code >= 500 or exc.code == 429:
                raise TransientSendError(f"SMS provider answered {exc.code}") from exc
            raise PermanentSendError(f"SMS provider refused the message ({exc.code})") from exc
        except (urllib.error.URLError, TimeoutError, ConnectionError, OSError) as exc:
            raise TransientSendError(f"SMS provider unreachable: {exc.__class__.__name__}") from exc
        try:
            return str(json.loads(body or b"{}").get("id", ""))[:120]
        except (ValueError, AttributeError):
            return ""


# SMS_BACKEND values set in environments before the backends moved into sessions_app.reminders.
OLD_BACKEND_PREFIX = "sessions_app.messaging.sms."


def backend_path(setting: str) -> str:
    """The dotted path of the configured backend, mapping the old ``sessions_app.messaging.sms.X``."""
    if setting.startswith(OLD_BACKEND_PREFIX):
        return __name__ + "." + setting.removeprefix(OLD_BACKEND_PREFIX)
    return setting


def get_sms_backend() -> SmsBackend:
    return import_string(backend_path(settings.SMS_BACKEND))()


def send_sms(message: OutgoingMessage) -> str:
    return get_sms_backend().send(message)
