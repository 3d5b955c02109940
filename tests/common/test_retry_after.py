"""Every 429 and 503 answer says when to come back: DRF's throttle its own seconds, the rest a default."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.http import HttpResponse
from django.test import RequestFactory

from kap_clinic.common.middleware import RETRY_AFTER_DEFAULTS, RetryAfterMiddleware

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("status", "expected"), [(429, "60"), (503, "30"), (200, None), (500, None)])
def test_the_middleware_adds_a_default_to_429_and_503_only(status, expected) -> None:
    middleware = RetryAfterMiddleware(lambda request: HttpResponse(status=status))
    response = middleware(RequestFactory().get("/"))
    assert response.get("Retry-After") == expected
    assert set(RETRY_AFTER_DEFAULTS) == {429, 503}


def test_a_view_s_own_retry_after_is_kept() -> None:
    def view(request):
        response = HttpResponse(status=503)
        response["Retry-After"] = "5"
        return response

    assert RetryAfterMiddleware(view)(RequestFactory().get("/"))["Retry-After"] == "5"


def test_the_throttled_token_endpoint_says_how_long_to_wait(client) -> None:
    cache.clear()
    answers = [
        client.post(
            "/api/v1/auth/token/", {"email": "nobody@example.com", "password": "x"}, content_type="application/json"
        )
        for _ in range(25)
    ]
    throttled = [a for a in answers if a.status_code == 429]
    cache.clear()
    assert throttled, [a.status_code for a in answers]
    assert int(throttled[0]["Retry-After"]) > 0


def test_the_jobs_endpoint_down_says_when_to_look_again(client) -> None:
    response = client.get("/healthz/jobs")  # nothing has ever run: down
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
