"""A simulated clock for the demo seeds (seed_demo only; never used by the app itself).

The demo clinic replays its history through the real services, as if each step happened when the
story says it did, so every timestamp, audit event and gate evaluation lands where it would have.
Compute the moment *before* entering the block: inside it, ``timezone.now()`` returns ``at``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator
from unittest import mock


@contextlib.contextmanager
def simulated_clock(at: dt.datetime) -> Iterator[None]:
    """Run the services as if it were ``at``."""
    with mock.patch("django.utils.timezone.now", return_value=at):
        yield
