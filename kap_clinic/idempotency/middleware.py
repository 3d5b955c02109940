"""``Idempotency-Key`` on every POST, PUT and PATCH of the API (services.py has the rules).

A middleware rather than a base class: every API view gets it, including views added later, without
each one remembering to. It runs last of the middleware and calls the DRF view itself, so the claim
is made before the view and the answer stored after it. The key belongs to the user the view would
authenticate (token or session, with the view's own authentication classes); a request that does
not authenticate (the token endpoint, a missing or wrong token) is passed to the view untouched and
the header is ignored, so the view answers as it always does (401, or the token).
"""

from __future__ import annotations

import copy
import io
from collections.abc import Callable
from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse
from rest_framework import exceptions
from rest_framework.request import Request
from rest_framework.views import APIView

from kap_clinic.accounts.models import User
from kap_clinic.common.api import error_body
from kap_clinic.common.errors import ApplicationError

from . import services

API_PREFIX = "/api/"
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH"})


class ApiIdempotencyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view_func: Callable, view_args: tuple, view_kwargs: dict[str, Any]
    ) -> HttpResponse | None:
        if request.method not in WRITE_METHODS or services.HEADER not in request.headers:
            return None
        view_class = getattr(view_func, "cls", None)
        if not request.path.startswith(API_PREFIX) or not (view_class and issubclass(view_class, APIView)):
            return None
        try:
            body = request.body
        except RequestDataTooBig:
            return None  # the view refuses it as it always does
        user = _authenticated_user(request, body, view_class(**view_func.initkwargs))
        if user is None:
            return None
        try:
            key = services.key_validate(request.headers[services.HEADER])
            sent = services.fingerprint_of(method=request.method, path=request.get_full_path(), body=body)
            return services.answer_once(
                user=user, key=key, sent=sent, run=lambda: view_func(request, *view_args, **view_kwargs)
            )
        except ApplicationError as exc:
            return _refusal(exc)


def _authenticated_user(request: HttpRequest, body: bytes, view: APIView) -> User | None:
    """Who the view will find the request is from, or None; the request itself is left as it was.

    A copy is authenticated, with its own stream over the body: session authentication checks the
    CSRF token, which may parse the body, and the view must still find it unread.
    """
    shadow = copy.copy(request)
    shadow._stream = io.BytesIO(body)  # type: ignore[attr-defined]
    try:
        user = Request(shadow, authenticators=view.get_authenticators()).user
    except exceptions.APIException:
        return None
    return user if user is not None and user.is_authenticated else None


def _refusal(exc: ApplicationError) -> JsonResponse:
    response = JsonResponse(
        error_body(code=exc.code, message=exc.message, field=exc.field, **exc.extra),
        status=exc.status,
        json_dumps_params={"separators": (",", ":")},  # as DRF writes the API's other answers
    )
    if isinstance(exc, services.KeyInProgress):
        response["Retry-After"] = str(services.RETRY_AFTER_SECONDS)
    return response
