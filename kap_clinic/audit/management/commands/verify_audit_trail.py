"""python manage.py verify_audit_trail: recompute every audit MAC and the seal chain."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from kap_clinic.audit.integrity import audit_seal, audit_verify


class Command(BaseCommand):
    help = "Check the audit trail for edited, inserted or deleted events (exit status 1 if any)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--seal", action="store_true", help="Seal what is old enough before checking.")

    def handle(self, *args: object, **options: object) -> None:
        if options["seal"]:
            audit_seal()
        report = audit_verify()
        self.stdout.write(
            f"{report.events_checked} events and {report.seals_checked} seals checked; "
            f"{report.unsealed_events} recent events not sealed yet."
        )
        if not report.intact:
            for line in report.problems:
                self.stderr.write(line)
            raise CommandError(f"Audit trail ALTERED: {len(report.problems)} problem(s) found.")
        self.stdout.write(self.style.SUCCESS("Audit trail intact."))
