"""The channels: the generic HTTP SMS provider (URL + token, idempotency key, timeouts, which
failures are transient) and email's mapping of SMTP errors."""

from __future__ import annotations

import json
import smtplib
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from sessions_app.reminders.messaging import OutgoingMessage, PermanentSendError, TransientSendError
from sessions_app.reminders.messaging import email as email_channel
from sessions_app.reminders.messaging.sms import ConsoleSmsBackend, HttpSmsBackend, LocmemSmsBackend, get_sms_backend

MESSAGE = OutgoingMessage(to="+15555550142", text="KAP Clinic: reminder", idempotency_key="abc-123")


class Provider(BaseHTTPRequestHandler):
    answers: list[int] = []
    received: list[dict] = []
    delay = 0.0

    def do_POST(self):  # noqa: N802 - the http.server API
        length = int(self.headers["Content-Length"])
        body = json.loads(self.rfile.read(length))
        Provider.received.append({"headers": dict(self.headers), "body": body})
        time.sleep(Provider.delay)
        status = Provider.answers.pop(0) if Provider.answers else 200
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(json.dumps({"id": "msg-42"} if status == 200 else {"error": "x"}).encode())

    def log_message(self, *args):  # quiet
        pass


@pytest.fixture
def provider():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Provider)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    Provider.answers, Provider.received, Provider.delay = [], [], 0.0
    yield f"http://127.0.0.1:{server.server_port}/sms"
    server.shutdown()
    server.server_close()


def test_the_http_provider_gets_json_a_bearer_token_and_the_idempotency_key(provider) -> None:
    assert HttpSmsBackend(url=provider, token="s3cret").send(MESSAGE) == "msg-42"
    request = Provider.received[0]
    assert request["body"] == {"to": "+15555550142", "body": "KAP Clinic: reminder", "idempotency_key": "abc-123"}
    assert request["headers"]["Authorization"] == "Bearer s3cret"
    assert request["headers"]["Idempotency-Key"] == "abc-123"


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (503, TransientSendError),
        (429, TransientSendError),
        (500, TransientSendError),
        (400, PermanentSendError),
        (404, PermanentSendError),
    ],
)
def test_server_errors_and_rate_limits_are_transient_other_refusals_permanent(provider, status, error) -> None:
    Provider.answers = [status]
    with pytest.raises(error) as exc:
        HttpSmsBackend(url=provider, token="t").send(MESSAGE)
    assert str(status) in exc.value.detail and "reminder" not in exc.value.detail  # no message text in errors


def test_a_hanging_provider_times_out_as_a_transient_failure(provider) -> None:
    Provider.delay = 1.5
    started = time.monotonic()
    with pytest.raises(TransientSendError):
        HttpSmsBackend(url=provider, token="t", timeout=0.5).send(MESSAGE)
    assert time.monotonic() - started < 1.4


def test_an_unreachable_provider_is_transient() -> None:
    with pytest.raises(TransientSendError):
        HttpSmsBackend(url="http://127.0.0.1:1/sms", token="t", timeout=2).send(MESSAGE)


def test_the_backend_follows_settings(settings, provider) -> None:
    settings.SMS_BACKEND = "sessions_app.reminders.messaging.sms.HttpSmsBackend"
    settings.SMS_URL, settings.SMS_TOKEN = provider, "from-settings"
    assert get_sms_backend().send(MESSAGE) == "msg-42"
    assert Provider.received[0]["headers"]["Authorization"] == "Bearer from-settings"
    settings.SMS_BACKEND = "sessions_app.reminders.messaging.sms.ConsoleSmsBackend"
    assert isinstance(get_sms_backend(), ConsoleSmsBackend)
    with pytest.raises(PermanentSendError):
        HttpSmsBackend(url="ftp://example.org", token="t")


@pytest.mark.parametrize(
    ("setting", "backend"),
    [
        ("sessions_app.messaging.sms.ConsoleSmsBackend", ConsoleSmsBackend),
        ("sessions_app.messaging.sms.LocmemSmsBackend", LocmemSmsBackend),
        ("sessions_app.reminders.messaging.sms.LocmemSmsBackend", LocmemSmsBackend),
    ],
)
def test_an_sms_backend_set_by_its_old_dotted_path_still_loads(settings, setting, backend) -> None:
    settings.SMS_BACKEND = setting
    assert type(get_sms_backend()) is backend


@pytest.mark.parametrize(
    ("raised", "error"),
    [
        (smtplib.SMTPRecipientsRefused({"x@example.org": (550, b"no such user")}), PermanentSendError),
        (smtplib.SMTPResponseException(554, b"rejected"), PermanentSendError),
        (smtplib.SMTPResponseException(451, b"try later"), TransientSendError),
        (smtplib.SMTPServerDisconnected("gone"), TransientSendError),
        (ConnectionRefusedError(), TransientSendError),
    ],
)
def test_email_failures_are_sorted_into_transient_and_permanent(monkeypatch, raised, error) -> None:
    def fail(self, fail_silently=False):  # noqa: ANN001
        raise raised

    monkeypatch.setattr(email_channel.EmailMultiAlternatives, "send", fail)
    with pytest.raises(error):
        email_channel.send_email(OutgoingMessage(to="x@example.org", text="t", subject="s", idempotency_key="k"))


def test_email_carries_a_message_id_made_from_the_idempotency_key(mailoutbox) -> None:
    message_id = email_channel.send_email(
        OutgoingMessage(to="x@example.org", text="t", subject="s", html="<p>t</p>", idempotency_key="k-1")
    )
    assert message_id == "<reminder-k-1@127.0.0.1>"
    assert mailoutbox[0].extra_headers["Message-ID"] == message_id
    assert mailoutbox[0].alternatives[0][1] == "text/html"
