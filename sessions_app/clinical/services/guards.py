"""Guards every dosing service applies before it writes: the record is open, the patient not yet
discharged, an override reason is well formed, and the appointment moves along when it may."""

from __future__ import annotations

import contextlib
from typing import Any

from kap_clinic.accounts.models import User
from kap_clinic.common.errors import Conflict, PermissionDeniedError
from sessions_app.clinical.gates import (
    DosingState,
)
from sessions_app.clinical.models.dosing import (
    Discharge,
    DosingRecord,
)
from sessions_app.common.inputs import (
    RecordSigned,
    text,
)
from sessions_app.scheduling.models import Session
from sessions_app.scheduling.services.sessions import session_transition


def require_open(state: DosingState) -> None:
    if state.dosing.signed_at is not None:
        raise RecordSigned("This dosing record is signed; corrections are addenda.")


def require_not_discharged(dosing: DosingRecord) -> None:
    if Discharge.objects.filter(dosing=dosing).exists():
        raise Conflict("The patient has been discharged; add an addendum for anything after discharge.")


def override_reason_text(value: Any, field: str = "override_reason") -> str:
    return text(value, field=field, label="The reason", max_length=300)


def session_advance(actor: User, session: Session, to_status: str) -> None:
    """Move the appointment along its status machine when this actor may (scheduling owns the rules)."""
    # Only clinicians on the session start or complete it; another care-team clinician
    # recording a dose leaves the status for the session's own staff to move.
    with contextlib.suppress(PermissionDeniedError):
        session_transition(actor=actor, session=session, to_status=to_status)
