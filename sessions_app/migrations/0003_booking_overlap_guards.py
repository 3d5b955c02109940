"""The database half of "no double booking" (the service check is the other half).

PostgreSQL: an exclusion constraint over ``tstzrange(starts_at, ends_at, '[)')`` per resource,
among active bookings. Equality on the resource columns inside a GiST index needs btree_gist.
SQLite: triggers that abort an insert or update creating an overlap. SQLite has no exclusion
constraints, and write transactions are serialised (settings use BEGIN IMMEDIATE), so the
trigger's check cannot race. Both guards carry the name ``booking_no_overlap`` so the service
can recognise the violation and turn it into a Conflict naming the clash.

The constraint is not declared on the model: SQLite rebuilds tables from model state and cannot
express it. Other backends get no guard here beyond the service check.
"""

from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import RangeBoundary, RangeOperators
from django.contrib.postgres.operations import BtreeGistExtension
from django.db import migrations, models
from django.db.models import Func, Q

NAME = "booking_no_overlap"
TABLE = "sessions_app_sessionresourcebooking"


class TsTzRange(Func):
    function = "TSTZRANGE"
    output_field = models.DateTimeField()


def _exclusion():
    return ExclusionConstraint(
        name=NAME,
        index_type="GIST",
        expressions=[
            ("resource_kind", RangeOperators.EQUAL),
            ("resource_id", RangeOperators.EQUAL),
            (TsTzRange("starts_at", "ends_at", RangeBoundary()), RangeOperators.OVERLAPS),
        ],
        condition=Q(active=True),
    )


# Constant table and constraint names only (no input reaches this SQL).
SQLITE_CHECK = f"""
    WHEN NEW.active AND EXISTS (
        SELECT 1 FROM {TABLE} AS b
        WHERE b.active AND b.id != NEW.id
          AND b.resource_kind = NEW.resource_kind AND b.resource_id = NEW.resource_id
          AND b.starts_at < NEW.ends_at AND NEW.starts_at < b.ends_at
    )
    BEGIN SELECT RAISE(ABORT, '{NAME}: the resource is already booked for an overlapping time'); END
"""  # noqa: S608


def add_guards(apps, schema_editor):
    Booking = apps.get_model("sessions_app", "SessionResourceBooking")
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.add_constraint(Booking, _exclusion())
    elif vendor == "sqlite":
        # Datetimes are stored as ISO text in UTC with one format, so text comparison orders them.
        schema_editor.execute(f"CREATE TRIGGER {NAME}_insert BEFORE INSERT ON {TABLE} {SQLITE_CHECK}")
        schema_editor.execute(
            f"CREATE TRIGGER {NAME}_update BEFORE UPDATE OF active, starts_at, ends_at, resource_kind, "
            f"resource_id ON {TABLE} {SQLITE_CHECK}"
        )


def remove_guards(apps, schema_editor):
    Booking = apps.get_model("sessions_app", "SessionResourceBooking")
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.remove_constraint(Booking, _exclusion())
    elif vendor == "sqlite":
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {NAME}_insert")
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {NAME}_update")


class Migration(migrations.Migration):
    dependencies = [("sessions_app", "0002_default_session_types")]

    operations = [
        BtreeGistExtension(),  # a no-op on anything but PostgreSQL
        migrations.RunPython(add_guards, remove_guards),
    ]
