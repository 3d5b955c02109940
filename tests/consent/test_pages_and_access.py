"""Staff and portal pages: what they show, who gets 404, and query budgets with few and many rows."""

from __future__ import annotations

import pytest
from django.urls import reverse

from consent import services
from kap_clinic.audit.models import AuditEvent

from .conftest import sign_kwargs


def _staff_urls(personas, record) -> list[tuple[str, str, dict]]:
    pid, rid = personas.demo_patient.public_id, record.public_id
    api_record = {"public_id": pid, "record_id": rid}
    return [
        ("get", reverse("consent:patient_consents", kwargs={"public_id": pid}), {}),
        ("post", reverse("consent:request_create", kwargs={"public_id": pid}), {"kind": "telehealth"}),
        ("post", reverse("consent:portal_invite", kwargs={"public_id": pid}), {}),
        ("get", reverse("consent:record_detail", kwargs={"public_id": rid}), {}),
        ("get", reverse("consent:record_signature", kwargs={"public_id": rid}), {}),
        ("get", reverse("consent:record_pdf", kwargs={"public_id": rid}), {}),
        ("post", reverse("consent:record_countersign", kwargs={"public_id": rid}), {}),
        ("post", reverse("consent:record_revoke", kwargs={"public_id": rid}), {"reason": "x"}),
        ("post", reverse("consent:record_verify", kwargs={"public_id": rid}), {}),
        ("get", reverse("api:patient_consents", kwargs={"public_id": pid}), {}),
        ("post", reverse("api:patient_consents", kwargs={"public_id": pid}), {"kind": "telehealth"}),
        ("get", reverse("api:patient_consent_status", kwargs={"public_id": pid}), {}),
        ("get", reverse("api:patient_consent_requests", kwargs={"public_id": pid}), {}),
        ("get", reverse("api:patient_consent_detail", kwargs=api_record), {}),
        ("delete", reverse("api:patient_consent_detail", kwargs=api_record), {}),
        ("post", reverse("api:patient_consent_revoke", kwargs=api_record), {"reason": "x"}),
        ("post", reverse("api:patient_consent_countersign", kwargs=api_record), {}),
        ("post", reverse("api:patient_consent_verify", kwargs=api_record), {}),
        ("get", reverse("api:patient_consent_pdf", kwargs=api_record), {}),
    ]


def _portal_urls(record, request) -> list[tuple[str, str, dict]]:
    rid = record.public_id
    return [
        ("get", reverse("portal:consent_sign", kwargs={"public_id": request.public_id}), {}),
        ("post", reverse("portal:consent_sign", kwargs={"public_id": request.public_id}), {"agree": "on"}),
        ("get", reverse("portal:consent_record", kwargs={"public_id": rid}), {}),
        ("get", reverse("portal:consent_record_pdf", kwargs={"public_id": rid}), {}),
        ("get", reverse("portal:consent_record_signature", kwargs={"public_id": rid}), {}),
        ("get", reverse("portal:consent_revoke", kwargs={"public_id": rid}), {}),
        ("post", reverse("portal:consent_revoke", kwargs={"public_id": rid}), {"reason": ""}),
    ]


def test_the_outsider_gets_404_for_every_consent_page_file_and_endpoint_of_the_demo_patient(
    client, api_for, personas, signed_record
) -> None:
    client.force_login(personas.outsider)
    api = api_for(personas.outsider)
    for method, url, data in _staff_urls(personas, signed_record):
        http = api if "/api/" in url else client
        response = getattr(http, method)(url, data, **({"format": "json"} if http is api else {}))
        assert response.status_code == 404, (method, url, response.status_code)
        assert b"Jordan" not in response.content
    assert AuditEvent.objects.filter(actor=personas.outsider, outcome="denied").count() >= 10
    signed_record.refresh_from_db()
    assert not hasattr(signed_record, "revocation") and not hasattr(signed_record, "countersignature")


def test_another_patient_gets_404_for_every_portal_page_and_file_of_the_demo_patient(
    client, personas, signed_record, documents
) -> None:
    pending = services.consent_request_signature(
        actor=personas.prescriber, patient=personas.demo_patient, kind="telehealth"
    )
    client.force_login(personas.other_patient_user)
    for method, url, data in _portal_urls(signed_record, pending):
        response = getattr(client, method)(url, data)
        assert response.status_code == 404, (method, url, response.status_code)
        assert b"Jordan" not in response.content
    pending.refresh_from_db()
    assert pending.used_at is None


def test_patients_never_reach_the_staff_consent_pages_or_the_api(client, api_for, personas, signed_record) -> None:
    client.force_login(personas.patient_user)
    api = api_for(personas.patient_user)
    for method, url, data in _staff_urls(personas, signed_record):
        http = api if "/api/" in url else client
        response = getattr(http, method)(url, data, **({"format": "json"} if http is api else {}))
        assert response.status_code == 403, (method, url)


