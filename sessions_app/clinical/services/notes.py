"""Preparation and integration records, psychotherapy notes, signing, addenda, follow-up checks.

Rules:
- Preparation and integration records are written by a therapist on the care team (the author)
  for a preparation / integration session; an integration record points to the dosing record
  it follows. Only the author edits a record, and only until it is signed.
- Psychotherapy notes are a therapist's own: written, read, signed and amended by the author
  only (45 CFR 164.501; everything else answers 404 through the selectors).
- Signing: the responsible clinician (the author; for a dosing record the session's lead
  clinician) signs after re-entering their password. A dosing record is signed once the patient
  is discharged (or when no dose was given) and no alert is open. Signed is final: the service
  refuses changes, the database refuses UPDATEs (migration 0005); corrections are addenda.
- Status follows the work: signing a preparation, integration or dosing record completes its
  session. A preparation or integration record is not signed before its session's booked start
  (``scheduling.services.window``; a prescriber's override on the session lifts it, or move the
  session); drafts may be written ahead.
- Follow-up checks (bladder, craving/non-prescribed use, memory/concentration) are asked at
  integration and follow-up visits by any clinician on the care team; written once.
"""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from kap_clinic.accounts.models import User
from kap_clinic.audit.models import AuditEvent
from kap_clinic.audit.services import audit_record
from kap_clinic.common.errors import Conflict, PermissionDeniedError, ValidationFailed
from patients.models import Patient
from sessions_app.clinical.models.dosing import Discharge, DosingRecord, VitalsReading
from sessions_app.clinical.models.followup import FollowUpCheck
from sessions_app.clinical.models.live import LiveChange
from sessions_app.clinical.models.notes import (
    RISK_CODES,
    Addendum,
    IntegrationRecord,
    PreparationRecord,
    PsychotherapyNote,
    PsychotherapyNoteAddendum,
    Readiness,
)
from sessions_app.clinical.selectors import integration_dosing_for
from sessions_app.clinical.services.live import dosing_bump
from sessions_app.common.inputs import (
    RecordSigned,
    boolean,
    choice,
    is_active_user,
    require_clinician_on_team,
    require_therapist_on_team,
    text,
)
from sessions_app.scheduling.models import Session
from sessions_app.scheduling.services import window
from sessions_app.scheduling.services.sessions import session_walk

SignedModel = DosingRecord | PreparationRecord | IntegrationRecord | PsychotherapyNote
RECORD_LABELS = {
    DosingRecord: ("dosing_record", "dosing record"),
    PreparationRecord: ("preparation_record", "preparation record"),
    IntegrationRecord: ("integration_record", "integration record"),
    PsychotherapyNote: ("psychotherapy_note", "psychotherapy note"),
}
LONG_TEXT = 10_000


def _session_of_kind(session: Session, kinds: tuple[str, ...], label: str) -> None:
    if session.kind not in kinds:
        raise ValidationFailed(f"A {label} belongs to a {' or '.join(k.replace('_', '-') for k in kinds)} session.")
    if session.status in (Session.Status.CANCELLED, Session.Status.NO_SHOW):
        raise Conflict(f"This session is {session.get_status_display().lower()}.", field="session")


def _require_editable(record: Any, actor: User, label: str) -> None:
    if record.signed_at is not None:
        raise RecordSigned(f"This {label} is signed; corrections are addenda.")
    if record.author_id != actor.pk:
        raise PermissionDeniedError(f"Only the author may edit this {label}.")


def _long(values: dict[str, Any], name: str, label: str) -> str:
    return text(values.get(name), field=name, label=label, max_length=LONG_TEXT)


# --- preparation ------------------------------------------------------------------------------------

PREPARATION_TEXT = (
    ("intentions", "Intentions"),
    ("concerns", "Concerns"),
    ("readiness_notes", "Readiness notes"),
)


def _risks(value: Any) -> list[str]:
    if value in (None, ""):
        return []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list | tuple):
        raise ValidationFailed("risks_discussed is a list of risk codes.", field="risks_discussed")
    unknown = [v for v in value if v not in RISK_CODES]
    if unknown:
        raise ValidationFailed(
            f"Unknown risk {unknown[0]!r}; choose from {', '.join(RISK_CODES)}.", field="risks_discussed"
        )
    return [code for code in RISK_CODES if code in value]


