"""OpenAPI post-processing so /api/schema/ stays a valid OpenAPI 3 document."""

from __future__ import annotations

from typing import Any


def drop_blank_defaults_of_formatted_strings(result: dict, generator: Any, request: Any, public: bool) -> dict:
    """Remove ``default: ""`` from strings that carry a ``format`` (email, uri, uuid, date...).

    ``serializers.EmailField(required=False, allow_blank=True, default="")`` is the usual way to
    say "optional"; drf-spectacular then emits ``{"format": "email", "default": ""}``, and a
    default that fails its own format makes the whole document invalid for strict validators.
    """

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == "string" and "format" in node and node.get("default") == "":
                del node["default"]
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(result)
    return result


def empty_optional_query_parameters_are_allowed(result: dict, generator: Any, request: Any, public: bool) -> dict:
    """Mark every optional query parameter ``allowEmptyValue: true``.

    Across the API an optional query parameter sent empty (``?status=``, ``?page=``) means the same
    as leaving it out: DRF's query serializers skip blank optional fields, and the views read
    ``query_params.get(name) or default``. The schema says so, so clients and the Schemathesis run
    don't take ``?room=`` for invalid input that should have been refused.
    """
    for item in result.get("paths", {}).values():
        for operation in item.values():
            if not isinstance(operation, dict):
                continue
            for parameter in operation.get("parameters", []):
                if parameter.get("in") == "query" and not parameter.get("required"):
                    parameter["allowEmptyValue"] = True
    return result


HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
ERROR_COMPONENT = "Error"
ERROR_SCHEMA = {
    "type": "object",
    "description": "The one error body of the API (kap_clinic.common.api.error_body).",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message", "field"],
            "properties": {
                "code": {"type": "string", "example": "invalid"},
                "message": {"type": "string", "example": "dose_mg: Ensure this value is greater than 0."},
                "field": {"type": "string", "nullable": True, "example": "dose_mg"},
                "fields": {"description": "Per-field messages of a validation error."},
            },
        }
    },
}


def document_error_responses(result: dict, generator: Any, request: Any, public: bool) -> dict:
    """Every operation may answer 4XX with the error body ``{"error": {code, message, field}}``.

    drf-spectacular lists only the success response; the API's refusals (400 bad input naming the
    field, 401/403, 404, 409 state conflicts, 415...) all share one body, documented once here so
    clients and the Schemathesis run can check status codes and error bodies against the schema.
    """
    result.setdefault("components", {}).setdefault("schemas", {})[ERROR_COMPONENT] = ERROR_SCHEMA
    response = {
        "description": "Refused: bad input (400, naming the field), not signed in (401), not allowed (403), "
        "not found (404), a state conflict (409) and the like.",
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{ERROR_COMPONENT}"}}},
    }
    for item in result.get("paths", {}).values():
        for method, operation in item.items():
            if method in HTTP_METHODS and isinstance(operation, dict):
                responses = operation.setdefault("responses", {})
                if not any(str(code).startswith("4") for code in responses):
                    responses["4XX"] = response
    return result
