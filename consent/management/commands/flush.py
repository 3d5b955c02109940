"""``flush`` as Django ships it, allowed past the SQLite guards on signed consent evidence.

Flushing empties every table on purpose (Django's test runner does it after each transactional
test). On PostgreSQL that is a TRUNCATE, which the row triggers do not see; on SQLite it is a
DELETE per table, which the evidence triggers of consent migration 0004 refuse unless the
deleting thread says so (see ``consent.dbguard``). Any other DELETE stays refused.
"""

from __future__ import annotations

from django.core.management.commands import flush

from consent.dbguard import evidence_delete_allowed


class Command(flush.Command):
    def handle(self, **options: object) -> None:
        with evidence_delete_allowed():
            super().handle(**options)
