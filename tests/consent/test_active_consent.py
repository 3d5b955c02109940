"""has_active_consent: signed, not revoked, not superseded by a version that requires re-consent."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
import time_machine
from django.utils import timezone

from consent import selectors, services
from consent.models import ConsentKind, ConsentRecord, ConsentRevocation
from kap_clinic.audit.models import AuditEvent
from kap_clinic.common.errors import Conflict, PermissionDeniedError, ValidationFailed

NY = zoneinfo.ZoneInfo("America/New_York")


def active(personas, at=None, kind="kap_treatment") -> bool:
    return selectors.has_active_consent(patient=personas.demo_patient, kind=kind, at=at)


def test_no_consent_before_signing_and_an_active_one_after(personas, kap_request, sign) -> None:
    assert not active(personas)
    record = sign(kap_request, personas.patient_user)
    assert active(personas)
    assert not active(personas, at=record.signed_at - dt.timedelta(seconds=1))
    assert not active(personas, kind="telehealth")
    assert not selectors.has_active_consent(patient=personas.other_patient, kind="kap_treatment")


def test_has_active_consent_is_one_query(personas, signed_record, django_assert_num_queries) -> None:
    with django_assert_num_queries(1):
        assert active(personas)


def test_revocation_ends_the_consent_from_that_moment_and_is_audited(personas, signed_record) -> None:
    before = timezone.now()
    revocation = services.consent_revoke(actor=personas.patient_user, record=signed_record, reason="Changed my mind")
    assert revocation.channel == ConsentRevocation.Channel.PORTAL
    assert not active(personas)
    assert active(personas, at=before)  # what was done before the revocation stays covered
    assert AuditEvent.objects.filter(action="consent.revoked", target_public_id=str(signed_record.public_id)).exists()
    # the signed record and its PDF remain readable
    record = ConsentRecord.objects.get(pk=signed_record.pk)
    assert record.typed_name == "Jordan Ellis" and record.pdfs.count() == 1
    assert services.consent_verify(actor=personas.prescriber, record=record).intact


def test_staff_revoke_on_the_patients_behalf_only_with_a_reason(personas, signed_record) -> None:
    with pytest.raises(ValidationFailed) as exc:
        services.consent_revoke(actor=personas.nurse, record=signed_record, reason="  ")
    assert exc.value.field == "reason"
    revocation = services.consent_revoke(actor=personas.nurse, record=signed_record, reason="Withdrew by phone")
    assert revocation.channel == ConsentRevocation.Channel.STAFF and revocation.revoked_by == personas.nurse
    with pytest.raises(Conflict):
        services.consent_revoke(actor=personas.prescriber, record=signed_record, reason="again")


def test_the_outsider_and_other_patients_cannot_revoke(personas, signed_record) -> None:
    with pytest.raises(PermissionDeniedError):
        services.consent_revoke(actor=personas.outsider, record=signed_record, reason="no")
    with pytest.raises(PermissionDeniedError):
        services.consent_revoke(actor=personas.other_patient_user, record=signed_record)
    assert active(personas)


def _publish_reconsent(personas, effective: dt.date):
    draft = services.consent_document_create(
        actor=personas.admin,
        kind=ConsentKind.objects.get(code="kap_treatment"),
        title="KAP consent v2",
        body="Updated risks.",
        effective_date=effective,
        requires_reconsent=True,
    )
    return services.consent_document_publish(actor=personas.admin, document=draft)


def test_a_reconsent_version_supersedes_older_signatures_from_its_effective_date(personas, documents, sign) -> None:
    # Signed in February; v2 published on 2026-03-06, effective 2026-03-09, after the DST change
    # (2026-03-08 in New York): the cut-over is local midnight, EDT.
    with time_machine.travel(dt.datetime(2026, 2, 20, 10, 0, tzinfo=NY), tick=False) as traveller:
        request = services.consent_request_signature(
            actor=personas.prescriber, patient=personas.demo_patient, kind="kap_treatment"
        )
        sign(request, personas.patient_user)
        traveller.move_to(dt.datetime(2026, 3, 6, 15, 0, tzinfo=NY))
        document = _publish_reconsent(personas, dt.date(2026, 3, 9))
    assert document.reconsent_from == dt.datetime(2026, 3, 9, 0, 0, tzinfo=NY)
    assert document.reconsent_from.utcoffset() == dt.timedelta(hours=-4)  # EDT after the change
    assert active(personas, at=dt.datetime(2026, 3, 8, 23, 59, tzinfo=NY))
    assert not active(personas, at=dt.datetime(2026, 3, 9, 0, 0, tzinfo=NY))
    statuses = {
        s.kind.code: s
        for s in selectors.consent_status_for_patient(
            patient=personas.demo_patient, at=dt.datetime(2026, 3, 10, tzinfo=NY)
        )
    }
    assert statuses["kap_treatment"].state in ("pending", "superseded")


def test_signing_the_reconsent_version_makes_the_consent_active_again(personas, signed_record, sign) -> None:
    document = _publish_reconsent(personas, timezone.localdate())
    assert not active(personas)
    request = selectors.pending_requests_for_patient(patient=personas.demo_patient).get(document=document)
    sign(request, personas.patient_user)
    assert active(personas)


def test_a_version_without_reconsent_leaves_older_signatures_in_force(personas, signed_record) -> None:
    draft = services.consent_document_create(
        actor=personas.admin,
        kind=ConsentKind.objects.get(code="kap_treatment"),
        title="KAP consent v2 (typo fixes)",
        body="Same meaning.",
        effective_date=timezone.localdate(),
    )
    services.consent_document_publish(actor=personas.admin, document=draft)
    assert active(personas)


def test_a_superseded_version_can_no_longer_be_signed(personas, kap_request, sign) -> None:
    _publish_reconsent(personas, timezone.localdate())
    kap_request.refresh_from_db()
    with pytest.raises(Conflict):
        sign(kap_request, personas.patient_user)


def test_chart_status_per_kind(personas, signed_record, documents) -> None:
    statuses = {s.kind.code: s for s in selectors.consent_status_for_patient(patient=personas.demo_patient)}
    assert statuses["kap_treatment"].state == "active"
    assert statuses["electronic_records"].state == "active"
    assert statuses["telehealth"].state == "none"
    services.consent_request_signature(actor=personas.prescriber, patient=personas.demo_patient, kind="telehealth")
    services.consent_revoke(actor=personas.patient_user, record=signed_record)
    statuses = {s.kind.code: s for s in selectors.consent_status_for_patient(patient=personas.demo_patient)}
    assert statuses["telehealth"].state == "pending"
    assert statuses["kap_treatment"].state == "revoked"
