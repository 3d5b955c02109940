"""One-time keys for the clinical forms: a double tap, a resend after a lost answer, or the browser's
back-and-resubmit records once.

Each write form carries ``{% idempotency_key_field %}``, a key made when the form is drawn; its view
is wrapped in ``@idempotent_form``, which runs it through ``services.answer_once`` keyed by (user, key):
the first submit runs, the same form sent again gets the first answer (the redirect, or the board
for htmx) and writes nothing. A second submit that arrives while the first still runs waits for its
answer. A form posted without a key (a page drawn before this existed) runs as before.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme

from kap_clinic.common.errors import ApplicationError

from . import services

FIELD = "idempotency_key"
# A double tap's second request waits this long for the first one's answer before giving up.
WAIT_SECONDS = 5.0
# Drawn anew with every page: a form restored by "back" carries a fresh CSRF token but the old key.
_NOT_COMPARED = {FIELD, "csrfmiddlewaretoken"}
MESSAGES = {
    services.KeyReused: "This form had already been sent with other values, so it was not saved again. "
    "Check the record, then send the form again if something is missing.",
    services.KeyInProgress: "This form is still being saved. Check the record in a moment before sending it again.",
    services.KeyInvalid: "This form could not be checked for a repeat send. Reload the page and send it again.",
}
REPLAYED_MESSAGE = "This form had already been sent: it was saved once, not twice."


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def form_fingerprint(request: HttpRequest) -> services.Fingerprint:
    """The form's fields (not its key or CSRF token), its files' names and sizes, and whether htmx sent it
    (an htmx answer is a fragment, not a page, so it is not given to a plain submit)."""
    fields = sorted((name, values) for name, values in request.POST.lists() if name not in _NOT_COMPARED)
    files = sorted((name, f.name, f.size) for name, items in request.FILES.lists() for f in items)
    body = json.dumps({"fields": fields, "files": files, "htmx": _is_htmx(request)}).encode()
    return services.fingerprint_of(method=request.method or "POST", path=request.get_full_path(), body=body)


def idempotent_form(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Page POST view decorator (inside the login and role checks): each form key is answered once."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        raw = request.POST.get(FIELD, "") if request.method == "POST" else ""
        if not raw or not request.user.is_authenticated:
            return view(request, *args, **kwargs)
        try:
            response = services.answer_once(
                user=request.user,
                key=services.key_validate(raw, field=FIELD),
                sent=form_fingerprint(request),
                run=lambda: view(request, *args, **kwargs),
                wait_seconds=WAIT_SECONDS,
            )
        except ApplicationError as exc:
            return _refusal(request, exc)
        if response.has_header(services.REPLAYED_HEADER) and response.status_code in (301, 302, 303):
            messages.info(request, REPLAYED_MESSAGE)
        return response

    return wrapper


def _refusal(request: HttpRequest, exc: ApplicationError) -> HttpResponse:
    """Nothing was saved: say so on the page the form came from (htmx reloads it)."""
    messages.warning(request, MESSAGES.get(type(exc), exc.message))
    if _is_htmx(request):
        response = HttpResponse(status=exc.status)
        response["HX-Refresh"] = "true"
        return response
    referer = request.headers.get("Referer", "")
    safe = url_has_allowed_host_and_scheme(
        referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return redirect(referer if safe else "home")
