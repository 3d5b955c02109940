"""The live dosing page.

The dosing page is built for use during the session on a tablet: every action is an htmx POST
to ``dosing_action`` that answers with the board partial (the same partial the page includes)
plus the status strip out-of-band, in one round trip. A refusal re-renders the board with the
message next to the form that caused it, with the refusal's status (400/403/409); dosing.js lets
htmx swap those. Without JavaScript the same forms post normally and redirect back.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_GET, require_POST

from kap_clinic.accounts.models import User
from kap_clinic.accounts.permissions import (
    CLINICIAN,
    NURSE_DISCIPLINE,
    PRESCRIBER_DISCIPLINE,
    is_active_clinician_of,
    role_required,
)
from kap_clinic.audit.services import audit_record
from kap_clinic.common import clock
from kap_clinic.common.errors import ApplicationError, ValidationFailed
from kap_clinic.idempotency.pages import idempotent_form
from patients.selectors import user_is_on_care_team
from sessions_app.clinical import selectors
from sessions_app.clinical.gates import VITAL_FIELDS
from sessions_app.clinical.live import session_revision
from sessions_app.clinical.models.dosing import AdverseEvent, DosingRecord, Medication, Observation, Route
from sessions_app.clinical.services import notes
from sessions_app.clinical.services.administration import (
    administration_end,
    administration_record,
    administration_void,
    esketamine_device_give,
)
from sessions_app.clinical.services.discharge import ALDRETE_ITEMS, REMS_REQUIRED, discharge_record
from sessions_app.clinical.services.dosing import dosing_check_in, dosing_confirm, dosing_open, dosing_plan_update
from sessions_app.clinical.services.monitoring import (
    adverse_event_record,
    bp_acknowledge,
    bp_override,
    observation_record,
    vitals_alert_acknowledge,
    vitals_record,
    vitals_void,
)
from sessions_app.common.charts import VitalsPoint, vitals_chart_svg
from sessions_app.inventory.models import InventoryLot
from sessions_app.scheduling.models import Session
from sessions_app.scheduling.services import window

BOARD = "sessions_app/clinical/partials/_dosing_board.html"
STATUS = "sessions_app/clinical/partials/_dosing_status.html"


def _dosing_of(session: Session) -> DosingRecord:
    try:
        return DosingRecord.objects.select_related("session", "patient").get(session=session)
    except DosingRecord.DoesNotExist:
        raise Http404("This session has no dosing record yet.") from None


def _vitals_chart(page: selectors.DosingPage) -> SafeString | None:
    """The trend of the session's readings (voided ones left out) with the BP alert limits dashed."""
    points = [
        VitalsPoint(v.taken_at, v.systolic, v.diastolic, v.heart_rate, v.spo2)
        for v in page.state.vitals
        if v.voided_at is None and any(x is not None for x in (v.systolic, v.diastolic, v.heart_rate, v.spo2))
    ]
    if len(points) < 2:
        return None
    s = page.state.settings
    limits = (
        (float(s.alert_systolic_above), f"SBP alert > {s.alert_systolic_above:g}", "#b42318"),
        (float(s.alert_diastolic_above), f"DBP alert > {s.alert_diastolic_above:g}", "#d97706"),
    )
    # Two drawings, one shown by width (app.css): scaled down to a phone, the wide one's text is unreadable.
    wide = vitals_chart_svg(points, width=640, height=220, limits=limits, title="Trend")
    narrow = vitals_chart_svg(points, width=330, height=220, limits=limits, title="Trend")
    html = f'<div class="vitals-chart-wide">{wide}</div><div class="vitals-chart-narrow">{narrow}</div>'
    return mark_safe(html)  # noqa: S308 - numbers and escaped labels built by vitals_chart_svg


def _dosing_context(request: HttpRequest, session: Session, dosing: DosingRecord | None, **extra: Any) -> dict:
    user = request.user
    on_team = user_is_on_care_team(user=user, patient=session.patient)
    # Read before the record: a change made while the page renders then shows as a newer revision.
    revision = extra.pop("revision") if "revision" in extra else session_revision(session.pk)
    context: dict[str, Any] = {
        "revision": revision,
        "session": session,
        "patient": session.patient,
        "dosing": dosing,
        "can_write": on_team and is_active_clinician_of(user, PRESCRIBER_DISCIPLINE, NURSE_DISCIPLINE),
        "can_observe": on_team,
        "is_prescriber": on_team and is_active_clinician_of(user, PRESCRIBER_DISCIPLINE),
        "medications": Medication.choices,
        "routes": Route.choices,
        "errors": {},
        "posted": {},
        **extra,
    }
    if dosing is not None:
        page = selectors.dosing_page(dosing)
        # The page's own copy is fresh and carries its related rows (no extra queries in the template).
        dosing = page.state.dosing
        context.update(
            dosing=dosing,
            session=dosing.session,
            page=page,
            s=page.state.settings,
            can_sign=user.pk == dosing.responsible_clinician_id and dosing.signed_at is None,
            moaas_options=[
                (5, "5 · alert"),
                (4, "4 · lethargic"),
                (3, "3 · loud voice"),
                (2, "2 · prodding"),
                (1, "1 · pain only"),
                (0, "0 · no response"),
            ],
            dissociation_options=Observation.Dissociation.choices,
            ae_codes=AdverseEvent.Code.choices,
            ae_severities=AdverseEvent.Severity.choices,
            ae_interventions=AdverseEvent.Intervention.choices,
            aldrete_items=ALDRETE_ITEMS,
            rems_questions=REMS_REQUIRED,
            now_local=clock.to_local(page.state.at),
            check_in_refusal=window.window_refusal(dosing.session, at=page.state.at),
            vitals_chart=_vitals_chart(page),
        )
    return context


