"""The chart timeline: one dated list of what happened to a patient, newest first.

The patients app contributes assessments, intakes, eligibility decisions, status changes and
safety alerts. Higher apps add their own entries (sessions, documents, consents) without this
app importing them: in ``AppConfig.ready()`` call ``register_source("sessions", fn)`` where
``fn(patient, user, limit) -> Iterable[TimelineEntry]`` returns at most ``limit`` recent entries
the user may see. Each source costs a fixed number of queries, whatever the history length.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.urls import reverse

from .instruments import REGISTRY
from .models import Assessment, EligibilityDecision, IntakeAssessment, Patient, PatientStatusChange, SafetyFlag


@dataclass(frozen=True)
class TimelineEntry:
    at: dt.datetime
    kind: str  # "assessment", "intake", "eligibility", "status", "safety_flag", or a higher app's own
    title: str
    detail: str = ""
    url: str = ""
    tone: str = "secondary"  # a Bootstrap colour name for the marker


Source = Callable[[Patient, Any, int], Iterable[TimelineEntry]]
_sources: dict[str, Source] = {}


def register_source(name: str, source: Source) -> None:
    _sources[name] = source


def _assessments(patient: Patient, user: Any, limit: int) -> Iterable[TimelineEntry]:
    qs = Assessment.objects.filter(patient=patient).order_by("-administered_at", "-id")[:limit]
    for a in qs:
        instrument = REGISTRY.get(a.instrument)
        name = instrument.short_name if instrument else a.instrument
        band = instrument.band_label(a.severity) if instrument else a.severity
        yield TimelineEntry(
            at=a.administered_at,
            kind="assessment",
            title=f"{name}: {a.total} ({band})" + (" — voided" if a.voided_at else ""),
            detail="Safety alert raised" if set(a.flags) & {"suicidal_ideation", "suicide_risk"} else "",
            url=reverse("patients:assessment_detail", args=[patient.public_id, a.public_id]),
            tone="danger" if a.flags and not a.voided_at else "primary",
        )


def _intakes(patient: Patient, user: Any, limit: int) -> Iterable[TimelineEntry]:
    for intake in IntakeAssessment.objects.filter(patient=patient).order_by("-assessed_at", "-id")[:limit]:
        yield TimelineEntry(
            at=intake.assessed_at,
            kind="intake",
            title="Intake assessment",
            url=reverse("patients:intake_detail", args=[patient.public_id, intake.public_id]),
            tone="info",
        )


def _decisions(patient: Patient, user: Any, limit: int) -> Iterable[TimelineEntry]:
    qs = EligibilityDecision.objects.filter(patient=patient).select_related("decided_by")
    for d in qs.order_by("-decided_at", "-id")[:limit]:
        yield TimelineEntry(
            at=d.decided_at,
            kind="eligibility",
            title=f"Eligibility: {d.get_decision_display()}",
            detail=f"by {d.decided_by.full_name}",
            tone="success" if d.decision == EligibilityDecision.Decision.ELIGIBLE else "warning",
        )


def _status_changes(patient: Patient, user: Any, limit: int) -> Iterable[TimelineEntry]:
    qs = PatientStatusChange.objects.filter(patient=patient).select_related("changed_by")
    for c in qs.order_by("-changed_at", "-id")[:limit]:
        yield TimelineEntry(
            at=c.changed_at,
            kind="status",
            title=f"Status: {c.get_from_status_display()} → {c.get_to_status_display()}",
            detail=c.reason,
        )


def _flags(patient: Patient, user: Any, limit: int) -> Iterable[TimelineEntry]:
    qs = SafetyFlag.objects.filter(patient=patient).select_related("acknowledged_by")
    for f in qs.order_by("-raised_at", "-id")[:limit]:
        if f.acknowledged_at:
            yield TimelineEntry(
                at=f.acknowledged_at,
                kind="safety_flag",
                title=f"Safety alert acknowledged: {f.get_kind_display()}",
                detail=f"by {f.acknowledged_by.full_name}",
                tone="success",
            )
        yield TimelineEntry(
            at=f.raised_at, kind="safety_flag", title=f"Safety alert: {f.get_kind_display()}", tone="danger"
        )


OWN_SOURCES: tuple[Source, ...] = (_assessments, _intakes, _decisions, _status_changes, _flags)


def timeline_for(patient: Patient, user: Any, limit: int = 20) -> list[TimelineEntry]:
    """The ``limit`` most recent entries from every source. Callers check clinical access first."""
    entries: list[TimelineEntry] = []
    for source in (*OWN_SOURCES, *_sources.values()):
        entries.extend(source(patient, user, limit))
    entries.sort(key=lambda e: e.at, reverse=True)
    return entries[:limit]
