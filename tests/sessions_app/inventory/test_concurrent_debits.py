"""Two clinicians take from the same lot at the same moment: the lot row lock serialises them, so
exactly one succeeds and the balance never goes below zero (PostgreSQL: real concurrent writers)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from kap_clinic.common.errors import ApplicationError
from sessions_app.inventory.models import InventoryLot
from sessions_app.inventory.services import inventory_waste
from tests.sessions_app.clinical import helpers

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent writers (PostgreSQL)")
def test_two_concurrent_debits_cannot_overdraw_a_lot(personas) -> None:
    lot = helpers.receive_lot(personas.nurse, lot_number="RACE-1", quantity="30")
    barrier = threading.Barrier(2, timeout=15)
    outcomes: list[str] = []

    def waste(actor, witness):
        try:
            barrier.wait()
            inventory_waste(actor=actor, lot=lot, quantity="20", witness=witness, reason="Race test")
            outcomes.append("ok")
        except ApplicationError as exc:
            outcomes.append(exc.code)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=waste, args=(personas.nurse, personas.prescriber)),
        threading.Thread(target=waste, args=(personas.prescriber, personas.nurse)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(outcomes) == ["insufficient_balance", "ok"]
    assert InventoryLot.objects.get(pk=lot.pk).balance == 10
