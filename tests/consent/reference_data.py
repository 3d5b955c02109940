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


@pytest.fixture
def restore_reference_data_after_flush(django_db_blocker):  # noqa: ANN001, ANN201
    connection = connections["default"]
    snapshot = getattr(connection, "_test_serialized_contents", None)
    yield
    with django_db_blocker.unblock():
        if snapshot:
            connection.creation.deserialize_db_from_string(snapshot)
        else:  # no test asked for serialization in this run: at least our own reference data
            from django.apps import apps

            importlib.import_module("consent.migrations.0002_consent_kinds").forward(apps, None)
        connection.close()
