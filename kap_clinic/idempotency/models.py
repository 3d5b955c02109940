"""One row per (user, key): the claim of the request that runs, then the answer it gave."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models


class IdempotencyKey(models.Model):
    """The first request sent with a key, and (once it finished) its answer, kept until ``expires_at``.

    A cache of answers, not a record: rows are deleted when they expire (``keys_purge``), and with
    their user. ``claim_token`` says which request holds an unfinished claim, so a request that lost
    its claim to a retry cannot also store its answer.
    """

    class Status(models.TextChoices):
        IN_PROGRESS = "in_progress", "In progress"
        DONE = "done", "Done"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    method = models.CharField(max_length=10)
    path = models.TextField()
    body_sha256 = models.CharField(max_length=64)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.IN_PROGRESS)
    claim_token = models.UUIDField(default=uuid.uuid4)
    claimed_at = models.DateTimeField()
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    response_headers = models.JSONField(default=dict, blank=True)
    response_body = models.BinaryField(default=b"", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [
            # The claim: of two requests with one key, the database lets exactly one insert its row.
            models.UniqueConstraint(fields=["user", "key"], name="idempotency_key_unique_per_user"),
        ]

    def __str__(self) -> str:
        return f"{self.method} {self.path} ({self.status})"
