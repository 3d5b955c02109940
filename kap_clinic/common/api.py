"""API plumbing: pagination and one error body for every failure.

Error body: ``{"error": {"code": ..., "message": ..., "field": ...}}`` plus ``"fields"`` with
per-field messages for serializer validation errors.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from .errors import ApplicationError


class Pagination(PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 200

    def get_page_size(self, request) -> int:
        """``?page_size=`` is a whole number from 1 (larger asks get ``max_page_size``); anything else is a 400
        naming the parameter rather than a silent fall-back to the default page size."""
        raw = request.query_params.get(self.page_size_query_param, "")
        if raw == "":
            return self.page_size
        if not raw.isdigit() or int(raw) < 1:
            raise exceptions.ValidationError(
                {self.page_size_query_param: [f"A whole number from 1 to {self.max_page_size}."]}
            )
        return min(int(raw), self.max_page_size)

    def get_page_number(self, request, paginator) -> int:
        """``?page=`` is a whole number from 1 (or ``last``); anything else is a 400 naming it. A page past
        the end stays a 404 (there is no such page)."""
        raw = request.query_params.get(self.page_query_param, "")
        if raw == "":
            return 1
        if raw in self.last_page_strings:
            return paginator.num_pages
        if not raw.isdigit() or int(raw) < 1:
            raise exceptions.ValidationError({self.page_query_param: ["A whole number from 1, or 'last'."]})
        return int(raw)


def _first_message(detail: Any) -> tuple[str | None, str]:
    if isinstance(detail, dict):
        for key, value in detail.items():
            field, message = _first_message(value)
            return (key if key != "non_field_errors" else None) if field is None else f"{key}.{field}", message
    if isinstance(detail, list) and detail:
        return _first_message(detail[0])
    return None, str(detail)


def error_body(*, code: str, message: str, field: str | None = None, **extra: Any) -> dict:
    return {"error": {"code": code, "message": message, "field": field, **extra}}


def exception_handler(exc: Exception, context: dict) -> Response | None:
    if isinstance(exc, ApplicationError):
        return Response(error_body(code=exc.code, message=exc.message, field=exc.field, **exc.extra), status=exc.status)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        field, message = _first_message(exc.detail)
        label = f"{field}: " if field else ""
        response.data = error_body(code="invalid", message=f"{label}{message}", field=field, fields=exc.detail)
        response.status_code = status.HTTP_400_BAD_REQUEST
    elif isinstance(exc, exceptions.APIException):
        response.data = error_body(
            code=exc.get_codes() if isinstance(exc.get_codes(), str) else "error", message=str(exc.detail)
        )
    return response
