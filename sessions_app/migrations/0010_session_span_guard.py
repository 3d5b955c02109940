"""The database half of "no session longer than MAX_SESSION_MINUTES" (the services check it first).

Range searches for sessions (the day's schedule, the calendar, clash checks) bound the start from
below by that span so an index on the start time serves them; this guard is what makes the bound
safe. PostgreSQL: a CHECK constraint. SQLite: triggers (a CHECK cannot be added to an existing
SQLite table without rebuilding it). Both are named ``session_span_limit``.
"""

from django.db import migrations

TABLE = "sessions_app_session"
NAME = "session_span_limit"
HOURS = 12  # sessions_app.scheduling.models.MAX_SESSION_MINUTES // 60 when this was written

# Constant table, constraint names and numbers only (no input reaches this SQL).
SQLITE_CHECK = f"""
    WHEN (julianday(NEW.ends_at) - julianday(NEW.starts_at)) * 24 > {HOURS}
    BEGIN SELECT RAISE(ABORT, '{NAME}: a session cannot be longer than {HOURS} hours'); END
"""  # noqa: S608


def add_guard(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(
            f"ALTER TABLE {TABLE} ADD CONSTRAINT {NAME} CHECK (ends_at <= starts_at + interval '{HOURS} hours')"
        )
    elif vendor == "sqlite":
        schema_editor.execute(f"CREATE TRIGGER {NAME}_insert BEFORE INSERT ON {TABLE} {SQLITE_CHECK}")
        schema_editor.execute(
            f"CREATE TRIGGER {NAME}_update BEFORE UPDATE OF starts_at, ends_at ON {TABLE} {SQLITE_CHECK}"
        )


def remove_guard(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(f"ALTER TABLE {TABLE} DROP CONSTRAINT IF EXISTS {NAME}")
    elif vendor == "sqlite":
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {NAME}_insert")
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {NAME}_update")


class Migration(migrations.Migration):
    dependencies = [("sessions_app", "0009_session_checked_in_at_and_window_override")]

    operations = [migrations.RunPython(add_guard, remove_guard)]
