"""Access rules for sessions_app, one module per sub-package; ``CASES`` is all of them."""

from __future__ import annotations

from . import clinical, inventory, reminders, reports, scheduling

CASES = [*scheduling.CASES, *clinical.CASES, *inventory.CASES, *reports.CASES, *reminders.CASES]
