"""OpenAPI: the optional ``Idempotency-Key`` header and its 409 on every write of the API."""

from __future__ import annotations

import copy
from typing import Any

from django.conf import settings

from .services import HEADER, KEY_PATTERN, REPLAYED_HEADER

WRITE_METHODS = {"post", "put", "patch"}
DESCRIPTION = (
    "Makes the write safe to retry: the first answer to this key is kept for {hours} hours (per user), and a "
    f"retry with the same key, method, path and body gets that answer again, with `{REPLAYED_HEADER}: "
    "true`, and writes nothing. The same key with another request is a 409 `idempotency_key_reused`; a "
    "retry while the first request still runs is a 409 `idempotency_in_progress` with `Retry-After`. "
    "4xx answers are kept (send a new key once the request is corrected); a 5xx answer is not, and a "
    "retry runs again. Ignored on requests that are not authenticated."
)
PARAMETER = {
    "name": HEADER,
    "in": "header",
    "required": False,
    "schema": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": KEY_PATTERN},
    "example": "6f1c2a8e-3b9d-4c1e-9a57-0d2b8e4f7a10",
}
CONFLICT = (
    "A state conflict; or, with an Idempotency-Key, the key was used for another request "
    "(`idempotency_key_reused`) or its first request is still running (`idempotency_in_progress`, "
    "see Retry-After)."
)


def document_idempotency_key(result: dict, generator: Any, request: Any, public: bool) -> dict:
    """Every authenticated POST, PUT and PATCH takes the optional header and may answer 409."""
    description = DESCRIPTION.format(hours=settings.IDEMPOTENCY_KEY_TTL_HOURS)
    for item in result.get("paths", {}).values():
        for method, operation in item.items():
            if method not in WRITE_METHODS or not isinstance(operation, dict):
                continue
            if operation.get("security") == [{}]:
                continue  # open to anyone (the token endpoint): there is no user to keep the answer for
            parameter = {**copy.deepcopy(PARAMETER), "description": description}
            operation.setdefault("parameters", []).append(parameter)
            conflict = operation.setdefault("responses", {}).setdefault("409", {})
            conflict["description"] = CONFLICT
            conflict.setdefault("content", {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}})
    return result
