"""/healthz answers JSON: 200 while the database answers, 503 when it does not. Redis is reported in the
body ("degraded") but is no 503: pages work without it, so a load balancer must keep the instance."""

from __future__ import annotations

import socket

import pytest
from django.db.utils import OperationalError

from kap_clinic.common import health


def closed_port() -> int:
    """A local port nothing listens on: bind, note the number, close."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.django_db
def test_healthz_answers_200_json_with_the_database_ok(client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"] == "ok"
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


@pytest.mark.django_db
def test_healthz_needs_no_login(client) -> None:
    assert client.get("/healthz").status_code == 200


@pytest.mark.django_db
def test_healthz_answers_503_when_the_database_check_fails(client, monkeypatch) -> None:
    class BrokenCursor:
        def __enter__(self):
            raise OperationalError("connection refused")

        def __exit__(self, *exc: object) -> None:
            return None

    monkeypatch.setattr(health.connection, "cursor", lambda: BrokenCursor())
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error"
    assert body["checks"]["database"].startswith("error")
    assert "connection refused" not in response.content.decode()  # no driver detail leaks out


@pytest.mark.django_db
def test_healthz_stays_200_when_redis_is_configured_but_down(client, settings) -> None:
    settings.REDIS_URL = f"redis://127.0.0.1:{closed_port()}/0"
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "degraded"
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["redis"].startswith("error: ")


@pytest.mark.django_db
def test_healthz_answers_503_when_the_database_is_down_even_if_redis_is_too(client, settings, monkeypatch) -> None:
    settings.REDIS_URL = f"redis://127.0.0.1:{closed_port()}/0"
    monkeypatch.setattr(health, "_check_database", lambda: "error: OperationalError")
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["status"] == "error"


@pytest.mark.django_db
def test_healthz_reports_redis_as_not_configured_in_embedded_mode(client, settings) -> None:
    settings.REDIS_URL = ""
    body = client.get("/healthz").json()
    assert body["checks"]["redis"].startswith("not configured")
    assert body["status"] == "ok"


@pytest.mark.django_db
@pytest.mark.services
def test_healthz_reports_redis_ok_when_it_answers(client, settings) -> None:
    if not settings.REDIS_URL:
        pytest.skip("REDIS_URL is not set (embedded mode)")
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["checks"]["redis"] == "ok"


@pytest.mark.django_db
def test_healthz_answers_head_for_load_balancers(client) -> None:
    assert client.head("/healthz").status_code == 200


@pytest.mark.django_db
def test_healthz_refuses_other_methods_without_a_500(client) -> None:
    assert client.post("/healthz").status_code == 405
    assert client.put("/healthz").status_code == 405
