"""Small pieces the sub-packages' API views share: input validation, a path parameter that takes
fixed values, the 404 body, and the reason input of void actions."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response


def path_choice(name: str, choices: list[str]) -> OpenApiParameter:
    """A ``<slug:...>`` path segment that only takes these values (anything else is a 404)."""
    return OpenApiParameter(name, str, OpenApiParameter.PATH, enum=choices)


def valid_input(serializer_class: type[serializers.Serializer], request: Request) -> dict:
    data = serializer_class(data=request.data)
    data.is_valid(raise_exception=True)
    return dict(data.validated_data)


def not_found_response(message: str) -> Response:
    return Response({"error": {"code": "not_found", "message": message, "field": None}}, status=404)


class ClinicalReasonInput(serializers.Serializer):
    reason = serializers.CharField(allow_blank=True)
