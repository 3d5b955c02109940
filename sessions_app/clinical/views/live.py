"""Live updates for the dosing page and the treatment-room board.

Both pages ask every two seconds (``X-KAP-Background: poll``, so the idle timeout keeps running)
whether anything changed since the version they show. No change is a 204 with no body, read in
one query after authentication; a change answers the fragments to swap in, with the new version
in the ``X-KAP-Revision`` header. dosing.js and board.js swap only the fragments and keep what
the viewer is typing.
"""

from __future__ import annotations

import uuid

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.views.decorators.http import require_GET

from kap_clinic.accounts.permissions import CLINICIAN, STAFF, role_required
from kap_clinic.audit.services import audit_record
from sessions_app.clinical import board as board_selectors
from sessions_app.clinical import live, selectors
from sessions_app.clinical.models.dosing import DosingRecord
from sessions_app.clinical.views.dosing import BOARD, STATUS, _dosing_context

REVISION_HEADER = "X-KAP-Revision"
BOARD_CARDS = "sessions_app/clinical/partials/_room_board_cards.html"


def _no_change() -> HttpResponse:
    response = HttpResponse(status=204)
    response["Cache-Control"] = "no-store"
    return response


@role_required(CLINICIAN)
@require_GET
def dosing_live(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """204 while the dosing session is at revision ``v``; otherwise the board and the status strip."""
    revision = live.dosing_revision_for(user=request.user, public_id=public_id)
    if request.GET.get("v") == str(revision):
        return _no_change()
    session = selectors.clinical_session_get_for(user=request.user, public_id=public_id, kind="dosing")
    record = DosingRecord.objects.filter(session=session).first()
    body = ""
    if record is not None:
        context = _dosing_context(request, session, record, revision=revision)
        body = render_to_string(BOARD, context, request=request) + render_to_string(STATUS, context, request=request)
    response = HttpResponse(body)
    response[REVISION_HEADER] = str(revision)
    response["Cache-Control"] = "no-store"
    return response


def _board_context(request: HttpRequest) -> dict:
    version = live.board_version()  # before the cards: a change while they render shows as newer
    return {"board": board_selectors.room_board(user=request.user), "version": version}


@role_required(STAFF)
@require_GET
def room_board(request: HttpRequest) -> HttpResponse:
    """Today's treatment rooms, one card per room in use; live (board.js).

    Opening the board records a read of each patient whose clinical values it shows (as the dosing
    page does when opened; the live refreshes, like the dosing page's status strip, do not).
    """
    context = _board_context(request)
    for card in context["board"].cards:
        if card.clinical is not None:
            audit_record(
                actor=request.user, action="room_board.viewed", target=card.session, patient=card.session.patient
            )
    return render(request, "sessions_app/clinical/room_board.html", context)


@role_required(STAFF)
@require_GET
def room_board_live(request: HttpRequest) -> HttpResponse:
    """204 while the day's sessions are at version ``v``; otherwise the cards. ``full=1`` forces the
    cards (the page asks once a minute, so ages and due times move on without a change)."""
    if request.GET.get("full") != "1" and request.GET.get("v") == live.board_version():
        return _no_change()
    context = _board_context(request)
    response = HttpResponse(render_to_string(BOARD_CARDS, context, request=request))
    response[REVISION_HEADER] = context["version"]
    response["Cache-Control"] = "no-store"
    return response