def _render_dosing(
    request: HttpRequest, session: Session, dosing: DosingRecord | None, *, status: int = 200, **extra: Any
) -> HttpResponse:
    context = _dosing_context(request, session, dosing, **extra)
    if request.htmx and dosing is not None:
        board = render_to_string(BOARD, context, request=request)
        strip = render_to_string(STATUS, {**context, "oob": True}, request=request)
        response = HttpResponse(board + strip, status=status)
    else:
        response = render(request, "sessions_app/clinical/dosing.html", context, status=status)
    response["Vary"] = "HX-Request"
    return response


@role_required(CLINICIAN)
@require_GET
def dosing(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """The dosing page (or, before the record exists, the form that opens it)."""
    session = selectors.clinical_session_get_for(user=request.user, public_id=public_id, kind="dosing")
    record = DosingRecord.objects.filter(session=session).first()
    if record is not None:
        audit_record(actor=request.user, action="dosing_record.viewed", target=record, patient=session.patient)
    return _render_dosing(request, session, record)


@role_required(CLINICIAN)
@require_GET
def dosing_status(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """The status strip (timers, reminders, open alerts), polled by the page every 30 seconds."""
    session = selectors.clinical_session_get_for(user=request.user, public_id=public_id, kind="dosing")
    record = _dosing_of(session)
    return render(request, STATUS, _dosing_context(request, session, record))


def _reading(request: HttpRequest, dosing: DosingRecord):  # noqa: ANN202
    reading = selectors.vitals_get_for(user=request.user, public_id=request.POST.get("reading", ""))
    if reading.dosing_id != dosing.pk:
        raise Http404
    return reading


def _dose(request: HttpRequest, dosing: DosingRecord):  # noqa: ANN202
    dose = selectors.administration_get_for(user=request.user, public_id=request.POST.get("dose", ""))
    if dose.dosing_id != dosing.pk:
        raise Http404
    return dose


def _lot(value: str) -> InventoryLot | None:
    if not value:
        return None
    try:
        return InventoryLot.objects.get(public_id=value)
    except (InventoryLot.DoesNotExist, ValueError, ValidationError):
        raise ValidationFailed("Choose a lot from the list.", field="lot") from None


def _clinician(value: str, field: str) -> User | None:
    if not value:
        return None
    try:
        return User.objects.get(public_id=value, role=User.Role.CLINICIAN)
    except (User.DoesNotExist, ValueError, ValidationError):
        raise ValidationFailed("Choose a clinician from the list.", field=field) from None


DISCHARGE_FIELDS = tuple(n for n, _ in ALDRETE_ITEMS) + tuple(n for n, _ in REMS_REQUIRED)


def _administer(request: HttpRequest, dosing: DosingRecord) -> Any:
    return administration_record(
        actor=request.user,
        dosing=dosing,
        dose_mg=request.POST.get("dose_mg"),
        lot=_lot(request.POST.get("lot", "")),
        ordering_prescriber=_clinician(request.POST.get("ordering_prescriber", ""), "ordering_prescriber"),
        infusion_minutes=request.POST.get("infusion_minutes"),
        override_reason=request.POST.get("override_reason", ""),
        given_at=request.POST.get("given_at"),
    )


def _discharge(request: HttpRequest, dosing: DosingRecord) -> Any:
    answers = {n: request.POST[n] for n in DISCHARGE_FIELDS if request.POST.get(n, "") != ""}
    return discharge_record(
        actor=request.user,
        dosing=dosing,
        escort_confirmed=request.POST.get("escort_confirmed", ""),
        escort_name=request.POST.get("escort_name", ""),
        instructions_given=request.POST.get("instructions_given", ""),
        override_reason=request.POST.get("override_reason", ""),
        notes=request.POST.get("notes", ""),
        rems_ready_minutes=request.POST.get("rems_ready_minutes"),
        **answers,
    )


def _check_in(request: HttpRequest, dosing: DosingRecord) -> Any:
    return dosing_check_in(actor=request.user, dosing=dosing, override_reason=request.POST.get("override_reason", ""))


def _plan(request: HttpRequest, dosing: DosingRecord) -> Any:
    return dosing_plan_update(
        actor=request.user,
        dosing=dosing,
        medication=request.POST.get("medication", ""),
        route=request.POST.get("route", ""),
    )


def _fasting(request: HttpRequest, dosing: DosingRecord) -> Any:
    return dosing_confirm(actor=request.user, dosing=dosing, item="fasting")


def _ride_home(request: HttpRequest, dosing: DosingRecord) -> Any:
    return dosing_confirm(
        actor=request.user,
        dosing=dosing,
        item="ride_home",
        escort_name=request.POST.get("escort_name", ""),
        escort_phone=request.POST.get("escort_phone", ""),
    )


def _vitals(request: HttpRequest, dosing: DosingRecord) -> Any:
    return vitals_record(
        actor=request.user,
        dosing=dosing,
        taken_at=request.POST.get("taken_at"),
        **{k: request.POST.get(k, "") for k in VITAL_FIELDS},
    )


def _acknowledge(request: HttpRequest, dosing: DosingRecord) -> Any:
    return vitals_alert_acknowledge(
        actor=request.user, reading=_reading(request, dosing), note=request.POST.get("note", "")
    )


def _void_vitals(request: HttpRequest, dosing: DosingRecord) -> Any:
    return vitals_void(actor=request.user, reading=_reading(request, dosing), reason=request.POST.get("reason", ""))


def _bp_acknowledge(request: HttpRequest, dosing: DosingRecord) -> Any:
    return bp_acknowledge(actor=request.user, dosing=dosing)


def _bp_override(request: HttpRequest, dosing: DosingRecord) -> Any:
    return bp_override(actor=request.user, dosing=dosing, reason=request.POST.get("override_reason", ""))


def _device(request: HttpRequest, dosing: DosingRecord) -> Any:
    return esketamine_device_give(actor=request.user, administration=_dose(request, dosing))


def _end_dose(request: HttpRequest, dosing: DosingRecord) -> Any:
    return administration_end(actor=request.user, administration=_dose(request, dosing))


def _void_dose(request: HttpRequest, dosing: DosingRecord) -> Any:
    return administration_void(
        actor=request.user, administration=_dose(request, dosing), reason=request.POST.get("reason", "")
    )


def _observe(request: HttpRequest, dosing: DosingRecord) -> Any:
    return observation_record(
        actor=request.user,
        dosing=dosing,
        moaas=request.POST.get("moaas"),
        dissociation=request.POST.get("dissociation", ""),
        respiratory_depression=request.POST.get("respiratory_depression", ""),
        note=request.POST.get("note", ""),
        observed_at=request.POST.get("observed_at"),
    )


def _adverse_event(request: HttpRequest, dosing: DosingRecord) -> Any:
    return adverse_event_record(
        actor=request.user,
        dosing=dosing,
        code=request.POST.get("code", ""),
        severity=request.POST.get("severity", ""),
        intervention=request.POST.get("intervention", ""),
        description=request.POST.get("description", ""),
        intervention_detail=request.POST.get("intervention_detail", ""),
        serious=request.POST.get("serious", ""),
    )


def _sign(request: HttpRequest, dosing: DosingRecord) -> Any:
    return notes.record_sign(actor=request.user, record=dosing, password=request.POST.get("password", ""))


def _addendum(request: HttpRequest, dosing: DosingRecord) -> Any:
    return notes.addendum_add(
        actor=request.user, record=dosing, reason=request.POST.get("reason", ""), body=request.POST.get("body", "")
    )


# The action slug in the URL (and the key of its error on the board) -> the function that runs it.
DOSING_ACTIONS: dict[str, Callable[[HttpRequest, DosingRecord], Any]] = {
    "check_in": _check_in,
    "plan": _plan,
    "fasting": _fasting,
    "ride_home": _ride_home,
    "vitals": _vitals,
    "acknowledge": _acknowledge,
    "void_vitals": _void_vitals,
    "bp_acknowledge": _bp_acknowledge,
    "bp_override": _bp_override,
    "administer": _administer,
    "device": _device,
    "end_dose": _end_dose,
    "void_dose": _void_dose,
    "observe": _observe,
    "adverse_event": _adverse_event,
    "discharge": _discharge,
    "sign": _sign,
    "addendum": _addendum,
}


@role_required(CLINICIAN)
@require_POST
@idempotent_form
def dosing_action(request: HttpRequest, public_id: uuid.UUID, action: str) -> HttpResponse:
    """One action on the dosing page; answers with the board (htmx) or a redirect back."""
    session = selectors.clinical_session_get_for(user=request.user, public_id=public_id, kind="dosing")
    if action == "open":
        try:
            dosing_open(
                actor=request.user,
                session=session,
                medication=request.POST.get("medication", ""),
                route=request.POST.get("route", ""),
            )
        except ApplicationError as exc:
            return _render_dosing(request, session, None, status=exc.status, errors={"open": exc})
        return redirect("sessions_app:dosing", public_id=session.public_id)
    handler = DOSING_ACTIONS.get(action)
    if handler is None:
        raise Http404("Unknown dosing action.")
    record = _dosing_of(session)
    try:
        handler(request, record)
    except ApplicationError as exc:
        return _render_dosing(
            request, session, record, status=exc.status, errors={action: exc}, posted={action: request.POST}
        )
    if not request.htmx:
        return redirect("sessions_app:dosing", public_id=session.public_id)
    return _render_dosing(request, session, record, saved=action)
