"""Access rules for clinical records: dosing page, notes, follow-up checks, clinical thresholds,
and their API (the controlled-substance log is in ``inventory.py``, on the same world).

Clinical records: clinicians on the care team (prescriber, nurse, therapist) read them; the
outsider gets 404; admins 403 (no clinical content); patients 403 on staff pages. Writes on the
dosing record are for prescribers and nurses (therapist 403). Psychotherapy notes: the author
(the therapist) only, 404 for everyone else. The controlled-substance log: prescribers and
nurses (the outsider is a prescriber: the log is the clinic's, not a patient's).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from tests.matrix import Case

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
STAFF_BOARD = {**{p: 200 for p in PERSONAS}, "patient_user": 403, "other_patient_user": 403}
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
API_AUTHOR_ONLY = {p: 404 for p in PERSONAS} | {"therapist": 200}
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

    from kap_clinic.common import clock
    from sessions_app.inventory.models import InventoryLot
    from sessions_app.inventory.services import lot_receive
    from sessions_app.scheduling.services.sessions import session_schedule
    from tests.sessions_app import factories as f
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
    dosing = f.DosingRecordFactory(session=dosing_session, responsible_clinician=p.prescriber, opened_by=p.nurse)
    f.PreparationRecordFactory(session=prep, author=p.therapist, intentions="x")
    f.IntegrationRecordFactory(session=integration, dosing_record=dosing, author=p.therapist, experience="x")
    note = f.PsychotherapyNoteFactory(patient=p.demo_patient, author=p.therapist)
    lot = lot_receive(
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
    reading = f.VitalsReadingFactory(dosing=dosing, recorded_by=p.nurse, heart_rate=130, alerts=["hr_high"])
    dose = f.AdministrationFactory(
        dosing=dosing, lot=lot, infusion_minutes=40, ordering_prescriber=p.prescriber, administered_by=p.nurse
    )
    p._clinical = {
        "dosing_session": dosing_session,
        "dosing": dosing,
        "prep": prep,
        "integration": integration,
        "follow_up": follow_up,
        "note": note,
        "lot": lot,
        "reading": reading,
        "dose": dose,
        "entry": lot.entries.get(),
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


def dosing_record(p):
    return {"public_id": _world(p)["dosing"].public_id}


def prep_record(p):
    return {"public_id": _world(p)["prep"].preparation_record.public_id}


def reading(p):
    return {"public_id": _world(p)["reading"].public_id}


DISCHARGE = {
    "aldrete_activity": 2,
    "aldrete_respiration": 2,
    "aldrete_circulation": 2,
    "aldrete_consciousness": 2,
    "aldrete_spo2": 2,
    "escort_confirmed": True,
    "escort_name": "Sam",
    "instructions_given": True,
}


CASES = [
    # The live dosing page
    Case("sessions_app:dosing", TEAM_READ, kwargs=dosing_session),
    Case("sessions_app:dosing_status", TEAM_READ, kwargs=dosing_session),
    Case("sessions_app:dosing_live", TEAM_READ, kwargs=dosing_session),
    # The treatment-room board: every staff member (clinical values only for their care team's patients)
    Case("sessions_app:board", STAFF_BOARD),
    Case("sessions_app:board_live", STAFF_BOARD),
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
    # --- API ----------------------------------------------------------------------------------------
    *[
        Case(name, API_TEAM_READ, api=True, kwargs=kw)
        for name, kw in [
            ("api:session_dosing", dosing_session),
            ("api:session_preparation", prep),
            ("api:session_integration", integration),
            ("api:dosing_record", dosing_record),
            ("api:dosing_vitals", dosing_record),
            ("api:dosing_administrations", dosing_record),
            ("api:dosing_adverse_events", dosing_record),
        ]
    ],
    Case(
        "api:session_follow_up_check",
        {**API_TEAM_READ, "prescriber": 404, "nurse": 404, "therapist": 404},
        api=True,
        kwargs=follow_up,
    ),
    Case(
        "api:dosing_discharge",
        {**API_TEAM_READ, "prescriber": 404, "nurse": 404, "therapist": 404},
        api=True,
        kwargs=dosing_record,
    ),
    Case(
        "api:session_dosing",
        {**API_TEAM_READ, "prescriber": 409, "nurse": 409, "therapist": 403},
        method="post",
        api=True,
        kwargs=dosing_session,
        data=lambda p: {"medication": "racemic_ketamine", "route": "iv"},
    ),
    Case(
        "api:session_preparation",
        {**API_TEAM_READ, "prescriber": 403, "nurse": 403},
        method="put",
        api=True,
        kwargs=prep,
        data=lambda p: {"intentions": "Calm", "readiness": "ready"},
    ),
    Case(
        "api:session_integration",
        {**API_TEAM_READ, "prescriber": 403, "nurse": 403},
        method="put",
        api=True,
        kwargs=integration,
        data=lambda p: {"experience": "Felt held"},
    ),
    Case(
        "api:session_follow_up_check",
        {**API_TEAM_READ, "prescriber": 201, "nurse": 201, "therapist": 201},
        method="post",
        api=True,
        kwargs=follow_up,
        data=lambda p: FOLLOW_UP_ANSWERS,
    ),
    # The world's dosing session was last week: the care team gets past access to the booked-window
    # rule (409 naming the booked time), everyone else stops at access as before.
    Case(
        "api:dosing_check_in",
        {**API_TEAM_READ, "prescriber": 409, "nurse": 409, "therapist": 409},
        method="post",
        api=True,
        kwargs=dosing_record,
        data=lambda p: {},
    ),
    Case(
        "api:dosing_confirmations",
        {**API_TEAM_READ, "therapist": 403},
        method="post",
        api=True,
        kwargs=dosing_record,
        data=lambda p: {"item": "fasting"},
    ),
    Case(
        "api:dosing_vitals",
        {**API_TEAM_READ, "prescriber": 201, "nurse": 201, "therapist": 403},
        method="post",
        api=True,
        kwargs=dosing_record,
        data=lambda p: {"heart_rate": 70},
    ),
    Case(
        "api:dosing_bp_decisions",
        {**API_TEAM_READ, "prescriber": 409, "nurse": 403, "therapist": 403},
        method="post",
        api=True,
        kwargs=dosing_record,
        data=lambda p: {"decision": "acknowledge"},
    ),
    Case(
        "api:dosing_administrations",
        {**API_TEAM_READ, "prescriber": 409, "nurse": 409, "therapist": 403},
        method="post",
        api=True,
        kwargs=dosing_record,
        data=lambda p: {
            "dose_mg": "35",
            "lot": str(_world(p)["lot"].public_id),
            "ordering_prescriber": str(p.prescriber.public_id),
            "infusion_minutes": 40,
        },
    ),
    Case(
        "api:dosing_observations",
        {**API_TEAM_READ, "prescriber": 201, "nurse": 201, "therapist": 201},
        method="post",
        api=True,
        kwargs=dosing_record,
        data=lambda p: {"moaas": 5},
    ),
    Case(
        "api:dosing_adverse_events",
        {**API_TEAM_READ, "prescriber": 201, "nurse": 201, "therapist": 403},
        method="post",
        api=True,
        kwargs=dosing_record,
        data=lambda p: {"code": "nausea", "severity": "mild", "intervention": "none"},
    ),
    Case(
        "api:dosing_discharge",
        {**API_TEAM_READ, "prescriber": 409, "nurse": 409, "therapist": 403},
        method="post",
        api=True,
        kwargs=dosing_record,
        data=lambda p: DISCHARGE,
    ),
    Case(
        "api:vitals_acknowledge",
        {**API_TEAM_READ, "therapist": 403},
        method="post",
        api=True,
        kwargs=reading,
        data=lambda p: {"note": "seen"},
    ),
    Case(
        "api:vitals_void",
        {**API_TEAM_READ, "therapist": 403},
        method="post",
        api=True,
        kwargs=reading,
        data=lambda p: {"reason": "typo"},
    ),
    Case(
        "api:administration_action",
        {**API_TEAM_READ, "therapist": 403},
        method="post",
        api=True,
        kwargs=lambda p: {"public_id": _world(p)["dose"].public_id, "action": "end"},
        data=lambda p: {},
    ),
    Case(
        "api:clinical_record_sign",
        {**API_TEAM_READ, "prescriber": 400, "nurse": 403, "therapist": 403},
        method="post",
        api=True,
        kwargs=lambda p: {"kind": "dosing", **dosing_record(p)},
        data=lambda p: {"password": "not-the-password"},
    ),
    Case(
        "api:clinical_record_addenda", API_TEAM_READ, api=True, kwargs=lambda p: {"kind": "dosing", **dosing_record(p)}
    ),
    Case(
        "api:clinical_record_addenda",
        {**API_TEAM_READ, "prescriber": 201, "nurse": 201, "therapist": 201},
        method="post",
        api=True,
        kwargs=lambda p: {"kind": "preparation", **prep_record(p)},
        data=lambda p: {"reason": "Late entry", "body": "Added later."},
    ),
    Case("api:psychotherapy_notes", {**API_TEAM_READ, "outsider": 200}, api=True),
    Case(
        "api:psychotherapy_notes",
        {**API_TEAM_READ, "prescriber": 403, "nurse": 403, "therapist": 201},
        method="post",
        api=True,
        data=lambda p: {"patient": str(patient(p)["patient_id"]), "body": "Process"},
    ),
    Case("api:psychotherapy_note", API_AUTHOR_ONLY, api=True, kwargs=note),
    Case(
        "api:psychotherapy_note",
        API_AUTHOR_ONLY,
        method="patch",
        api=True,
        kwargs=note,
        data=lambda p: {"body": "Changed"},
    ),
    Case(
        "api:psychotherapy_note_action",
        {**API_AUTHOR_ONLY, "therapist": 400},
        method="post",
        api=True,
        kwargs=lambda p: {**note(p), "action": "sign"},
        data=lambda p: {"password": "not-the-password"},
    ),
    Case("api:clinical_settings", {**API_KEEPERS, "admin": 200, "therapist": 200}, api=True),
    Case(
        "api:clinical_settings",
        {**API_KEEPERS, "prescriber": 201, "nurse": 403, "outsider": 201},
        method="post",
        api=True,
        data=lambda p: {"key": "vitals_interval_minutes", "value": "10", "reason": "New"},
    ),
]
