"""The version of what a session's live pages show, so an open page can ask "anything new?" cheaply.

``LiveRevision`` holds one counter per session: every service that writes to the session's dosing
record or anything under it (vitals, doses, devices, observations, adverse events, gate decisions,
discharge, signature, addenda), or changes the session itself (booked, moved, status), adds one
to it in the same transaction (``sessions_app.clinical.live.live_bump``). An open dosing page sends
the number it shows and gets "no change" from one indexed read.

``LiveChange`` is the append-only list of what each revision changed (a kind and the row's public
id), so the API can answer "what changed since revision N" without comparing whole records.

These are separate tables on purpose: the signed dosing record and the rows under it refuse every
UPDATE at the database (migration 0005), yet an addendum written after signing must still move the
counter.
"""

from __future__ import annotations

from django.db import models


class LiveRevision(models.Model):
    session = models.OneToOneField(
        "sessions_app.Session", on_delete=models.CASCADE, primary_key=True, related_name="live_revision"
    )
    revision = models.PositiveBigIntegerField(default=0)
    changed_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"Session {self.session_id} at revision {self.revision}"


class LiveChange(models.Model):
    class Kind(models.TextChoices):
        SESSION = "session", "Session"
        RECORD = "record", "Dosing record"
        VITALS = "vitals", "Vitals reading"
        ADMINISTRATION = "administration", "Dose"
        OVERRIDE = "override", "Prescriber decision"
        OBSERVATION = "observation", "Observation"
        ADVERSE_EVENT = "adverse_event", "Adverse event"
        DISCHARGE = "discharge", "Discharge"
        ADDENDUM = "addendum", "Addendum"

    session = models.ForeignKey("sessions_app.Session", on_delete=models.CASCADE, related_name="+")
    revision = models.PositiveBigIntegerField()
    kind = models.CharField(max_length=20, choices=Kind.choices)
    # The public id of the row that changed (the session's own for SESSION and RECORD changes).
    object_id = models.UUIDField(null=True, blank=True)
    action = models.CharField(max_length=60)
    at = models.DateTimeField()

    class Meta:
        ordering = ["session", "revision"]
        constraints = [
            models.UniqueConstraint(fields=["session", "revision"], name="live_change_unique_revision"),
        ]

    def __str__(self) -> str:
        return f"{self.action} (revision {self.revision})"