def test_staff_never_use_the_portal_signing_pages(client, personas, signed_record, kap_request) -> None:
    client.force_login(personas.prescriber)
    for method, url, data in _portal_urls(signed_record, kap_request):
        assert getattr(client, method)(url, data).status_code == 403


def test_the_chart_header_shows_consent_status_per_kind(client, personas, signed_record) -> None:
    client.force_login(personas.nurse)
    page = client.get(reverse("patients:detail", kwargs={"public_id": personas.demo_patient.public_id}))
    body = page.content.decode()
    assert 'data-testid="consent-status"' in body
    assert 'data-kind="kap_treatment" data-state="active"' in body
    assert 'data-kind="telehealth" data-state="none"' in body
    assert 'data-testid="chart-consents"' in body


def test_the_record_page_shows_the_signature_with_its_manifestation(client, personas, signed_record) -> None:
    client.force_login(personas.prescriber)
    body = client.get(reverse("consent:record_detail", kwargs={"public_id": signed_record.public_id})).content.decode()
    assert 'data-testid="manifestation"' in body
    assert "Jordan Ellis" in body and signed_record.meaning in body
    assert signed_record.text_sha256 in body and str(signed_record.public_id) in body
    assert reverse("consent:record_signature", kwargs={"public_id": signed_record.public_id}) in body
    assert AuditEvent.objects.filter(action="consent.viewed", actor=personas.prescriber).exists()


def test_the_portal_shows_pending_and_signed_documents_with_manifestation(
    client, personas, signed_record, documents
) -> None:
    services.consent_request_signature(actor=personas.prescriber, patient=personas.demo_patient, kind="telehealth")
    client.force_login(personas.patient_user)
    home = client.get(reverse("portal:home")).content.decode()
    assert 'data-testid="portal-pending"' in home and "Consent to telehealth" in home
    assert "Consent to ketamine-assisted psychotherapy" in home
    record_page = client.get(reverse("portal:consent_record", kwargs={"public_id": signed_record.public_id}))
    body = record_page.content.decode()
    assert 'data-testid="manifestation"' in body and signed_record.meaning in body
    assert 'data-testid="download-pdf"' in body


def test_the_patient_revokes_in_the_portal(client, personas, signed_record) -> None:
    client.force_login(personas.patient_user)
    url = reverse("portal:consent_revoke", kwargs={"public_id": signed_record.public_id})
    form = client.get(url)
    assert form.status_code == 200
    assert "do not have to give a reason" in form.content.decode()  # not the staff wording
    assert "on the patient's behalf" not in form.content.decode()
    response = client.post(url, {"reason": "I want to stop."})
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert 'data-testid="record-state"' in page and "Revoked" in page
    assert client.post(url, {"reason": ""}).status_code == 409
    # The signed record and its PDF stay readable after the revocation, in the portal and the chart.
    rid = {"public_id": signed_record.public_id}
    pdf = client.get(reverse("portal:consent_record_pdf", kwargs=rid))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert client.get(reverse("portal:consent_record_signature", kwargs=rid)).status_code == 200
    client.force_login(personas.nurse)
    staff_page = client.get(reverse("consent:record_detail", kwargs=rid))
    assert staff_page.status_code == 200 and "Revoked" in staff_page.content.decode()
    assert client.get(reverse("consent:record_pdf", kwargs=rid)).content == pdf.content


def test_staff_revoke_from_the_record_page_needs_a_reason(client, personas, signed_record) -> None:
    client.force_login(personas.therapist)
    url = reverse("consent:record_revoke", kwargs={"public_id": signed_record.public_id})
    missing = client.post(url, {"reason": ""})
    assert missing.status_code == 400 and "Give the reason" in missing.content.decode()
    assert client.post(url, {"reason": "Phoned to withdraw"}).status_code == 302


