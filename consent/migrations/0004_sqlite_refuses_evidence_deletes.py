"""SQLite refuses DELETE of signed consent evidence too (PostgreSQL has since 0003).

The triggers let a DELETE through only when ``kap_evidence_delete_allowed()`` answers 1, which
it does solely in a thread running ``manage.py flush`` (see consent/dbguard.py). A connection
without the function (the sqlite3 shell) gets an error from the trigger: refused as well.
Published document versions are guarded; drafts are not (as on PostgreSQL).
"""

from django.db import migrations

INSERT_ONLY = [
    "consent_consentrecord",
    "consent_consentcountersignature",
    "consent_consentrevocation",
    "consent_consentpdf",
]
ALLOWED = "kap_evidence_delete_allowed()"


def _statements():
    statements = [
        f"CREATE TRIGGER {t}_no_delete BEFORE DELETE ON {t} WHEN NOT {ALLOWED} BEGIN "
        f"SELECT RAISE(ABORT, 'signed consent evidence is immutable (DELETE on {t})'); END;"
        for t in INSERT_ONLY
    ]
    statements.append(
        "CREATE TRIGGER consent_consentdocument_published_no_delete BEFORE DELETE ON consent_consentdocument "
        f"WHEN OLD.published_at IS NOT NULL AND NOT {ALLOWED} BEGIN "
        "SELECT RAISE(ABORT, 'signed consent evidence is immutable (DELETE on consent_consentdocument)'); END;"
    )
    return statements


def _names():
    return [f"{t}_no_delete" for t in INSERT_ONLY] + ["consent_consentdocument_published_no_delete"]


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for statement in _statements():
            schema_editor.execute(statement, params=None)


def reverse(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for name in _names():
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name};", params=None)


class Migration(migrations.Migration):
    dependencies = [("consent", "0003_signed_rows_immutable_triggers")]
    operations = [migrations.RunPython(forward, reverse)]
