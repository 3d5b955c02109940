"""The demo seed: published documents, and the demo patient's KAP consent signed, witnessed and rendered."""

from __future__ import annotations

from consent import selectors
from consent.demo import seed_consent
from consent.models import ConsentDocument, ConsentKind, ConsentPdf, ConsentRecord
from kap_clinic.accounts.demo import seed_users
from patients.demo import seed_patients


def test_the_demo_seed_signs_the_kap_consent_through_the_service_and_renders_its_pdfs(
    db, django_capture_on_commit_callbacks
) -> None:
    users = seed_users()
    patients = seed_patients(users)
    with django_capture_on_commit_callbacks(execute=True):
        seed_consent(users, patients)
    demo = patients["demo"]
    assert ConsentDocument.objects.filter(published_at__isnull=False).count() == ConsentKind.objects.count()
    record = selectors.active_consent_record(patient=demo, kind=ConsentKind.KAP_TREATMENT)
    assert record is not None and record.signer == users["patient"]
    assert record.countersignature.clinician == users["prescriber"]
    assert set(record.pdfs.values_list("stage", flat=True)) == {ConsentPdf.Stage.SIGNED, ConsentPdf.Stage.COUNTERSIGNED}
    counts = (ConsentRecord.objects.count(), ConsentPdf.objects.count(), ConsentDocument.objects.count())
    with django_capture_on_commit_callbacks(execute=True):
        seed_consent(users, patients)
    assert (ConsentRecord.objects.count(), ConsentPdf.objects.count(), ConsentDocument.objects.count()) == counts


def test_the_demo_kap_consent_covers_what_the_seed_article_names(personas, documents) -> None:
    body = documents[ConsentKind.KAP_TREATMENT].body.lower()
    for topic in (
        "how ketamine is given and supervised",
        "nausea",
        "dizziness",
        "blood pressure",
        "dissociation",
        "what you see or hear",
        "bladder",
        "psychological dependence",
        "thinking and memory",
        "off-label",
        "right to withdraw",
    ):
        assert topic in body, topic
