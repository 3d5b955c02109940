"""Put reference data back after a transactional test flushes the database.

A transactional test (threads, live server) ends with a flush that empties every table,
including the rows data migrations shipped (consent kinds, instruments, checklists). Tests that
run after it expect those rows. ``serialized_rollback`` restores them only at the start of a
test that asks for it, so our transactional tests restore them on the way out instead: the
fixture below is set up before the database helper and so is torn down after its flush.
"""

from __future__ import annotations

import importlib

import pytest
from django.db import connections

DATA_MIGRATIONS = (
    ("consent.migrations.0002_consent_kinds", "forward"),
    ("sessions_app.migrations.0002_default_session_types", "create_session_types"),
)


def restore_reference_data(*, snapshot: bool = True) -> None:
    """The data migrations' rows (idempotent: the migrations update or create), and first the serialized
    snapshot of the test database when ``snapshot`` and there is one. Only a ``serialized_rollback`` test may
    restore the snapshot: its flush skips post_migrate, while any other flush re-creates the content types,
    which the snapshot's would then clash with."""
    from django.apps import apps

    connection = connections["default"]
    serialized = getattr(connection, "_test_serialized_contents", None)
    if snapshot and serialized:
        connection.creation.deserialize_db_from_string(serialized)
    for module, function in DATA_MIGRATIONS:
        getattr(importlib.import_module(module), function)(apps, None)
    connection.close()


@pytest.fixture
def restore_reference_data_after_flush(request, django_db_blocker):  # noqa: ANN001, ANN201
    yield
    marker = request.node.get_closest_marker("django_db")
    with django_db_blocker.unblock():
        restore_reference_data(snapshot=bool(marker and marker.kwargs.get("serialized_rollback")))
