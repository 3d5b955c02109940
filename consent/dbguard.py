"""SQLite's side of "the database refuses to delete signed consent evidence".

PostgreSQL triggers refuse UPDATE and DELETE on signed evidence outright (migration 0003); a
TRUNCATE, which only the test teardown uses, is not a row event there. SQLite has no TRUNCATE:
Django's ``flush`` (run after every transactional test) empties tables with ``DELETE``. So the
SQLite DELETE triggers (migration 0004) ask a SQL function, ``kap_evidence_delete_allowed()``,
which this module registers on every SQLite connection Django opens. It answers 0, except in the
thread that is running ``manage.py flush`` (see ``consent/management/commands/flush.py``), which
empties the whole database on purpose, exactly like a TRUNCATE on PostgreSQL.

A connection that did not register the function (the ``sqlite3`` shell, another program) gets
"no such function" from the trigger, so its DELETE is refused as well: the guard fails closed.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator

from django.db.backends.signals import connection_created

SQL_FUNCTION = "kap_evidence_delete_allowed"

_state = threading.local()


def _allowed() -> int:
    return 1 if getattr(_state, "flushing", 0) > 0 else 0


@contextlib.contextmanager
def evidence_delete_allowed() -> Iterator[None]:
    """Let this thread's SQLite DELETEs through the evidence triggers (whole-database flush only)."""
    _state.flushing = getattr(_state, "flushing", 0) + 1
    try:
        yield
    finally:
        _state.flushing -= 1


def register(connection) -> None:  # noqa: ANN001 - a Django DatabaseWrapper
    if connection.vendor == "sqlite" and connection.connection is not None:
        connection.connection.create_function(SQL_FUNCTION, 0, _allowed)


def _on_connection_created(sender, connection, **kwargs) -> None:  # noqa: ANN001, ANN003
    register(connection)


connection_created.connect(_on_connection_created, dispatch_uid="consent.dbguard")
