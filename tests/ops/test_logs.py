"""Log lines carry the request id, and so do the lines of the tasks a request enqueues; JSON lines on
request; no log line holds patient data."""

from __future__ import annotations

import io
import json
import logging
from logging.config import DictConfigurator

import pytest
from celery import shared_task
from django.conf import settings as django_settings
from django.http import HttpResponse
from django.test import RequestFactory

from kap_clinic.common import context
from kap_clinic.common.middleware import RequestIdMiddleware
from kap_clinic.ops.logs import RequestIdFilter
from kap_clinic.ops.signals import REQUEST_ID_HEADER, _add_request_id

pytestmark = pytest.mark.django_db

task_log = logging.getLogger("tests.ops.task")


@shared_task(name="tests.ops.test_logs.log_line_task")
def log_line_task(reminder_id: int) -> None:
    task_log.info("processing reminder %s", reminder_id)


def configured(name: str) -> logging.Formatter | logging.Filter:
    """A formatter or filter built from settings.LOGGING, as logging's dictConfig builds it."""
    maker = DictConfigurator(django_settings.LOGGING)
    section = "formatters" if name in django_settings.LOGGING["formatters"] else "filters"
    config = dict(django_settings.LOGGING[section][name])
    return maker.configure_formatter(config) if section == "formatters" else maker.configure_filter(config)


@pytest.fixture
def lines():  # noqa: ANN201
    """Every record any logger emits during the test, written as the console handler would write it,
    once as text and once as JSON lines: (text_stream, json_stream)."""
    text, json_lines = io.StringIO(), io.StringIO()
    handlers = []
    for stream, formatter in ((text, "plain"), (json_lines, "json")):
        handler = logging.StreamHandler(stream)
        handler.setFormatter(configured(formatter))
        handler.addFilter(configured("request_id"))
        handlers.append(handler)
    root = logging.getLogger()
    previous = root.level
    root.setLevel(logging.DEBUG)
    for handler in handlers:
        root.addHandler(handler)
    yield text, json_lines
    for handler in handlers:
        root.removeHandler(handler)
    root.setLevel(previous)


def json_records(stream: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]


def test_a_json_line_has_time_level_logger_message_and_request_id(lines) -> None:
    _, json_lines = lines
    token = context.set_current(context.RequestContext(request_id="req-json-000001"))
    try:
        logging.getLogger("kap_clinic.test").warning("reminder %s failed", 42)
    finally:
        context.reset(token)
    [record] = [r for r in json_records(json_lines) if r["logger"] == "kap_clinic.test"]
    assert record["message"] == "reminder 42 failed"
    assert record["level"] == "WARNING"
    assert record["request_id"] == "req-json-000001"
    assert {"time", "process"} <= set(record)


def test_outside_a_request_the_id_is_a_dash(lines) -> None:
    text, _ = lines
    logging.getLogger("kap_clinic.test").info("beat tick")
    assert "[-] beat tick" in text.getvalue()


def test_a_search_for_a_patient_by_name_leaves_the_name_in_no_log_line(client, personas, lines) -> None:
    """The search itself, a page that is not found with the name in its query string (Django logs
    "Not Found" with the request attached, and a JSON formatter would write the request's full path),
    and a refused search by a patient."""
    name = personas.demo_patient.legal_last_name
    client.force_login(personas.admin)
    assert client.get("/patients/", {"q": name}).status_code == 200
    assert client.get("/patients/no-such-page/", {"q": name}).status_code == 404
    client.force_login(personas.patient_user)
    assert client.get("/patients/", {"q": name}).status_code == 403
    text, json_lines = lines
    assert "Not Found" in text.getvalue()  # the lines were written, without the name
    for written in (text.getvalue(), json_lines.getvalue()):
        assert name not in written
        assert name.lower() not in written.lower()


def test_a_task_enqueued_in_a_request_logs_with_that_requests_id(lines) -> None:
    """Eager (embedded mode): the task runs inside the request, under its id."""

    def view(request):  # noqa: ANN001, ANN202
        log_line_task.delay(7)
        return HttpResponse("queued")

    response = RequestIdMiddleware(view)(RequestFactory().get("/", HTTP_X_REQUEST_ID="req-enqueue-0007"))
    assert response["X-Request-ID"] == "req-enqueue-0007"
    [record] = [r for r in json_records(lines[1]) if r["logger"] == "tests.ops.task"]
    assert (record["message"], record["request_id"]) == ("processing reminder 7", "req-enqueue-0007")


def test_a_worker_takes_the_request_id_from_the_message_header_and_lets_it_go_after(lines) -> None:
    """What a worker sees: the header the publishing request added, no request of its own."""
    headers: dict = {}
    token = context.set_current(context.RequestContext(request_id="req-published-01"))
    try:
        _add_request_id(headers=headers)
    finally:
        context.reset(token)
    assert headers == {REQUEST_ID_HEADER: "req-published-01"}
    log_line_task.apply(args=[8], headers=headers)
    [record] = [r for r in json_records(lines[1]) if r["logger"] == "tests.ops.task"]
    assert record["request_id"] == "req-published-01"
    assert context.current().request_id == ""  # the worker's next task starts clean


def test_a_publish_outside_a_request_adds_no_header() -> None:
    headers: dict = {}
    _add_request_id(headers=headers)
    assert headers == {}


def test_the_filter_keeps_an_id_a_record_already_has() -> None:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "m", None, None)
    record.request_id = "given"
    assert RequestIdFilter().filter(record) and record.request_id == "given"
