"""The key's life: in progress, taken over when stale, expired, purged; a lost claim keeps nothing."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.conf import settings
from django.http import HttpResponse
from django.urls import reverse
from django.utils import timezone

from kap_clinic.accounts.models import User
from kap_clinic.idempotency import services
from kap_clinic.idempotency.models import IdempotencyKey
from kap_clinic.idempotency.tasks import idempotency_keys_purge_task
from sessions_app.clinical.models.dosing import VitalsReading

pytestmark = pytest.mark.django_db

HEADER = "HTTP_IDEMPOTENCY_KEY"
BODY = {"heart_rate": 80}


def vitals_path(r) -> str:
    return reverse("api:dosing_vitals", kwargs={"public_id": r.dosing.public_id})


def claim(user, path: str, *, key: str = "k", body: bytes, claimed_at: dt.datetime) -> IdempotencyKey:
    sent = services.fingerprint_of(method="POST", path=path, body=body)
    return IdempotencyKey.objects.create(
        user=user,
        key=key,
        method=sent.method,
        path=sent.path,
        body_sha256=sent.body_sha256,
        claimed_at=claimed_at,
        expires_at=claimed_at + dt.timedelta(hours=24),
    )


def test_a_retry_while_the_first_request_runs_is_a_409_with_retry_after(personas, ready, api_for) -> None:
    r = ready()
    claim(personas.nurse, vitals_path(r), body=b'{"heart_rate":80}', claimed_at=timezone.now())
    before = VitalsReading.objects.count()
    response = api_for(personas.nurse).post(vitals_path(r), BODY, format="json", **{HEADER: "k"})
    assert response.status_code == 409
    assert response["Retry-After"] == "1"
    error = response.json()["error"]
    assert error["code"] == "idempotency_in_progress" and error["field"] == "Idempotency-Key"
    assert error["retry_after"] == 1
    assert VitalsReading.objects.count() == before


def test_a_claim_left_by_a_request_that_died_is_taken_over(personas, ready, api_for) -> None:
    r = ready()
    row = claim(
        personas.nurse,
        vitals_path(r),
        body=b'{"heart_rate":80}',
        claimed_at=timezone.now() - services.CLAIM_STALE_AFTER - dt.timedelta(seconds=1),
    )
    response = api_for(personas.nurse).post(vitals_path(r), BODY, format="json", **{HEADER: "k"})
    assert response.status_code == 201
    row.refresh_from_db()
    assert row.status == IdempotencyKey.Status.DONE and row.response_status == 201


def test_a_request_whose_claim_was_taken_over_keeps_nothing(personas) -> None:
    """Its writes roll back with it: the request that took over is the one that counts."""
    sent = services.fingerprint_of(method="POST", path="/x/", body=b"")

    def slow_view() -> HttpResponse:
        User.objects.create_user("written@example.com", "x-unused-pw-123", full_name="Written Once")
        IdempotencyKey.objects.filter(user=personas.nurse, key="k").update(claim_token=uuid.uuid4())
        return HttpResponse("done", status=201)

    with pytest.raises(services.KeyInProgress):
        services.answer_once(user=personas.nurse, key="k", sent=sent, run=slow_view)
    assert not User.objects.filter(email="written@example.com").exists()


def test_a_5xx_answer_rolls_its_writes_back_and_frees_the_key(personas) -> None:
    sent = services.fingerprint_of(method="POST", path="/x/", body=b"")

    def unavailable() -> HttpResponse:
        User.objects.create_user("written@example.com", "x-unused-pw-123", full_name="Written Once")
        return HttpResponse("try later", status=503)

    assert services.answer_once(user=personas.nurse, key="k", sent=sent, run=unavailable).status_code == 503
    assert not User.objects.filter(email="written@example.com").exists()
    assert not IdempotencyKey.objects.exists()


def test_an_expired_key_counts_as_new(personas, ready, api_for, clock, settings) -> None:
    settings.IDEMPOTENCY_KEY_TTL_HOURS = 1
    r = ready()
    api = api_for(personas.nurse)
    before = VitalsReading.objects.count()
    assert api.post(vitals_path(r), BODY, format="json", **{HEADER: "k"}).status_code == 201
    clock.advance(minutes=59)
    assert api.post(vitals_path(r), BODY, format="json", **{HEADER: "k"})["Idempotent-Replayed"] == "true"
    clock.advance(minutes=2)
    again = api.post(vitals_path(r), BODY, format="json", **{HEADER: "k"})
    assert again.status_code == 201 and not again.has_header("Idempotent-Replayed")
    assert VitalsReading.objects.count() == before + 2


def test_the_purge_deletes_expired_keys_only(personas, time_machine) -> None:
    now = timezone.now()
    time_machine.move_to(now, tick=False)
    old = claim(personas.nurse, "/a/", key="old", body=b"", claimed_at=now - dt.timedelta(hours=25))
    fresh = claim(personas.nurse, "/a/", key="fresh", body=b"", claimed_at=now - dt.timedelta(hours=23))
    assert idempotency_keys_purge_task() == 1
    assert list(IdempotencyKey.objects.values_list("pk", flat=True)) == [fresh.pk]
    assert not IdempotencyKey.objects.filter(pk=old.pk).exists()


def test_keys_are_kept_24_hours_by_default() -> None:
    assert settings.IDEMPOTENCY_KEY_TTL_HOURS == 24


def test_the_purge_runs_hourly_from_beat_and_the_worker_knows_the_task() -> None:
    from kap_clinic.celery import app

    entry = settings.CELERY_BEAT_SCHEDULE["idempotency-purge"]
    assert entry["task"] == "kap_clinic.idempotency.tasks.idempotency_keys_purge_task"
    assert entry["schedule"].minute == {23} and len(entry["schedule"].hour) == 24
    app.loader.import_default_modules()
    assert entry["task"] in app.tasks