@transaction.atomic
def preparation_save(*, actor: User, session: Session, **values: Any) -> PreparationRecord:
    """Create or update (until signed) the preparation record of a preparation session (therapist)."""
    allowed = {name for name, _ in PREPARATION_TEXT} | {
        "risks_discussed",
        "fasting_explained",
        "ride_home_plan",
        "readiness",
    }
    unknown = set(values) - allowed
    if unknown:
        raise ValidationFailed(f"{sorted(unknown)[0]} is not a preparation field.", field=sorted(unknown)[0])
    session = Session.objects.select_for_update().select_related("patient").get(pk=session.pk)
    require_therapist_on_team(actor, session.patient, "write a preparation record")
    _session_of_kind(session, (Session.Kind.PREPARATION,), "preparation record")
    fields = {name: _long(values, name, label) for name, label in PREPARATION_TEXT}
    fields["risks_discussed"] = _risks(values.get("risks_discussed"))
    fields["fasting_explained"] = bool(
        boolean(values.get("fasting_explained"), field="fasting_explained", label="Fasting explained")
    )
    fields["ride_home_plan"] = text(
        values.get("ride_home_plan"), field="ride_home_plan", label="Ride home plan", max_length=300
    )
    fields["readiness"] = choice(
        values.get("readiness") or Readiness.NOT_YET, field="readiness", label="a readiness", choices=Readiness
    )
    record = PreparationRecord.objects.filter(session=session).first()
    if record is None:
        record = PreparationRecord.objects.create(session=session, patient=session.patient, author=actor, **fields)
        action = "preparation_record.created"
    else:
        _require_editable(record, actor, "preparation record")
        PreparationRecord.objects.filter(pk=record.pk).update(**fields, updated_at=timezone.now())
        record.refresh_from_db()
        action = "preparation_record.updated"
    audit_record(actor=actor, action=action, target=record, patient=session.patient, changed_fields=list(fields))
    return record


# --- integration ------------------------------------------------------------------------------------

INTEGRATION_TEXT = (
    ("experience", "Experience"),
    ("insights", "Insights"),
    ("themes", "Themes"),
    ("plan", "Plan"),
    ("homework", "Homework"),
)


@transaction.atomic
def integration_save(
    *, actor: User, session: Session, dosing_record: DosingRecord | None = None, **values: Any
) -> IntegrationRecord:
    """Create or update (until signed) the integration record of an integration session (therapist).

    It is linked to the dosing record it follows (given, else the session's ``follows``, else the
    patient's latest dosing before it); there must be one, of the same patient.
    """
    unknown = set(values) - {name for name, _ in INTEGRATION_TEXT}
    if unknown:
        raise ValidationFailed(f"{sorted(unknown)[0]} is not an integration field.", field=sorted(unknown)[0])
    session = Session.objects.select_for_update().select_related("patient").get(pk=session.pk)
    require_therapist_on_team(actor, session.patient, "write an integration record")
    _session_of_kind(session, (Session.Kind.INTEGRATION,), "integration record")
    fields = {name: _long(values, name, label) for name, label in INTEGRATION_TEXT}
    record = IntegrationRecord.objects.filter(session=session).first()
    if dosing_record is None:
        dosing_record = record.dosing_record if record else integration_dosing_for(session)
    if dosing_record is None:
        raise Conflict("No dosing session precedes this integration session.", field="dosing_record")
    if dosing_record.patient_id != session.patient_id:
        raise ValidationFailed("That dosing record belongs to another patient.", field="dosing_record")
    if record is None:
        record = IntegrationRecord.objects.create(
            session=session, patient=session.patient, dosing_record=dosing_record, author=actor, **fields
        )
        action = "integration_record.created"
    else:
        _require_editable(record, actor, "integration record")
        IntegrationRecord.objects.filter(pk=record.pk).update(
            **fields, dosing_record=dosing_record, updated_at=timezone.now()
        )
        record.refresh_from_db()
        action = "integration_record.updated"
    audit_record(
        actor=actor, action=action, target=record, patient=session.patient, changed_fields=[*fields, "dosing_record"]
    )
    return record


# --- psychotherapy notes -------------------------------------------------------------------------------


