"""A WSGI app whose one request takes a while: gunicorn's graceful stop is seen with a request in flight."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable
from pathlib import Path


def app(environ: dict, start_response: Callable) -> Iterable[bytes]:
    Path(os.environ["SLOW_APP_STARTED"]).touch()  # the test sends SIGTERM once this exists
    time.sleep(float(os.environ.get("SLOW_APP_SECONDS", "2")))
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"finished"]
