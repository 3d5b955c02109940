"""Answer a write once per (user, key), and give the same answer again to a retry.

The rules, for the API (``Idempotency-Key`` header) and the pages (a one-time key per form) alike:

* **Claim first.** The request inserts its row (in progress) and commits it before the view runs. The
  unique (user, key) constraint means that of two requests with one key exactly one runs, whatever
  the timing; the other never reaches the view.
* **The writes and the answer commit together.** The view runs in one transaction that ends by storing
  its answer, so either both are kept or neither is: a request that dies half-way leaves no dose
  behind and its claim can be taken over.
* **A retry** with the same method, path and body gets the stored status, body and the headers that
  matter (``KEPT_HEADERS``), plus ``Idempotent-Replayed: true``, and writes nothing.
* **The same key for another request** (method, path or body differ) is refused: ``KeyReused`` (409).
* **While the first request still runs** a retry is refused with ``KeyInProgress`` (409, retry after a
  second); pages wait a few seconds for the answer first.
* **A 5xx answer or an exception is not kept**: its transaction rolls back, the claim is deleted and a
  retry runs again. A 4xx answer is kept: the retry gets the same refusal (send a new key once the
  request is corrected).
* Keys expire after ``IDEMPOTENCY_KEY_TTL_HOURS`` (24 by default): an expired key counts as new, and
  ``keys_purge`` (hourly) deletes the rows.

A key is only as private as its user: rows are scoped by user, so two users can never see each
other's answers, whatever keys they choose. Answers about psychotherapy notes (``PRIVATE_PATHS``), the
most protected text in the record, are kept without their text: the replay carries the note's ``id``
only, and the client reads the note with it.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpResponse
from django.utils import timezone

from kap_clinic.accounts.models import User
from kap_clinic.common.errors import Conflict, ValidationFailed

from .models import IdempotencyKey

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
# Visible ASCII (no spaces or control characters), 1 to 255 of them: a UUID fits, so does a hash.
KEY_PATTERN = r"^[!-~]{1,255}$"
_KEY = re.compile(r"[!-~]{1,255}")
# Gunicorn stops a request after 30 s (deploy/gunicorn.conf.py): a claim twice that old belongs to a
# request that is gone, and its transaction went with it, so a retry may run in its place.
CLAIM_STALE_AFTER = timedelta(seconds=60)
RETRY_AFTER_SECONDS = 1
_POLL_SECONDS = 0.1
_RACES = 5
# Paths whose answers are kept as their ``id`` alone (never the note's text) for the key's 24 hours.
PRIVATE_PATHS = ("/api/v1/psychotherapy-notes/",)
# What a replay gives back besides the status and the body (never cookies: those belong to the moment).
KEPT_HEADERS = (
    "Content-Type",
    "Location",
    "ETag",
    "Last-Modified",
    "Vary",
    "HX-Location",
    "HX-Redirect",
    "HX-Refresh",
    "HX-Reswap",
    "HX-Retarget",
    "HX-Trigger",
)


class KeyInvalid(ValidationFailed):
    code = "idempotency_key_invalid"


class KeyReused(Conflict):
    code = "idempotency_key_reused"


class KeyInProgress(Conflict):
    code = "idempotency_in_progress"


class _ClaimLost(Exception):
    """A retry took this request's stale claim over; the retry's answer is the one kept."""


@dataclass(frozen=True)
class Fingerprint:
    """What makes a retry "the same request": a key sent again with anything else is refused."""

    method: str
    path: str
    body_sha256: str


def fingerprint_of(*, method: str, path: str, body: bytes) -> Fingerprint:
    return Fingerprint(method=method.upper(), path=path, body_sha256=hashlib.sha256(body).hexdigest())


def key_validate(raw: str, *, field: str = HEADER) -> str:
    """The key as sent, or ``KeyInvalid`` (400) naming ``field``."""
    if not _KEY.fullmatch(raw):
        raise KeyInvalid(
            f"{HEADER} must be 1 to 255 visible ASCII characters (no spaces); a UUID is a good choice.",
            field=field,
        )
    return raw


def answer_once(
    *,
    user: User,
    key: str,
    sent: Fingerprint,
    run: Callable[[], HttpResponse],
    wait_seconds: float = 0.0,
) -> HttpResponse:
    """``run()``'s answer if this request claims ``key``; otherwise the answer stored for it.

    Raises ``KeyReused`` when the key was used for another request, and ``KeyInProgress`` when the
    request that claimed it has not answered within ``wait_seconds``. See the module docstring.
    """
    deadline = time.monotonic() + wait_seconds
    for _ in range(_RACES):
        row, mine = _claim(user=user, key=key, sent=sent)
        if mine:
            return _run_claimed(row, run)
        # None: the row went away (its request failed, or it expired) since our insert: claim again.
        row = _await(row, deadline) if row is not None else None
        if row is None:
            continue
        if row.status == IdempotencyKey.Status.DONE:
            return replay(row)
        break
    raise KeyInProgress(
        f"A request with this {HEADER} is still being processed: send it again in a moment to get its answer.",
        field=HEADER,
        extra={"retry_after": RETRY_AFTER_SECONDS},
    )


def _await(row: IdempotencyKey, deadline: float) -> IdempotencyKey | None:
    """The row once its request has answered, or as it is at the deadline; None if it went away."""
    while row.status == IdempotencyKey.Status.IN_PROGRESS and time.monotonic() < deadline:
        time.sleep(_POLL_SECONDS)
        found = IdempotencyKey.objects.filter(pk=row.pk).first()
        if found is None:
            return None
        row = found
    return row


def _claim(*, user: User, key: str, sent: Fingerprint) -> tuple[IdempotencyKey | None, bool]:
    """(row, True) when this request now holds the key; (row, False) when another request has it;
    (None, False) when the row changed under us and the caller should look again."""
    now = timezone.now()
    try:
        with transaction.atomic():
            row = IdempotencyKey.objects.create(
                user=user,
                key=key,
                method=sent.method,
                path=sent.path,
                body_sha256=sent.body_sha256,
                claimed_at=now,
                expires_at=now + timedelta(hours=settings.IDEMPOTENCY_KEY_TTL_HOURS),
            )
        return row, True
    except IntegrityError:
        pass
    row = IdempotencyKey.objects.filter(user=user, key=key).first()
    if row is None:
        return None, False
    if row.expires_at <= now:
        IdempotencyKey.objects.filter(pk=row.pk, expires_at__lte=now).delete()
        return None, False
    if (row.method, row.path, row.body_sha256) != (sent.method, sent.path, sent.body_sha256):
        raise KeyReused(
            f"This {HEADER} was already used for another request (a different method, path or body); "
            "send a new key with a new request.",
            field=HEADER,
        )
    if row.status == IdempotencyKey.Status.IN_PROGRESS and row.claimed_at <= now - CLAIM_STALE_AFTER:
        return _take_over(row, now)
    return row, False


def _take_over(row: IdempotencyKey, now: datetime) -> tuple[IdempotencyKey | None, bool]:
    token = uuid.uuid4()
    taken = IdempotencyKey.objects.filter(
        pk=row.pk, claim_token=row.claim_token, status=IdempotencyKey.Status.IN_PROGRESS
    ).update(claim_token=token, claimed_at=now)
    if not taken:
        return None, False
    row.claim_token, row.claimed_at = token, now
    return row, True


def _run_claimed(row: IdempotencyKey, run: Callable[[], HttpResponse]) -> HttpResponse:
    kept = False
    try:
        with transaction.atomic():
            response = run()
            if response.status_code >= 500:
                transaction.set_rollback(True)
                return response
            response = _complete(row, response)
            kept = True
        return response
    except _ClaimLost:
        raise KeyInProgress(
            f"A newer request with this {HEADER} took over; send it again in a moment to get its answer.",
            field=HEADER,
            extra={"retry_after": RETRY_AFTER_SECONDS},
        ) from None
    finally:
        if not kept:
            IdempotencyKey.objects.filter(pk=row.pk, claim_token=row.claim_token).delete()


def _complete(row: IdempotencyKey, response: HttpResponse) -> HttpResponse:
    """Store the answer on the claimed row (in the view's transaction); the response to send."""
    render = getattr(response, "render", None)
    if callable(render):
        response = render()
    if response.streaming:
        # No write here streams; should one, it is read once so the replay can give the same bytes.
        content = b"".join(response.streaming_content)
        buffered = HttpResponse(content, status=response.status_code)
        for name, value in response.items():
            buffered[name] = value
        response.close()
        response = buffered
    headers = {name: response[name] for name in KEPT_HEADERS if response.has_header(name)}
    body = response.content
    if row.path.startswith(PRIVATE_PATHS):
        body = _id_only(body)
    stored = IdempotencyKey.objects.filter(
        pk=row.pk, claim_token=row.claim_token, status=IdempotencyKey.Status.IN_PROGRESS
    ).update(
        status=IdempotencyKey.Status.DONE,
        response_status=response.status_code,
        response_headers=headers,
        response_body=body,
    )
    if not stored:
        raise _ClaimLost
    return response


def _id_only(body: bytes) -> bytes:
    """A JSON answer reduced to its ``id`` (and error bodies, which hold no note text, as they are)."""
    try:
        data = json.loads(body or b"null")
    except ValueError:
        return b""
    if isinstance(data, dict) and "error" not in data:
        data = {"id": data.get("id"), "replayed_without_text": True}
    return json.dumps(data, separators=(",", ":")).encode()


def replay(row: IdempotencyKey) -> HttpResponse:
    """The stored answer again, marked as a replay."""
    response = HttpResponse(bytes(row.response_body), status=row.response_status)
    for name, value in row.response_headers.items():
        response[name] = value
    response[REPLAYED_HEADER] = "true"
    return response


def keys_purge(*, now: datetime | None = None) -> int:
    """Delete the keys whose time is up; the number deleted."""
    deleted, _ = IdempotencyKey.objects.filter(expires_at__lte=now or timezone.now()).delete()
    return deleted