@transaction.atomic
def psychotherapy_note_save(
    *,
    actor: User,
    patient: Patient,
    body: str,
    session: Session | None = None,
    note: PsychotherapyNote | None = None,
) -> PsychotherapyNote:
    """Write a psychotherapy note (therapist on the care team), or edit one's own until signed."""
    require_therapist_on_team(actor, patient, "write psychotherapy notes")
    body = text(body, field="body", label="The note", max_length=LONG_TEXT, required=True)
    if session is not None and session.patient_id != patient.pk:
        raise ValidationFailed("That session belongs to another patient.", field="session")
    if note is None:
        note = PsychotherapyNote.objects.create(patient=patient, session=session, author=actor, body=body)
        action = "psychotherapy_note.created"
    else:
        note = PsychotherapyNote.objects.select_for_update().get(pk=note.pk)
        _require_editable(note, actor, "psychotherapy note")
        PsychotherapyNote.objects.filter(pk=note.pk).update(body=body, session=session, updated_at=timezone.now())
        note.refresh_from_db()
        action = "psychotherapy_note.updated"
    audit_record(actor=actor, action=action, target=note, patient=patient, changed_fields=["body"])
    return note


# --- signing and addenda -------------------------------------------------------------------------------


def responsible_for(record: SignedModel) -> int:
    return record.responsible_clinician_id if isinstance(record, DosingRecord) else record.author_id


def _dosing_ready_to_sign(record: DosingRecord) -> None:
    doses = record.administrations.filter(voided_at__isnull=True)
    if doses.exists() and not Discharge.objects.filter(dosing=record).exists():
        raise Conflict("Discharge the patient before signing the dosing record.", field="record")
    open_alert = (
        VitalsReading.objects.filter(dosing=record, voided_at__isnull=True, alert_acknowledged_at__isnull=True)
        .exclude(alerts=[])
        .exists()
    )
    if open_alert:
        raise Conflict("Acknowledge the open vitals alert before signing.", field="record")


def record_sign(*, actor: User, record: SignedModel, password: str) -> SignedModel:
    """The responsible clinician signs a record after re-entering their password; then it is final.

    Refused for anyone else (403), with a wrong password (400; the attempt is audited, outside
    the transaction so the refusal cannot roll it back), for a record already signed (409), and
    for a dosing record not yet discharged or with an open alert (409).
    """
    key, label = RECORD_LABELS[type(record)]
    if not is_active_user(actor) or responsible_for(record) != actor.pk:
        raise PermissionDeniedError(f"Only the responsible clinician may sign this {label}.")
    if not password or not actor.check_password(password):
        audit_record(
            actor=actor,
            action=f"{key}.sign_refused",
            target=record,
            patient=record.patient.public_id,
            outcome=AuditEvent.Outcome.DENIED,
        )
        raise ValidationFailed("The password is not correct; re-enter your password to sign.", field="password")
    return _sign(actor=actor, record=record)


@transaction.atomic
def _sign(*, actor: User, record: SignedModel) -> SignedModel:
    model = type(record)
    key, label = RECORD_LABELS[model]
    record = model.objects.select_for_update().get(pk=record.pk)
    if record.signed_at is not None:
        raise RecordSigned(f"This {label} is already signed.")
    if isinstance(record, DosingRecord):
        _dosing_ready_to_sign(record)
    now = timezone.now()
    session = record.session if isinstance(record, SESSION_RECORDS) else None
    if session is not None:
        window.session_window_check(
            actor=actor,
            session=session,
            message=window.completion_refusal(session, at=now),
            code="session_not_started",
        )
    updated = model.objects.filter(pk=record.pk, signed_at__isnull=True).update(signed_at=now, signed_by=actor)
    if not updated:
        raise RecordSigned(f"This {label} is already signed.")
    record.refresh_from_db()
    if isinstance(record, DosingRecord):
        dosing_bump(record, kind=LiveChange.Kind.RECORD, action="dosing_record.signed")
    audit_record(
        actor=actor,
        action=f"{key}.signed",
        target=record,
        patient=record.patient.public_id,
        changed_fields=["signed_at"],
    )
    if session is not None:
        _complete_session(actor, session)
    return record


SESSION_RECORDS = (DosingRecord, PreparationRecord, IntegrationRecord)


def _complete_session(actor: User, session: Session) -> None:
    """Signing the session's record completes the session (status follows the work).

    The steps it skipped (confirm, check in, start) are taken and audited on the way, without the
    check-in window: the work is done. Only a clinician on the session moves it, as by hand; the
    status of a cancelled or no-show session, or one already completed, stays.
    """
    on_session = actor.pk == session.lead_clinician_id or session.additional_staff.filter(pk=actor.pk).exists()
    if on_session:
        session_walk(actor=actor, session=session, to_status=Session.Status.COMPLETED, check_window=False)


