"""Access rules for clinical records (issue 6): dosing page, notes, follow-up checks, the
controlled-substance log, clinical thresholds, and their API.

Clinical records: clinicians on the care team (prescriber, nurse, therapist) read them; the
outsider gets 404; admins 403 (no clinical content); patients 403 on staff pages. Writes on the
dosing record are for prescribers and nurses (therapist 403). Psychotherapy notes: the author
(the therapist) only, 404 for everyone else. The controlled-substance log: prescribers and
nurses (the outsider is a prescriber: the log is the clinic's, not a patient's).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from . import Case

PERSONAS = ["admin", "prescriber", "nurse", "therapist", "outsider", "patient_user", "other_patient_user"]
TEAM_READ = {
    "admin": 403,
    "prescriber": 200,
    "nurse": 200,
    "therapist": 200,
    "outsider": 404,
    "patient_user": 403,
    "other_patient_user": 403,
}
MEDICAL_WRITE = {**TEAM_READ, "prescriber": 302, "nurse": 302, "therapist": 403}
POST_ONLY = {**TEAM_READ, "prescriber": 405, "nurse": 405, "therapist": 405, "outsider": 405}
KEEPERS = {
    "admin": 403,
    "prescriber": 200,
    "nurse": 200,
    "therapist": 403,
    "outsider": 200,
    "patient_user": 403,
    "other_patient_user": 403,
}
KEEPERS_WRITE = {**KEEPERS, "prescriber": 302, "nurse": 302, "outsider": 302}
AUTHOR_ONLY = {p: 404 for p in PERSONAS} | {"therapist": 200}
API_TEAM_READ = {
    "admin": 403,
    "prescriber": 200,
    "nurse": 200,
    "therapist": 200,
    "outsider": 404,
    "patient_user": 403,
    "other_patient_user": 403,
}
API_KEEPERS = {
    "admin": 403,
    "prescriber": 200,
    "nurse": 200,
    "therapist": 403,
    "outsider": 200,
    "patient_user": 403,
    "other_patient_user": 403,
}


def _world(p):
    """A demo-patient world built once per test: sessions, a dosing record, notes, a lot, a note."""
    if getattr(p, "_clinical", None):
        return p._clinical
    from django.utils import timezone

    from sessions_app import clock
    from sessions_app.models.dosing import DosingRecord
    from sessions_app.models.inventory import InventoryLot
    from sessions_app.models.notes import IntegrationRecord, PreparationRecord, PsychotherapyNote
    from sessions_app.services import inventory as inv
    from sessions_app.services.scheduling import session_schedule
    from tests.sessions_app.conftest import make_clinic

    clinic = make_clinic([p.prescriber, p.nurse, p.therapist, p.outsider])
    monday = clock.local_today() - dt.timedelta(days=clock.local_today().weekday() + 7)

    def book(kind, hour, lead, staff=(), room=None):
        return session_schedule(
            actor=p.admin,
            patient=p.demo_patient,
            kind=kind,
            starts_at=clock.combine(monday, dt.time(hour)),
            lead_clinician=lead,
            additional_staff=list(staff),
            room=room or clinic.consult_room,
            allow_past=True,
        )

    prep = book("preparation", 8, p.therapist)
    dosing_session = book("dosing", 10, p.prescriber, [p.therapist, p.nurse], clinic.dosing_room)
    integration = book("integration", 13, p.therapist)
    follow_up = book("follow_up", 15, p.prescriber)
    dosing = DosingRecord.objects.create(
        session=dosing_session,
        patient=p.demo_patient,
        medication="racemic_ketamine",
        route="iv",
        responsible_clinician=p.prescriber,
        opened_by=p.nurse,
    )
    PreparationRecord.objects.create(session=prep, patient=p.demo_patient, author=p.therapist, intentions="x")
    IntegrationRecord.objects.create(
        session=integration, patient=p.demo_patient, dosing_record=dosing, author=p.therapist, experience="x"
    )
    note = PsychotherapyNote.objects.create(patient=p.demo_patient, author=p.therapist, body="Private process note")
    lot = inv.lot_receive(
        actor=p.nurse,
        product="ketamine_vial",
        lot_number="M-1",
        concentration="50 mg/mL",
        supplier="Acme",
        invoice_number="I-1",
        quantity=Decimal("500"),
        expires_on=timezone.localdate() + dt.timedelta(days=300),
    )
    lot = InventoryLot.objects.get(pk=lot.pk)
    p._clinical = {
        "dosing_session": dosing_session,
        "dosing": dosing,
        "prep": prep,
        "integration": integration,
        "follow_up": follow_up,
        "note": note,
        "lot": lot,
    }
    return p._clinical


def dosing_session(p):
    return {"public_id": _world(p)["dosing_session"].public_id}


def action(name):
    return lambda p: {**dosing_session(p), "action": name}


def prep(p):
    return {"public_id": _world(p)["prep"].public_id}


def integration(p):
    return {"public_id": _world(p)["integration"].public_id}


def follow_up(p):
    return {"public_id": _world(p)["follow_up"].public_id}


def note(p):
    return {"public_id": _world(p)["note"].public_id}


def lot(p):
    return {"public_id": _world(p)["lot"].public_id}


def patient(p):
    _world(p)
    return {"patient_id": p.demo_patient.public_id}


FOLLOW_UP_ANSWERS = {
    "urinary_urgency": "false",
    "urinary_frequency": "false",
    "dysuria": "false",
    "hematuria": "false",
    "non_prescribed_use": "false",
    "memory_concern": "false",
    "concentration_concern": "false",
    "craving": "none",
}


CASES = [
    # The live dosing page
    Case("sessions_app:dosing", TEAM_READ, kwargs=dosing_session),
    Case("sessions_app:dosing_status", TEAM_READ, kwargs=dosing_session),
    Case("sessions_app:dosing_action", POST_ONLY, kwargs=action("vitals")),
    Case(
        "sessions_app:dosing_action",
        MEDICAL_WRITE,
        method="post",
        kwargs=action("vitals"),
        data=lambda p: {"systolic": "120", "diastolic": "80", "heart_rate": "70"},
    ),
    Case(
        "sessions_app:dosing_action",
        {**MEDICAL_WRITE, "prescriber": 404, "nurse": 404, "therapist": 404},
        method="post",
        kwargs=action("no-such-action"),
        data=lambda p: {"x": "1"},
    ),
    # Preparation and integration (therapist writes, care team reads)
    Case("sessions_app:preparation", TEAM_READ, kwargs=prep),
    Case(
        "sessions_app:preparation",
        {**TEAM_READ, "prescriber": 403, "nurse": 403, "therapist": 302},
        method="post",
        kwargs=prep,
        data=lambda p: {"action": "save", "intentions": "Calm", "readiness": "ready"},
    ),
    Case("sessions_app:integration", TEAM_READ, kwargs=integration),
    Case(
        "sessions_app:integration",
        {**TEAM_READ, "prescriber": 403, "nurse": 403, "therapist": 302},
        method="post",
        kwargs=integration,
        data=lambda p: {"action": "save", "experience": "Felt held"},
    ),
    Case("sessions_app:follow_up_check", TEAM_READ, kwargs=follow_up),
    Case(
        "sessions_app:follow_up_check",
        {**TEAM_READ, "prescriber": 302, "nurse": 302, "therapist": 302},
        method="post",
        kwargs=follow_up,
        data=lambda p: FOLLOW_UP_ANSWERS,
    ),
    # Psychotherapy notes: the author only
    Case("sessions_app:psychotherapy_notes", {**TEAM_READ, "outsider": 200}),
    Case(
        "sessions_app:psychotherapy_note_create",
        {**TEAM_READ, "prescriber": 404, "nurse": 404},
        kwargs=patient,
    ),
    Case("sessions_app:psychotherapy_note", {**AUTHOR_ONLY, "anonymous": 302}, kwargs=note),
    Case(
        "sessions_app:psychotherapy_note",
        {**AUTHOR_ONLY, "anonymous": 302, "therapist": 302},
        method="post",
        kwargs=note,
        data=lambda p: {"action": "save", "body": "Changed"},
    ),
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
    # Clinical thresholds: every staff member reads, prescribers change
    Case("sessions_app:clinical_settings", {**TEAM_READ, "admin": 200, "outsider": 200}),
    Case(
        "sessions_app:clinical_settings",
        {
            "admin": 403,
            "prescriber": 302,
            "nurse": 403,
            "therapist": 403,
            "outsider": 302,
            "patient_user": 403,
            "other_patient_user": 403,
        },
        method="post",
        data=lambda p: {"key": "vitals_interval_minutes", "value": "10", "reason": "New protocol"},
    ),
]
