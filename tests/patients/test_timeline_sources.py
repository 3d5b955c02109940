"""Sessions and consent documents on the chart timeline (sources registered by those apps), within
the chart's fixed query budget, and only for users who may see them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from consent import services as consent_services
from consent.demo import seed_consent_documents
from consent.models import ConsentKind, ConsentRecord, ConsentRevocation, SigningRequest
from consent.signature import generated_signature_png, png_data_url
from patients.timeline import timeline_for
from sessions_app.scheduling.models import Session
from sessions_app.scheduling.services.sessions import session_cancel, session_schedule, session_walk
from tests.consent.conftest import sign_kwargs

from .test_query_budgets import CHART_BUDGET, CHART_OWN_BUDGET, count_queries

pytestmark = pytest.mark.django_db


def past_session(personas, days_ago: int, kind: str = "consultation") -> Session:
    start = (timezone.now() - dt.timedelta(days=days_ago)).replace(minute=0, second=0, microsecond=0)
    return session_schedule(
        actor=personas.admin,
        patient=personas.demo_patient,
        kind=kind,
        starts_at=start,
        lead_clinician=personas.prescriber,
        allow_past=True,
        override_hours=True,
        override_reason="Recorded after the fact",
    )


def signed_consent(personas) -> ConsentRecord:
    seed_consent_documents(personas.admin)
    request = consent_services.consent_request_signature(
        actor=personas.prescriber, patient=personas.demo_patient, kind=ConsentKind.KAP_TREATMENT
    )
    signature = png_data_url(generated_signature_png(personas.demo_patient.full_name))
    return consent_services.consent_sign(user=personas.patient_user, request=request, **sign_kwargs(request, signature))


def test_a_session_and_a_signed_consent_appear_on_the_chart_timeline(personas, client_for) -> None:
    done = past_session(personas, days_ago=3)
    # Recorded after the fact: the walk skips the check-in window (the session's day is over).
    done = session_walk(actor=personas.prescriber, session=done, to_status="completed", check_window=False)
    cancelled = session_cancel(actor=personas.admin, session=past_session(personas, days_ago=2), reason="Unwell")
    upcoming = session_schedule(
        actor=personas.admin,
        patient=personas.demo_patient,
        kind="consultation",
        starts_at=timezone.now() + dt.timedelta(days=5),
        lead_clinician=personas.prescriber,
        override_hours=True,
        override_reason="Test",
    )
    record = signed_consent(personas)

    entries = timeline_for(personas.demo_patient, personas.prescriber)
    titles = [e.title for e in entries]
    assert "Consultation session: Completed" in titles
    assert "Consultation session: Cancelled" in titles
    assert any(t.startswith("Consent signed: ") and f"(v{record.document.version})" in t for t in titles)
    assert any(t.startswith("Consent requested: ") for t in titles)
    urls = {e.url for e in entries}
    assert reverse("sessions_app:session_detail", args=[done.public_id]) in urls
    assert reverse("sessions_app:session_detail", args=[cancelled.public_id]) in urls
    assert reverse("sessions_app:session_detail", args=[upcoming.public_id]) not in urls  # not happened yet
    assert reverse("consent:record_detail", args=[record.public_id]) in urls
    assert [e.at for e in entries] == sorted((e.at for e in entries), reverse=True)

    page = client_for(personas.prescriber).get(reverse("patients:detail", args=[personas.demo_patient.public_id]))
    html = page.content.decode()
    timeline_html = html[html.index('data-testid="timeline"') :]
    assert "Consultation session: Completed" in timeline_html
    assert "Consent signed: " in timeline_html

    consent_services.consent_revoke(actor=personas.prescriber, record=record, reason="Said so on the phone")
    titles = [e.title for e in timeline_for(personas.demo_patient, personas.prescriber)]
    assert any(t.startswith("Consent revoked: ") for t in titles)


def test_the_timeline_sources_show_nothing_to_users_without_access(personas, client_for) -> None:
    past_session(personas, days_ago=3)
    signed_consent(personas)
    # The outsider is not on the care team: the sources themselves give nothing (the chart is a 404 anyway).
    assert timeline_for(personas.demo_patient, personas.outsider) == []
    outsider_page = client_for(personas.outsider).get(
        reverse("patients:detail", args=[personas.demo_patient.public_id])
    )
    assert outsider_page.status_code == 404
    # The admin's chart has no clinical timeline at all.
    admin_page = client_for(personas.admin).get(reverse("patients:detail", args=[personas.demo_patient.public_id]))
    assert admin_page.status_code == 200
    assert 'data-testid="timeline"' not in admin_page.content.decode()


def add_history(personas, record: ConsentRecord, count: int) -> None:
    """``count`` past sessions, signing requests and signed consents (a fifth of them revoked)."""
    patient, now = personas.demo_patient, timezone.now()
    Session.objects.bulk_create(
        Session(
            patient=patient,
            kind="integration",
            lead_clinician=personas.therapist,
            starts_at=now - dt.timedelta(days=400 + i, hours=1),
            ends_at=now - dt.timedelta(days=400 + i),
            status="completed",
            created_by=personas.admin,
        )
        for i in range(count)
    )
    SigningRequest.objects.bulk_create(
        SigningRequest(
            patient=patient,
            document=record.document,
            created_by=personas.prescriber,
            token_hash=f"bulk-{count}-{i}",
            nonce=str(i),
            expires_at=now - dt.timedelta(days=300 + i),
            used_at=now - dt.timedelta(days=301 + i),
        )
        for i in range(count)
    )
    # created_at is set on insert; date the bulk requests back with their use.
    SigningRequest.objects.filter(token_hash__startswith=f"bulk-{count}-").update(created_at=F("used_at"))
    copied = {f.name: getattr(record, f.name) for f in ConsentRecord._meta.concrete_fields if not f.primary_key}
    copied.pop("public_id", None)
    records = ConsentRecord.objects.bulk_create(
        ConsentRecord(**{**copied, "request": None, "signed_at": now - dt.timedelta(days=301 + i)})
        for i in range(count)
    )
    ConsentRevocation.objects.bulk_create(
        ConsentRevocation(
            record=r, revoked_at=r.signed_at + dt.timedelta(days=1), revoked_by=personas.prescriber, channel="portal"
        )
        for r in records[::5]
    )


def test_the_chart_keeps_its_query_budget_with_many_sessions_and_consents(personas, client_for) -> None:
    record = signed_consent(personas)
    past_session(personas, days_ago=3)
    client = client_for(personas.prescriber)
    url = reverse("patients:detail", args=[personas.demo_patient.public_id])
    add_history(personas, record, 5)
    few, few_own = count_queries(client, url), count_queries(client, url, own=True)
    add_history(personas, record, 495)
    many, many_own = count_queries(client, url), count_queries(client, url, own=True)
    assert few <= CHART_BUDGET and many <= CHART_BUDGET, (few, many)
    assert few_own <= CHART_OWN_BUDGET and many_own <= CHART_OWN_BUDGET, (few_own, many_own)
    assert many == few, (few, many)
    entries = timeline_for(personas.demo_patient, personas.prescriber)
    assert len(entries) == 20 and {e.kind for e in entries} >= {"session", "consent"}
