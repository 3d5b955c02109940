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
