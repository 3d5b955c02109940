"""Tamper evidence: a MAC on every audit event and an append-only chain of seals.

Existing events get their MAC here (the append-only trigger is lifted for the backfill only).
``row_mac`` is nullable so SQLite adds the column in place instead of rebuilding the table,
which would drop the append-only trigger of 0002.
"""

from django.db import migrations, models

SQLITE_EVENT_TRIGGER = """CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_auditevent
       BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;"""


def backfill(apps, schema_editor):
    from kap_clinic.audit.integrity import stored_event_mac

    AuditEvent = apps.get_model("audit", "AuditEvent")
    vendor = schema_editor.connection.vendor
    if not AuditEvent.objects.exists():
        return
    if vendor == "postgresql":
        schema_editor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER audit_event_no_update")
    elif vendor == "sqlite":
        schema_editor.execute("DROP TRIGGER IF EXISTS audit_event_no_update")
    for event in AuditEvent.objects.filter(row_mac__isnull=True).iterator(chunk_size=2000):
        AuditEvent.objects.filter(pk=event.pk).update(row_mac=stored_event_mac(event))
    if vendor == "postgresql":
        schema_editor.execute("ALTER TABLE audit_auditevent ENABLE TRIGGER audit_event_no_update")
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_EVENT_TRIGGER)


def seal_guards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(
            "CREATE TRIGGER audit_seal_no_update BEFORE UPDATE OR DELETE ON audit_auditseal "
            "FOR EACH ROW EXECUTE FUNCTION audit_event_append_only();"
        )
    elif vendor == "sqlite":
        schema_editor.execute(
            "CREATE TRIGGER audit_seal_no_update BEFORE UPDATE ON audit_auditseal "
            "BEGIN SELECT RAISE(ABORT, 'audit seals are append-only'); END;"
        )


def drop_seal_guards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute("DROP TRIGGER IF EXISTS audit_seal_no_update ON audit_auditseal")
    elif vendor == "sqlite":
        schema_editor.execute("DROP TRIGGER IF EXISTS audit_seal_no_update")


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_audit_event_append_only_trigger")]

    operations = [
        migrations.AddField(
            model_name="auditevent",
            name="row_mac",
            field=models.CharField(editable=False, max_length=64, null=True),
        ),
        migrations.CreateModel(
            name="AuditSeal",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("sequence", models.PositiveBigIntegerField(unique=True)),
                ("sealed_at", models.DateTimeField()),
                ("first_event_id", models.BigIntegerField()),
                ("last_event_id", models.BigIntegerField()),
                ("event_count", models.PositiveIntegerField()),
                ("events_digest", models.CharField(max_length=64)),
                ("prev_mac", models.CharField(blank=True, max_length=64)),
                ("mac", models.CharField(max_length=64)),
            ],
            options={"ordering": ["-sequence"]},
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
        migrations.RunPython(seal_guards, drop_seal_guards),
    ]
