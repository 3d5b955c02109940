"""The schema documents the optional Idempotency-Key header and its 409 on every authenticated write."""

from __future__ import annotations

import re

import pytest
import yaml

pytestmark = pytest.mark.django_db

WRITES = {"post", "put", "patch"}


@pytest.fixture
def schema(client) -> dict:
    return yaml.safe_load(client.get("/api/schema/").content)


def _writes(schema: dict):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method in WRITES:
                yield path, method, operation


def test_every_authenticated_write_takes_the_header_and_may_answer_409(schema) -> None:
    writes = [(path, method, op) for path, method, op in _writes(schema) if path != "/api/v1/auth/token/"]
    assert len(writes) > 30
    for path, method, operation in writes:
        headers = [p for p in operation["parameters"] if p["in"] == "header" and p["name"] == "Idempotency-Key"]
        assert len(headers) == 1, (method, path)
        assert headers[0]["required"] is False
        assert headers[0]["schema"] == {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[!-~]{1,255}$"}
        conflict = operation["responses"]["409"]
        assert "idempotency_key_reused" in conflict["description"]
        assert conflict["content"]["application/json"]["schema"]["$ref"] == "#/components/schemas/Error"
        assert "4XX" in operation["responses"], (method, path)


def test_the_header_description_says_what_a_retry_gets(schema) -> None:
    operation = schema["paths"]["/api/v1/dosing-records/{public_id}/administrations/"]["post"]
    (header,) = [p for p in operation["parameters"] if p["name"] == "Idempotency-Key"]
    text = header["description"]
    for words in ("24 hours", "Idempotent-Replayed: true", "idempotency_key_reused", "idempotency_in_progress"):
        assert words in text
    assert re.fullmatch(header["schema"]["pattern"], header["example"])


def test_reads_and_the_open_token_endpoint_do_not_take_it(schema) -> None:
    token = schema["paths"]["/api/v1/auth/token/"]["post"]
    assert all(p["name"] != "Idempotency-Key" for p in token.get("parameters", []))
    for item in schema["paths"].values():
        for method, operation in item.items():
            if method == "get":
                assert all(p["name"] != "Idempotency-Key" for p in operation.get("parameters", []))
