"""The database refuses changes to signed clinical records and deletes of clinical rows.

- A signed dosing, preparation or integration record, or psychotherapy note, refuses UPDATE.
- Rows under a signed dosing record (vitals, doses, devices, observations, adverse events,
  discharge, gate overrides) refuse INSERT and UPDATE: signing closes the record; corrections
  are addenda.
- Addenda and follow-up checks are written once (UPDATE refused).
- PostgreSQL also refuses DELETE on all of these and on the controlled-substance log.

SQLite gets the UPDATE/INSERT guards but not the DELETE ones, because Django's test flush on
SQLite empties tables with DELETE (as in audit 0002 and consent 0003); the models and querysets
refuse deletes in the application. TRUNCATE (PostgreSQL test teardown) is not a row event.
Table names are constants (no input reaches this SQL).

SQLite drops a table's triggers when a later migration rebuilds the table (ALTER on SQLite is
copy-and-rename): a later schema change to one of these tables must call ``forward`` again.
"""

from django.db import migrations

P = "sessions_app_"
SIGNED = [P + t for t in ("dosingrecord", "preparationrecord", "integrationrecord", "psychotherapynote")]
UNDER_DOSING = [
    P + t
    for t in (
        "vitalsreading",
        "administration",
        "esketaminedevice",
        "observation",
        "adverseevent",
        "discharge",
        "gateoverride",
    )
]
INSERT_ONLY = [P + t for t in ("addendum", "psychotherapynoteaddendum", "followupcheck")]
NO_DELETE = [P + t for t in ("inventorylot", "inventoryentry", "inventorycount")]

PG_FUNCTIONS = f"""
CREATE OR REPLACE FUNCTION sessions_app_refuse_signed_change() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'clinical records are never deleted (% on %)', TG_OP, TG_TABLE_NAME
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF OLD.signed_at IS NOT NULL THEN
        RAISE EXCEPTION 'signed record is immutable; add an addendum (% on %)', TG_OP, TG_TABLE_NAME
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION sessions_app_refuse_change_under_signed_dosing() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'clinical records are never deleted (% on %)', TG_OP, TG_TABLE_NAME
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF TG_OP = 'UPDATE' AND EXISTS (
        SELECT 1 FROM {P}dosingrecord d WHERE d.id = OLD.dosing_id AND d.signed_at IS NOT NULL
    ) THEN
        RAISE EXCEPTION 'the dosing record is signed and immutable (% on %)', TG_OP, TG_TABLE_NAME
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF EXISTS (SELECT 1 FROM {P}dosingrecord d WHERE d.id = NEW.dosing_id AND d.signed_at IS NOT NULL) THEN
        RAISE EXCEPTION 'the dosing record is signed and immutable (% on %)', TG_OP, TG_TABLE_NAME
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION sessions_app_refuse_row_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'this clinical row is written once (% on %)', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""  # noqa: S608


def _pg_forward():
    statements = [PG_FUNCTIONS]
    for t in SIGNED:
        statements.append(
            f"CREATE TRIGGER {t}_signed_immutable BEFORE UPDATE OR DELETE ON {t} "
            "FOR EACH ROW EXECUTE FUNCTION sessions_app_refuse_signed_change();"
        )
    for t in UNDER_DOSING:
        statements.append(
            f"CREATE TRIGGER {t}_signed_parent BEFORE INSERT OR UPDATE OR DELETE ON {t} "
            "FOR EACH ROW EXECUTE FUNCTION sessions_app_refuse_change_under_signed_dosing();"
        )
    for t in INSERT_ONLY:
        statements.append(
            f"CREATE TRIGGER {t}_insert_only BEFORE UPDATE OR DELETE ON {t} "
            "FOR EACH ROW EXECUTE FUNCTION sessions_app_refuse_row_change();"
        )
    for t in NO_DELETE:
        statements.append(
            f"CREATE TRIGGER {t}_no_delete BEFORE DELETE ON {t} "
            "FOR EACH ROW EXECUTE FUNCTION sessions_app_refuse_row_change();"
        )
    return statements


def _pg_reverse():
    statements = [f"DROP TRIGGER IF EXISTS {t}_signed_immutable ON {t};" for t in SIGNED]
    statements += [f"DROP TRIGGER IF EXISTS {t}_signed_parent ON {t};" for t in UNDER_DOSING]
    statements += [f"DROP TRIGGER IF EXISTS {t}_insert_only ON {t};" for t in INSERT_ONLY]
    statements += [f"DROP TRIGGER IF EXISTS {t}_no_delete ON {t};" for t in NO_DELETE]
    statements += [
        "DROP FUNCTION IF EXISTS sessions_app_refuse_signed_change();",
        "DROP FUNCTION IF EXISTS sessions_app_refuse_change_under_signed_dosing();",
        "DROP FUNCTION IF EXISTS sessions_app_refuse_row_change();",
    ]
    return statements


def _sqlite_forward():
    statements = []
    for t in SIGNED:
        statements.append(
            f"CREATE TRIGGER {t}_signed_immutable BEFORE UPDATE ON {t} WHEN OLD.signed_at IS NOT NULL "
            f"BEGIN SELECT RAISE(ABORT, 'signed record is immutable; add an addendum (UPDATE on {t})'); END;"
        )
    for t in UNDER_DOSING:
        signed = f"SELECT 1 FROM {P}dosingrecord d WHERE d.signed_at IS NOT NULL AND d.id = "  # noqa: S608
        message = f"the dosing record is signed and immutable (on {t})"
        statements.append(
            f"CREATE TRIGGER {t}_signed_parent_insert BEFORE INSERT ON {t} WHEN EXISTS ({signed}NEW.dosing_id) "
            f"BEGIN SELECT RAISE(ABORT, '{message}'); END;"
        )
        statements.append(
            f"CREATE TRIGGER {t}_signed_parent_update BEFORE UPDATE ON {t} "
            f"WHEN EXISTS ({signed}OLD.dosing_id) OR EXISTS ({signed}NEW.dosing_id) "
            f"BEGIN SELECT RAISE(ABORT, '{message}'); END;"
        )
    for t in INSERT_ONLY:
        statements.append(
            f"CREATE TRIGGER {t}_insert_only BEFORE UPDATE ON {t} "
            f"BEGIN SELECT RAISE(ABORT, 'this clinical row is written once (UPDATE on {t})'); END;"
        )
    return statements


def _sqlite_reverse():
    names = [f"{t}_signed_immutable" for t in SIGNED]
    names += [f"{t}_signed_parent_{op}" for t in UNDER_DOSING for op in ("insert", "update")]
    names += [f"{t}_insert_only" for t in INSERT_ONLY]
    return [f"DROP TRIGGER IF EXISTS {n};" for n in names]


def _run(schema_editor, statements):
    # A plain cursor without parameters: the PL/pgSQL bodies contain "%" format markers that
    # schema_editor.execute() would take for query placeholders.
    with schema_editor.connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    _run(schema_editor, _pg_forward() if vendor == "postgresql" else _sqlite_forward() if vendor == "sqlite" else [])


def reverse(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    _run(schema_editor, _pg_reverse() if vendor == "postgresql" else _sqlite_reverse() if vendor == "sqlite" else [])


class Migration(migrations.Migration):
    dependencies = [("sessions_app", "0004_clinical_records_dosing_notes_inventory")]
    operations = [migrations.RunPython(forward, reverse)]
