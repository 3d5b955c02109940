"""Building blocks for clinical tests: an eligible, consented, prepared patient and a stocked shelf.

Patient facts (intake, eligibility, weight, PHQ-9) are written as rows, the way the patients app
stores them; consent goes through the consent app's own document services and a signed record
row, and is revoked through ``consent_revoke``, so the dosing gate reads the real rule.
"""

from __future__ import annotations

import datetime as dt
import importlib
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone

from consent.models import ConsentKind, ConsentRecord
from consent.services.documents import consent_document_create, consent_document_publish
from consent.services.signing import consent_revoke
from kap_clinic.accounts.demo import DEMO_PASSWORD
from patients.models import Assessment, EligibilityDecision, Patient, WeightMeasurement
from sessions_app.clinical.models.dosing import DosingRecord
from sessions_app.clinical.services import notes
from sessions_app.clinical.services.monitoring import vitals_record
from sessions_app.inventory.models import InventoryLot
from sessions_app.inventory.services import lot_receive
from sessions_app.scheduling.models import Session
from tests.consent.factories import ConsentRecordFactory
from tests.patients.factories import EligibilityDecisionFactory, Phq9Factory, WeightMeasurementFactory

PASSWORD = DEMO_PASSWORD


def make_eligible(patient: Patient, by, *, days_ago: int = 10) -> EligibilityDecision:
    return EligibilityDecisionFactory(
        patient=patient, decided_by=by, decided_at=timezone.now() - dt.timedelta(days=days_ago)
    )


def make_not_eligible(patient: Patient, by) -> EligibilityDecision:
    return EligibilityDecisionFactory(
        patient=patient,
        decided_by=by,
        decided_at=timezone.now() - dt.timedelta(days=1),
        decision="not_eligible",
        rationale="Uncontrolled HTN",
    )


def record_weight(patient: Patient, by, kg: str = "70.0", *, days_ago: int = 0) -> WeightMeasurement:
    return WeightMeasurementFactory(
        patient=patient,
        measured_on=timezone.localdate() - dt.timedelta(days=days_ago),
        weight_kg=Decimal(kg),
        recorded_by=by,
    )


def record_phq9(patient: Patient, by, *, days_ago: int = 1, total: int = 14) -> Assessment:
    return Phq9Factory(
        patient=patient,
        answers=[2] * 7 + [0, 0],
        total=total,
        severity="moderate",
        administered_at=timezone.now() - dt.timedelta(days=days_ago),
        recorded_by=by,
    )


_documents: dict[str, int] = {}


def _consent_kinds() -> None:
    """Reference rows from consent's data migration (a transactional test's flush removes them)."""
    if not ConsentKind.objects.exists():
        from django.apps import apps

        importlib.import_module("consent.migrations.0002_consent_kinds").forward(apps, None)


def grant_consent(patient: Patient, kind_code: str, admin, *, days_ago: int = 5) -> ConsentRecord:
    _consent_kinds()
    kind = ConsentKind.objects.get(code=kind_code)
    document = kind.documents.filter(published_at__isnull=False).order_by("-version").first()
    if document is None:
        document = consent_document_create(
            actor=admin,
            kind=kind,
            title=f"{kind.name}",
            body=f"# {kind.name}\n\nI understand the risks of treatment.",
            effective_date=timezone.localdate() - dt.timedelta(days=30),
        )
        document = consent_document_publish(actor=admin, document=document)
    return ConsentRecordFactory(
        patient=patient,
        document=document,
        kind=kind,
        signer=patient.user or admin,
        signed_at=timezone.now() - dt.timedelta(days=days_ago),
    )


def revoke_consent(record: ConsentRecord, by) -> None:
    consent_revoke(actor=by, record=record, reason="Patient withdrew consent by phone")


def receive_lot(
    by,
    *,
    product: str = "ketamine_vial",
    lot_number: str = "KV-001",
    quantity: str = "500",
    days: int = 365,
    concentration: str = "50 mg/mL",
) -> InventoryLot:
    return lot_receive(
        actor=by,
        product=product,
        lot_number=lot_number,
        concentration=concentration,
        supplier="Acme Pharma",
        invoice_number=f"INV-{lot_number}",
        quantity=quantity,
        expires_on=timezone.localdate() + dt.timedelta(days=days),
    )


def expire_lot(lot: InventoryLot) -> InventoryLot:
    """Age a lot past its expiry (the receive service refuses expired stock, so tests move the date)."""
    InventoryLot.objects.filter(pk=lot.pk).update(expires_on=timezone.localdate() - dt.timedelta(days=1))
    lot.refresh_from_db()
    return lot


def sign_preparation(p, prep_session: Session, readiness: str = "ready"):
    record = notes.preparation_save(
        actor=p.therapist,
        session=prep_session,
        intentions="Understand my grief",
        concerns="Losing control",
        risks_discussed=["nausea", "dissociation", "blood_pressure"],
        fasting_explained=True,
        ride_home_plan="Partner drives",
        readiness=readiness,
    )
    return notes.record_sign(actor=p.therapist, record=record, password=PASSWORD)


@dataclass
class Ready:
    """A dosing session whose every pre-dose check is met except what a test takes away."""

    session: Session
    dosing: DosingRecord
    lot: InventoryLot
    consent: ConsentRecord | None


def full_vitals(p, dosing: DosingRecord, **values):
    reading = {"systolic": 124, "diastolic": 80, "heart_rate": 72, "spo2": 98, "resp_rate": 14, **values}
    return vitals_record(actor=p.nurse, dosing=dosing, **reading)
