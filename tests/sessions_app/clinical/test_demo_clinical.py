"""The clinical demo seed: two lots, completed dosing sessions with a BP peak near 40 minutes,
one adverse event, signed and unsigned records; running it again changes nothing."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from sessions_app.models.dosing import AdverseEvent, DosingRecord
from sessions_app.models.inventory import InventoryEntry, InventoryLot
from sessions_app.models.notes import PsychotherapyNote
from sessions_app.selectors_clinical import reconciliation_rows

pytestmark = pytest.mark.django_db


def test_the_demo_clinic_has_dosing_records_inventory_and_notes(capsys) -> None:
    call_command("seed_demo")
    lots = {lot.lot_number: lot for lot in InventoryLot.objects.all()}
    assert set(lots) == {"KET-24A17", "ESK-8831"}
    records = list(DosingRecord.objects.select_related("discharge").order_by("session__starts_at"))
    assert len(records) >= 2
    assert all(hasattr(r, "discharge") for r in records)
    assert {r.signed_at is None for r in records} == {True, False}
    for record in records:
        start = record.administrations.get().started_at
        peak = max(record.vitals.exclude(systolic=None), key=lambda v: v.systolic)
        assert 30 <= (peak.taken_at - start).total_seconds() / 60 <= 50
    assert AdverseEvent.objects.count() == 1
    assert PsychotherapyNote.objects.filter(signed_at__isnull=False).exists()
    assert PsychotherapyNote.objects.filter(signed_at__isnull=True).exists()
    given = sum(r.administrations.get().dose_mg for r in records)
    assert lots["KET-24A17"].balance == 2500 - given
    assert not any(row.has_discrepancy for row in reconciliation_rows())

    counts = (DosingRecord.objects.count(), InventoryEntry.objects.count(), PsychotherapyNote.objects.count())
    call_command("seed_demo")
    assert (DosingRecord.objects.count(), InventoryEntry.objects.count(), PsychotherapyNote.objects.count()) == counts
