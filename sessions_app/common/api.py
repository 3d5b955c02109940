"""Small pieces the sub-packages' API views share: input validation, a path parameter that takes
fixed values, the 404 body, and the reason input of void actions."""

from __future__ import annotations

from django.utils.http import parse_header_parameters
from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response


def path_choice(name: str, choices: list[str]) -> OpenApiParameter:
    """A ``<slug:...>`` path segment that only takes these values (anything else is a 404)."""
    return OpenApiParameter(name, str, OpenApiParameter.PATH, enum=choices)


def _multipart_has_content(request: Request) -> bool:
    """Whether a multipart body is longer than an empty form (just the closing boundary line)."""
    _, params = parse_header_parameters(request.content_type)
    empty = len(f"--{params.get('boundary', '')}--\r\n")
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return True
    return length > empty + 2


def valid_input(serializer_class: type[serializers.Serializer], request: Request) -> dict:
    """The validated body. A multipart body that holds no form field at all is refused (400) rather
    than read as "no fields": for an action whose fields are all optional it would otherwise pass."""
    if request.content_type.startswith("multipart/") and not request.data and _multipart_has_content(request):
        raise serializers.ValidationError(
            {"non_field_errors": ["The body holds no form fields: send a JSON object or form fields."]}
        )
    data = serializer_class(data=request.data)
    data.is_valid(raise_exception=True)
    return dict(data.validated_data)


def not_found_response(message: str) -> Response:
    return Response({"error": {"code": "not_found", "message": message, "field": None}}, status=404)


class ClinicalReasonInput(serializers.Serializer):
    reason = serializers.CharField(allow_blank=True)
