"""Request body parsers for the API (a module of its own: DRF reads DEFAULT_PARSER_CLASSES while
``rest_framework.views`` is imported, so the parser must not live in a module that imports it)."""

from __future__ import annotations

from typing import Any

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser


class SafeJSONParser(JSONParser):
    """DRF's JSON parser, with JSON nested too deeply for Python's decoder (``[[[[…`` a hundred
    thousand deep) refused as a parse error (400) instead of a RecursionError (500)."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: dict | None = None) -> Any:
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError("JSON parse error - the body is nested too deeply.") from None
