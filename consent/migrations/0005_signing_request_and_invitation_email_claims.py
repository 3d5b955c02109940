"""Signing-request and portal-invitation emails are claimed before they are sent, and the sweep
hands over again the ones a broker outage lost.

``email_wanted`` stores the decision a new request makes (email it, or leave it to the portal and
the chart). Earlier rows did not record it: those already emailed are marked wanted; unsent ones
stay unmarked, so the sweep does not email links it cannot tell were meant to go (a task still in
flight at the upgrade sends as before). Every invitation is meant to be emailed, so the sweep
hands over unsent ones while they are still usable.
"""

from django.db import migrations, models


def mark_emailed_requests_wanted(apps, schema_editor):
    SigningRequest = apps.get_model("consent", "SigningRequest")
    SigningRequest.objects.filter(email_sent_at__isnull=False).update(email_wanted=True)


class Migration(migrations.Migration):

    dependencies = [
        ("consent", "0004_sqlite_refuses_evidence_deletes"),
    ]

    operations = [
        migrations.AddField(
            model_name="portalinvitation",
            name="email_attempts",
            field=models.PositiveSmallIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="portalinvitation",
            name="email_claimed_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="signingrequest",
            name="email_attempts",
            field=models.PositiveSmallIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="signingrequest",
            name="email_claimed_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="signingrequest",
            name="email_wanted",
            field=models.BooleanField(default=False),
        ),
        migrations.RunPython(mark_emailed_requests_wanted, migrations.RunPython.noop),
    ]
