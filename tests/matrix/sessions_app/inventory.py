"""Access rules for the controlled-substance log: lots, the ledger, reconciliation, and their API.

Prescribers and nurses keep the log (the outsider is a prescriber: the log is the clinic's, not a
patient's); therapists, admins and patients get 403. The lot is the one the clinical world's dose
was drawn from (``clinical._world``).
"""

from __future__ import annotations

import datetime as dt

from tests.matrix import Case

from .clinical import API_KEEPERS, KEEPERS, KEEPERS_WRITE, _world, lot

CASES = [
    # Controlled-substance log
    Case("sessions_app:inventory", KEEPERS),
    Case(
        "sessions_app:inventory",
        KEEPERS_WRITE,
        method="post",
        data=lambda p: {
            "product": "ketamine_vial",
            "lot_number": "NEW-1",
            "concentration": "50 mg/mL",
            "supplier": "Acme",
            "invoice_number": "I-9",
            "quantity": "500",
            "expires_on": (dt.date.today() + dt.timedelta(days=365)).isoformat(),
        },
    ),
    Case("sessions_app:inventory_reconciliation", KEEPERS),
    Case("sessions_app:inventory_lot", KEEPERS, kwargs=lot),
    Case(
        "sessions_app:inventory_lot",
        KEEPERS_WRITE,
        method="post",
        kwargs=lot,
        data=lambda p: {"action": "count", "counted_quantity": "500"},
    ),
    # --- API ----------------------------------------------------------------------------------------
    Case("api:inventory_lots", API_KEEPERS, api=True),
    Case(
        "api:inventory_lots",
        {**API_KEEPERS, "prescriber": 201, "nurse": 201, "outsider": 201},
        method="post",
        api=True,
        data=lambda p: {
            "product": "ketamine_vial",
            "lot_number": "API-1",
            "concentration": "50 mg/mL",
            "supplier": "Acme",
            "invoice_number": "I-2",
            "quantity": "100",
            "expires_on": (dt.date.today() + dt.timedelta(days=200)).isoformat(),
        },
    ),
    Case("api:inventory_lot", API_KEEPERS, api=True, kwargs=lot),
    Case(
        "api:inventory_lot_action",
        {**API_KEEPERS, "prescriber": 201, "nurse": 201, "outsider": 201},
        method="post",
        api=True,
        kwargs=lambda p: {**lot(p), "action": "counts"},
        data=lambda p: {"counted_quantity": "500"},
    ),
    Case(
        "api:inventory_entry_void",
        {**API_KEEPERS, "prescriber": 201, "nurse": 201, "outsider": 201},
        method="post",
        api=True,
        kwargs=lambda p: {"public_id": _world(p)["entry"].public_id},
        data=lambda p: {"reason": "Entered twice"},
    ),
    Case("api:inventory_reconciliation", API_KEEPERS, api=True),
]