def test_the_verify_button_reports_intact_in_an_htmx_fragment(client, personas, signed_record) -> None:
    client.force_login(personas.prescriber)
    url = reverse("consent:record_verify", kwargs={"public_id": signed_record.public_id})
    response = client.post(url, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert 'data-status="intact"' in response.content.decode()
    assert "<html" not in response.content.decode()


def test_requesting_a_signature_from_the_staff_page(client, personas, documents, mailoutbox) -> None:
    client.force_login(personas.prescriber)
    url = reverse("consent:request_create", kwargs={"public_id": personas.demo_patient.public_id})
    response = client.post(url, {"kind": "telehealth"})
    assert response.status_code == 302
    bad = client.post(url, {"kind": "not-a-kind"})
    assert bad.status_code == 400


def test_admins_write_documents_from_the_pages(client, personas, documents) -> None:
    client.force_login(personas.admin)
    response = client.post(
        reverse("consent:document_create"),
        {"kind": "telehealth", "title": "Telehealth v2", "body": "Text", "effective_date": "2026-12-01"},
    )
    assert response.status_code == 302
    detail = response["Location"]
    public_id = detail.rstrip("/").split("/")[-1]
    edit = reverse("consent:document_edit", kwargs={"public_id": public_id})
    blank = client.post(edit, {"title": "", "body": "Text", "effective_date": "2026-12-01"})
    assert blank.status_code == 400
    assert client.post(reverse("consent:document_publish", kwargs={"public_id": public_id})).status_code == 302
    after = client.get(edit)  # published: editing redirects with a message
    assert after.status_code == 302


# --- Query budgets -------------------------------------------------------------------------------------


def _many_records(personas, documents, signature_url, count: int) -> None:
    """``count`` signed records across kinds; earlier ones revoked so each kind can be signed again."""
    from consent import selectors

    kinds = ["telehealth", "session_recording", "release_of_information", "esketamine_treatment", "kap_treatment"]
    for i in range(count):
        kind = kinds[i % len(kinds)]
        active = selectors.active_consent_record(patient=personas.demo_patient, kind=kind)
        if active is not None:
            services.consent_revoke(actor=personas.patient_user, record=active)
        request = services.consent_request_signature(
            actor=personas.prescriber, patient=personas.demo_patient, kind=kind
        )
        services.consent_sign(user=personas.patient_user, request=request, **sign_kwargs(request, signature_url))


@pytest.mark.parametrize("count", [1, 12])
def test_consent_pages_stay_within_a_query_budget(
    client, api_for, personas, documents, signature_url, count, django_assert_max_num_queries
) -> None:
    _many_records(personas, documents, signature_url, count)
    pid = personas.demo_patient.public_id
    client.force_login(personas.prescriber)
    with django_assert_max_num_queries(25):
        assert client.get(reverse("consent:patient_consents", kwargs={"public_id": pid})).status_code == 200
    with django_assert_max_num_queries(20):
        assert client.get(reverse("portal:consent_list")).status_code == 403
    client.force_login(personas.patient_user)
    with django_assert_max_num_queries(15):
        assert client.get(reverse("portal:consent_list")).status_code == 200
    with django_assert_max_num_queries(15):
        assert client.get(reverse("portal:home")).status_code == 200
    api = api_for(personas.prescriber)
    with django_assert_max_num_queries(15):
        assert api.get(reverse("api:patient_consents", kwargs={"public_id": pid})).status_code == 200
    with django_assert_max_num_queries(10):
        assert api.get(reverse("api:consent_documents")).status_code == 200


def test_the_chart_panels_cost_a_fixed_number_of_queries(
    rf, personas, documents, signature_url, django_assert_max_num_queries
) -> None:
    from consent import panels

    request = rf.get("/")
    request.user = personas.prescriber
    _many_records(personas, documents, signature_url, 1)
    with django_assert_max_num_queries(5) as few:
        panels.chart_status(request, patient=personas.demo_patient)
    _many_records(personas, documents, signature_url, 12)
    with django_assert_max_num_queries(len(few.captured_queries)):
        panels.chart_status(request, patient=personas.demo_patient)
    with django_assert_max_num_queries(6):
        panels.chart_consents(request, patient=personas.demo_patient)


def test_the_staff_page_answers_409_when_the_patient_already_signed_this_version(
    client, personas, signed_record
) -> None:
    client.force_login(personas.prescriber)
    url = reverse("consent:request_create", kwargs={"public_id": personas.demo_patient.public_id})
    response = client.post(url, {"kind": "kap_treatment"})
    assert response.status_code == 409
    assert "already signed version 1" in response.content.decode()


def test_a_second_draft_of_a_kind_is_a_409_with_the_reason(client, personas, documents) -> None:
    client.force_login(personas.admin)
    data = {"kind": "telehealth", "title": "v2", "body": "Text", "effective_date": "2026-12-01"}
    assert client.post(reverse("consent:document_create"), data).status_code == 302
    second = client.post(reverse("consent:document_create"), data)
    assert second.status_code == 409 and "already has a draft" in second.content.decode()


def test_an_oversized_signature_posted_to_the_page_gets_the_services_message(
    client, personas, kap_request, signature_url
) -> None:
    client.force_login(personas.patient_user)
    url = reverse("portal:consent_sign", kwargs={"public_id": kap_request.public_id})
    data = {
        "agree": "on",
        "typed_name": "Jordan Ellis",
        "signature": "data:image/png;base64," + "A" * 800_000,
        "shown_text_sha256": kap_request.document.text_sha256,
    }
    response = client.post(url, data)
    assert response.status_code == 400 and "too large" in response.content.decode()
