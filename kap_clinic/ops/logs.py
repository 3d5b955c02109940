"""Log records carry the request id; LOG_FORMAT=json writes them as JSON lines.

The id is the one ``RequestIdMiddleware`` accepted or made for the request (and echoed in
``X-Request-ID``); a task the request enqueued carries it in a message header and sets it again in
the worker (``kap_clinic.ops.signals``), so its lines share the request's id. Outside any request
the id is "-".

Only stdlib and python-json-logger here: settings name these classes before Django is set up.
"""

from __future__ import annotations

import logging

from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.json import JsonFormatter

from kap_clinic.common import context

JSON_FIELDS = ["asctime", "levelname", "name", "message", "request_id", "process"]
# A JSON formatter writes every extra attribute of a record. Django's request and server loggers
# attach the request itself, whose text is its full path with the query string ("?q=<a name>"):
# never write those.
NEVER_WRITTEN = ("request", "server_time")


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", None):
            record.request_id = context.current().request_id or "-"
        return True


def json_formatter() -> logging.Formatter:
    """One JSON object a line: time, level, logger, message, request id (plus a traceback if any)."""
    return JsonFormatter(
        JSON_FIELDS,
        rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
        timestamp=False,
        reserved_attrs=[*RESERVED_ATTRS, *NEVER_WRITTEN],
    )