@transaction.atomic
def addendum_add(
    *, actor: User, record: DosingRecord | PreparationRecord | IntegrationRecord, reason: str, body: str
) -> Addendum:
    """Add a correction or late entry to a record (any clinician on the care team): author, time, reason."""
    key, label = RECORD_LABELS[type(record)]
    require_clinician_on_team(actor, record.patient, f"add an addendum to a {label}")
    reason = text(reason, field="reason", label="The reason for the addendum", max_length=300, required=True)
    body = text(body, field="body", label="The addendum", max_length=LONG_TEXT, required=True)
    addendum = Addendum.objects.create(**{key: record}, author=actor, reason=reason, body=body)
    if isinstance(record, DosingRecord):
        dosing_bump(record, kind=LiveChange.Kind.ADDENDUM, action="dosing_record.addendum_added", row=addendum)
    audit_record(
        actor=actor, action=f"{key}.addendum_added", target=addendum, patient=record.patient, changed_fields=["body"]
    )
    return addendum


@transaction.atomic
def psychotherapy_note_addendum_add(
    *, actor: User, note: PsychotherapyNote, reason: str, body: str
) -> PsychotherapyNoteAddendum:
    """An addendum to one's own psychotherapy note (the author only)."""
    if not is_active_user(actor) or note.author_id != actor.pk:
        raise PermissionDeniedError("Only the author may add to a psychotherapy note.")
    reason = text(reason, field="reason", label="The reason for the addendum", max_length=300, required=True)
    body = text(body, field="body", label="The addendum", max_length=LONG_TEXT, required=True)
    addendum = PsychotherapyNoteAddendum.objects.create(note=note, author=actor, reason=reason, body=body)
    audit_record(
        actor=actor,
        action="psychotherapy_note.addendum_added",
        target=addendum,
        patient=note.patient,
        changed_fields=["body"],
    )
    return addendum


# --- long-term follow-up -------------------------------------------------------------------------------

FOLLOW_UP_BOOLEANS = (
    ("urinary_urgency", "Urgency passing urine"),
    ("urinary_frequency", "Passing urine more often"),
    ("dysuria", "Pain or burning passing urine"),
    ("hematuria", "Blood in the urine"),
    ("non_prescribed_use", "Non-prescribed ketamine or other drug use"),
    ("memory_concern", "Memory problems"),
    ("concentration_concern", "Concentration problems"),
)


@transaction.atomic
def follow_up_check_record(*, actor: User, session: Session, **answers: Any) -> FollowUpCheck:
    """Record the long-term safety questions at an integration or follow-up visit (every answer explicit)."""
    known = {name for name, _ in FOLLOW_UP_BOOLEANS} | {
        "craving",
        "bladder_notes",
        "non_prescribed_details",
        "cognition_notes",
    }
    unknown = set(answers) - known
    if unknown:
        raise ValidationFailed(f"{sorted(unknown)[0]} is not a follow-up question.", field=sorted(unknown)[0])
    session = Session.objects.select_for_update().select_related("patient").get(pk=session.pk)
    require_clinician_on_team(actor, session.patient, "record follow-up questions")
    _session_of_kind(session, (Session.Kind.INTEGRATION, Session.Kind.FOLLOW_UP), "follow-up check")
    fields: dict[str, Any] = {
        name: boolean(answers.get(name), field=name, label=label, required=True) for name, label in FOLLOW_UP_BOOLEANS
    }
    fields["craving"] = choice(
        answers.get("craving"), field="craving", label="a craving level", choices=FollowUpCheck.Craving
    )
    for name, label in (("bladder_notes", "Bladder notes"), ("cognition_notes", "Memory notes")):
        fields[name] = text(answers.get(name), field=name, label=label, max_length=500)
    fields["non_prescribed_details"] = text(
        answers.get("non_prescribed_details"),
        field="non_prescribed_details",
        label="What was used",
        max_length=500,
        required=bool(fields["non_prescribed_use"]),
    )
    try:
        with transaction.atomic():
            check = FollowUpCheck.objects.create(
                session=session, patient=session.patient, recorded_by=actor, recorded_at=timezone.now(), **fields
            )
    except IntegrityError:
        raise Conflict("The follow-up questions are already recorded for this visit.", field="session") from None
    audit_record(
        actor=actor,
        action="follow_up_check.recorded",
        target=check,
        patient=session.patient,
        changed_fields=list(fields),
    )
    return check
