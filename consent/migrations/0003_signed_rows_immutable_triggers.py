"""The database itself refuses changes to signed consent evidence.

Signed records, countersignatures, revocations and PDF snapshots are written once: PostgreSQL
refuses UPDATE and DELETE on them; a published document version refuses UPDATE and DELETE too
(drafts stay editable). SQLite refuses the same UPDATEs; DELETE stays possible at the SQL level
there because Django's test flush on SQLite empties tables with DELETE (as in audit 0002), and
the models and querysets refuse deletes in the application. TRUNCATE (PostgreSQL test
teardown) is not a row event and is unaffected. Since 0004 SQLite refuses those DELETEs as well,
except inside ``manage.py flush`` (see consent/dbguard.py).
"""

from django.db import migrations

INSERT_ONLY = [
    "consent_consentrecord",
    "consent_consentcountersignature",
    "consent_consentrevocation",
    "consent_consentpdf",
]

PG_FUNCTIONS = """
CREATE OR REPLACE FUNCTION consent_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'signed consent evidence is immutable (% on %)', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""


def _pg_forward():
    statements = [PG_FUNCTIONS]
    for table in INSERT_ONLY:
        statements.append(
            f"CREATE TRIGGER {table}_immutable BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION consent_refuse_change();"
        )
    statements.append(
        "CREATE TRIGGER consent_consentdocument_published_immutable BEFORE UPDATE OR DELETE "
        "ON consent_consentdocument FOR EACH ROW WHEN (OLD.published_at IS NOT NULL) "
        "EXECUTE FUNCTION consent_refuse_change();"
    )
    return statements


def _pg_reverse():
    statements = [f"DROP TRIGGER IF EXISTS {t}_immutable ON {t};" for t in INSERT_ONLY]
    statements.append("DROP TRIGGER IF EXISTS consent_consentdocument_published_immutable ON consent_consentdocument;")
    statements.append("DROP FUNCTION IF EXISTS consent_refuse_change();")
    return statements


def _sqlite_forward():
    statements = [
        f"CREATE TRIGGER {t}_immutable BEFORE UPDATE ON {t} "
        f"BEGIN SELECT RAISE(ABORT, 'signed consent evidence is immutable (UPDATE on {t})'); END;"
        for t in INSERT_ONLY
    ]
    statements.append(
        "CREATE TRIGGER consent_consentdocument_published_immutable BEFORE UPDATE ON consent_consentdocument "
        "WHEN OLD.published_at IS NOT NULL BEGIN "
        "SELECT RAISE(ABORT, 'signed consent evidence is immutable (UPDATE on consent_consentdocument)'); END;"
    )
    return statements


def _sqlite_reverse():
    names = [f"{t}_immutable" for t in INSERT_ONLY] + ["consent_consentdocument_published_immutable"]
    return [f"DROP TRIGGER IF EXISTS {n};" for n in names]


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    statements = _pg_forward() if vendor == "postgresql" else _sqlite_forward() if vendor == "sqlite" else []
    for statement in statements:
        schema_editor.execute(statement, params=None)


def reverse(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    statements = _pg_reverse() if vendor == "postgresql" else _sqlite_reverse() if vendor == "sqlite" else []
    for statement in statements:
        schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [("consent", "0002_consent_kinds")]
    operations = [migrations.RunPython(forward, reverse)]
