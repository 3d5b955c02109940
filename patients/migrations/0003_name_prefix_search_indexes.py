"""Indexes for the patient search by name prefix on PostgreSQL.

The search matches each word against the start of the legal first, legal last and preferred
names, case-insensitively: Django writes that as ``UPPER("col"::text) LIKE UPPER('word%')``. A
btree index over the same expression with ``text_pattern_ops`` serves a prefix LIKE whatever the
database's collation, so the three ORed conditions become a bitmap OR of three index scans rather
than a scan of every patient (it scales past 100,000 patients). SQLite gets no index here: its
LIKE is case-insensitive already and a clinic on the embedded database is small.
"""

from django.db import migrations

TABLE = "patients_patient"
COLUMNS = ("legal_last_name", "legal_first_name", "preferred_name")


def add_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for column in COLUMNS:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS patient_{column}_prefix ON {TABLE} (UPPER({column}::text) text_pattern_ops)"
        )


def remove_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for column in COLUMNS:
        schema_editor.execute(f"DROP INDEX IF EXISTS patient_{column}_prefix")


class Migration(migrations.Migration):
    dependencies = [("patients", "0002_patient_record_intake_eligibility_assessments")]

    operations = [migrations.RunPython(add_indexes, remove_indexes)]
