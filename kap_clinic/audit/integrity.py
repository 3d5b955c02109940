"""Tamper evidence for the audit trail.

The database already refuses UPDATE and DELETE on audit rows (migration 0002). That stops the
application, not someone with direct database access. So, in addition:

* every event carries ``row_mac``: an HMAC-SHA256, under ``settings.AUDIT_HMAC_KEY``, of its
  canonical content. Editing a row, or inserting one without the key, breaks its MAC;
* a periodic job appends *seals*: each seal covers the next run of events by id, stores how many
  there were and a digest of their MACs, and is itself MAC'd together with the previous seal's MAC
  (a hash chain). Deleting or adding an event inside a sealed range, or removing a seal, breaks
  the chain.

``audit_verify()`` (and ``manage.py verify_audit_trail``) recomputes all of it.

Events are sealed only once they are ``SEAL_MARGIN`` old, so a transaction that took an id and
committed a little later is never left outside the seal that covers its id.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import ipaddress
import json
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

SEAL_MARGIN = dt.timedelta(minutes=10)
SEAL_BATCH = 20_000


def _key() -> bytes:
    return settings.AUDIT_HMAC_KEY.encode()


def _mac(message: str) -> str:
    return hmac.new(_key(), message.encode(), hashlib.sha256).hexdigest()


def _utc_iso(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).isoformat(timespec="microseconds")


def canonical(
    *,
    public_id: uuid.UUID | str,
    occurred_at: dt.datetime,
    actor_id: int | None,
    actor_role: str,
    action: str,
    outcome: str,
    target_type: str,
    target_public_id: str,
    patient_public_id: uuid.UUID | str | None,
    changed_fields: Iterable[str],
    ip: str | None,
    request_id: str,
) -> str:
    """The exact text an event's MAC covers (values as the database returns them)."""
    return json.dumps(
        [
            "audit-event-v1",
            str(public_id),
            _utc_iso(occurred_at),
            actor_id,
            actor_role,
            action,
            outcome,
            target_type,
            target_public_id,
            str(uuid.UUID(str(patient_public_id))) if patient_public_id else None,
            list(changed_fields),
            ipaddress.ip_address(ip).compressed if ip else None,
            request_id,
        ],
        separators=(",", ":"),
        ensure_ascii=True,
    )


def event_mac(**values: Any) -> str:
    return _mac(canonical(**values))


def stored_event_mac(event: Any) -> str:
    """Recompute the MAC of an event as stored."""
    return event_mac(
        public_id=event.public_id,
        occurred_at=event.occurred_at,
        actor_id=event.actor_id,
        actor_role=event.actor_role,
        action=event.action,
        outcome=event.outcome,
        target_type=event.target_type,
        target_public_id=event.target_public_id,
        patient_public_id=event.patient_public_id,
        changed_fields=event.changed_fields,
        ip=event.ip,
        request_id=event.request_id,
    )


def _digest(rows: Iterable[tuple[int, str]]) -> tuple[int, str]:
    h = hashlib.sha256()
    count = 0
    for event_id, mac in rows:
        h.update(f"{event_id}:{mac}\n".encode())
        count += 1
    return count, h.hexdigest()


def seal_mac(*, sequence: int, first_event_id: int, last_event_id: int, count: int, digest: str, prev: str) -> str:
    return _mac(f"audit-seal-v1|{sequence}|{first_event_id}|{last_event_id}|{count}|{digest}|{prev}")


def audit_seal(*, now: dt.datetime | None = None) -> Any:
    """Seal the events that are at least SEAL_MARGIN old and not sealed yet. Returns the new seal or None.

    Safe to run concurrently: the seal sequence is unique, so of two sealers racing for the same
    range one inserts and the other gets None.
    """
    from .models import AuditEvent, AuditSeal

    now = now or timezone.now()
    last = AuditSeal.objects.order_by("-sequence").first()
    after = last.last_event_id if last else 0
    upper = (
        AuditEvent.objects.filter(id__gt=after, occurred_at__lt=now - SEAL_MARGIN)
        .order_by("-id")
        .values_list("id", flat=True)
        .first()
    )
    if upper is None:
        return None
    rows = list(
        AuditEvent.objects.filter(id__gt=after, id__lte=upper).order_by("id").values_list("id", "row_mac")[:SEAL_BATCH]
    )
    last_id = rows[-1][0]
    count, digest = _digest(rows)
    sequence = (last.sequence if last else 0) + 1
    prev = last.mac if last else ""
    seal = AuditSeal(
        sequence=sequence,
        sealed_at=now,
        first_event_id=after + 1,
        last_event_id=last_id,
        event_count=count,
        events_digest=digest,
        prev_mac=prev,
        mac=seal_mac(
            sequence=sequence, first_event_id=after + 1, last_event_id=last_id, count=count, digest=digest, prev=prev
        ),
    )
    try:
        with transaction.atomic():
            seal.save()
    except IntegrityError:  # another sealer took this sequence number first
        return None
    return seal


@dataclass
class VerifyReport:
    events_checked: int = 0
    seals_checked: int = 0
    unsealed_events: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def intact(self) -> bool:
        return not self.problems


def audit_verify(*, max_problems: int = 100) -> VerifyReport:
    """Recompute every event MAC and the seal chain; list what does not match."""
    from .models import AuditEvent, AuditSeal

    report = VerifyReport()

    def problem(text: str) -> None:
        if len(report.problems) < max_problems:
            report.problems.append(text)
        elif len(report.problems) == max_problems:
            report.problems.append("… further problems not listed")

    for event in AuditEvent.objects.order_by("id").iterator(chunk_size=2000):
        report.events_checked += 1
        if not hmac.compare_digest(event.row_mac or "", stored_event_mac(event)):
            problem(f"event {event.public_id} (id {event.id}, {event.action}): content does not match its MAC")

    prev_mac, prev_last, expected_sequence = "", 0, 1
    for seal in AuditSeal.objects.order_by("sequence").iterator(chunk_size=500):
        report.seals_checked += 1
        label = f"seal {seal.sequence}"
        if seal.sequence != expected_sequence:
            problem(f"{label}: expected seal {expected_sequence} here (a seal is missing)")
        if seal.prev_mac != prev_mac or seal.first_event_id != prev_last + 1:
            problem(f"{label}: does not follow the previous seal (chain broken)")
        expected = seal_mac(
            sequence=seal.sequence,
            first_event_id=seal.first_event_id,
            last_event_id=seal.last_event_id,
            count=seal.event_count,
            digest=seal.events_digest,
            prev=seal.prev_mac,
        )
        if not hmac.compare_digest(seal.mac, expected):
            problem(f"{label}: the seal itself was altered")
        rows = AuditEvent.objects.filter(id__gte=seal.first_event_id, id__lte=seal.last_event_id).order_by("id")
        count, digest = _digest(rows.values_list("id", "row_mac").iterator(chunk_size=2000))
        if count != seal.event_count or digest != seal.events_digest:
            problem(
                f"{label}: events {seal.first_event_id}–{seal.last_event_id} were deleted, added or altered "
                f"({count} found, {seal.event_count} sealed)"
            )
        prev_mac, prev_last, expected_sequence = seal.mac, seal.last_event_id, seal.sequence + 1
    report.unsealed_events = AuditEvent.objects.filter(id__gt=prev_last).count()
    return report
