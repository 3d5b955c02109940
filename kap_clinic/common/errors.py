"""Domain errors raised by services and mapped to form errors (HTML) or 400/409 (API)."""

from __future__ import annotations


class ApplicationError(Exception):
    """A rule of the domain refused the request.

    ``field`` names the input the rule is about (``None`` for the whole request); ``status``
    is the HTTP status the API answers with (400 for bad input, 409 for a state conflict).
    """

    status = 400
    code = "invalid"

    def __init__(self, message: str, *, field: str | None = None, extra: dict | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.extra = extra or {}


class ValidationFailed(ApplicationError):
    code = "validation_failed"


class Conflict(ApplicationError):
    status = 409
    code = "conflict"


class InvalidTransition(Conflict):
    code = "invalid_transition"


class PermissionDeniedError(ApplicationError):
    status = 403
    code = "permission_denied"
