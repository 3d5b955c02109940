"""The audit trail: one append-only row per read or write of patient data.

Rows name *what* was touched (type + public id + changed field names), never the clinical text
itself, so the trail can be shown to admins who may not read clinical content.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    def update(self, **kwargs: object) -> int:
        raise PermissionError("Audit events are append-only.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise PermissionError("Audit events are append-only.")

    def bulk_update(self, objs: object, fields: object, batch_size: int | None = None) -> int:
        # Refuse before Django opens its own atomic block, so the caller's transaction stays usable.
        raise PermissionError("Audit events are append-only.")


class AuditEvent(models.Model):
    """Who did what to which record, when and from where.

    ``action`` is a dotted verb (``patient.viewed``, ``consent.signed``). ``actor`` is null for
    system jobs. ``actor_role`` snapshots the role at the time, because roles change.
    ``outcome`` records refused attempts (``denied``) as well as successful ones.
    """

    class Outcome(models.TextChoices):
        SUCCESS = "success", "Success"
        DENIED = "denied", "Denied"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    occurred_at = models.DateTimeField(db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT)
    actor_role = models.CharField(max_length=40, blank=True)
    action = models.CharField(max_length=60, db_index=True)
    outcome = models.CharField(max_length=10, choices=Outcome.choices, default=Outcome.SUCCESS)
    target_type = models.CharField(max_length=60)
    target_public_id = models.CharField(max_length=64, blank=True, db_index=True)
    # The patient is stored as a public id, not a foreign key: the audit app sits below `patients`
    # in the dependency graph and must keep working whatever happens to the patient row.
    patient_public_id = models.UUIDField(null=True, blank=True, db_index=True)
    changed_fields = models.JSONField(default=list, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    # HMAC of the row's content under settings.AUDIT_HMAC_KEY (kap_clinic/audit/integrity.py).
    row_mac = models.CharField(max_length=64, null=True, editable=False)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(fields=["patient_public_id", "-occurred_at"], name="audit_patient_time"),
            models.Index(fields=["actor", "-occurred_at"], name="audit_actor_time"),
        ]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M} {self.action} {self.target_type}"

    def save(self, *args: object, **kwargs: object) -> None:
        if self.pk is not None:
            raise PermissionError("Audit events are append-only.")
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    def delete(self, *args: object, **kwargs: object) -> tuple[int, dict[str, int]]:
        raise PermissionError("Audit events are append-only.")


class AuditSeal(models.Model):
    """One link of the hash chain over the trail: events ``first_event_id``–``last_event_id``.

    Append-only like the events (see kap_clinic/audit/integrity.py for how seals are made and checked).
    """

    sequence = models.PositiveBigIntegerField(unique=True)
    sealed_at = models.DateTimeField()
    first_event_id = models.BigIntegerField()
    last_event_id = models.BigIntegerField()
    event_count = models.PositiveIntegerField()
    events_digest = models.CharField(max_length=64)
    prev_mac = models.CharField(max_length=64, blank=True)
    mac = models.CharField(max_length=64)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-sequence"]

    def __str__(self) -> str:
        return f"Seal {self.sequence}: events {self.first_event_id}–{self.last_event_id}"

    def save(self, *args: object, **kwargs: object) -> None:
        if self.pk is not None:
            raise PermissionError("Audit seals are append-only.")
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    def delete(self, *args: object, **kwargs: object) -> tuple[int, dict[str, int]]:
        raise PermissionError("Audit seals are append-only.")
