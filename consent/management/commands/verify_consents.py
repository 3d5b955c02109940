"""python manage.py verify_consents: recompute every signed consent's hashes; exit 1 if any is altered.

Run it on a schedule (or after a backup restore): each run is audited per record, and the
records that fail are listed by id so they can be investigated from the audit trail.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from consent.models import ConsentRecord
from consent.services import consent_verify


class Command(BaseCommand):
    help = "Verify the text, signature and PDF hashes of every signed consent."

    def handle(self, *args: object, **options: object) -> None:
        checked, altered = 0, []
        for record in ConsentRecord.objects.order_by("id").iterator(chunk_size=200):
            checked += 1
            if not consent_verify(actor=None, record=record).intact:
                altered.append(str(record.public_id))
        if altered:
            for public_id in altered:
                self.stderr.write(f"ALTERED consent record {public_id}")
            raise CommandError(f"{len(altered)} of {checked} signed consents failed verification.")
        self.stdout.write(self.style.SUCCESS(f"{checked} signed consents verified: all intact."))
