from __future__ import annotations

from consent import selectors


def test_the_demo_patient_signs_and_the_consent_is_active(personas, signed_record) -> None:
    assert selectors.has_active_consent(patient=personas.demo_patient, kind="kap_treatment")
    assert signed_record.pdfs.count() == 1
