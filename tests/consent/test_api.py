"""/api/v1/consent-documents/ and /api/v1/patients/{id}/consents/."""

from __future__ import annotations

from django.urls import reverse

from consent.models import ConsentDocument


def test_staff_list_documents_and_admins_create_patch_and_publish(api_for, personas, documents) -> None:
    listed = api_for(personas.nurse).get(reverse("api:consent_documents")).json()
    assert {d["kind"] for d in listed["results"]} >= {"kap_treatment", "electronic_records"}
    assert all(d["status"] == "published" and len(d["text_sha256"]) == 64 for d in listed["results"])
    api = api_for(personas.admin)
    created = api.post(
        reverse("api:consent_documents"),
        {"kind": "telehealth", "title": "Telehealth v2", "body": "New.", "effective_date": "2026-12-01"},
        format="json",
    )
    assert created.status_code == 201 and created.json()["version"] == 2 and created.json()["status"] == "draft"
    url = reverse("api:consent_document_detail", kwargs={"public_id": created.json()["id"]})
    assert api.patch(url, {"requires_reconsent": True}, format="json").json()["requires_reconsent"] is True
    published = api.post(reverse("api:consent_document_publish", kwargs={"public_id": created.json()["id"]}))
    assert published.status_code == 200 and published.json()["status"] == "published"
    refused = api.patch(url, {"title": "Edited after publication"}, format="json")
    assert refused.status_code == 409
    assert "new version" in refused.json()["error"]["message"]
    assert ConsentDocument.objects.get(public_id=created.json()["id"]).title == "Telehealth v2"


def test_bad_document_input_names_the_field(api_for, personas, documents) -> None:
    api = api_for(personas.admin)
    response = api.post(reverse("api:consent_documents"), {"kind": "nope", "title": "", "body": "x"}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["field"] in {"kind", "title", "effective_date"}
    second = api.post(
        reverse("api:consent_documents"),
        {"kind": "telehealth", "title": "A", "body": "B", "effective_date": "2026-12-01"},
        format="json",
    )
    third = api.post(
        reverse("api:consent_documents"),
        {"kind": "telehealth", "title": "A", "body": "B", "effective_date": "2026-12-01"},
        format="json",
    )
    assert second.status_code == 201 and third.status_code == 409


def test_listing_a_patients_consents_and_requesting_a_signature(api_for, personas, signed_record, mailoutbox) -> None:
    api = api_for(personas.prescriber)
    pid = personas.demo_patient.public_id
    listed = api.get(reverse("api:patient_consents", kwargs={"public_id": pid})).json()["results"]
    kap = next(r for r in listed if r["kind"] == "kap_treatment")
    assert kap["id"] == str(signed_record.public_id) and kap["state"] == "active"
    assert kap["manifestation"]["printed_name"] == "Jordan Ellis"
    assert kap["manifestation"]["meaning"] == signed_record.meaning
    assert kap["pdf"]["sha256"] == signed_record.pdfs.get().sha256
    created = api.post(
        reverse("api:patient_consents", kwargs={"public_id": pid}), {"kind": "telehealth"}, format="json"
    )
    assert created.status_code == 201 and created.json()["status"] == "pending"
    again = api.post(
        reverse("api:patient_consents", kwargs={"public_id": pid}), {"kind": "kap_treatment"}, format="json"
    )
    assert again.status_code == 409
    bad = api.post(reverse("api:patient_consents", kwargs={"public_id": pid}), {"kind": "nope"}, format="json")
    assert bad.status_code == 400 and bad.json()["error"]["field"] == "kind"
    status = api.get(reverse("api:patient_consent_status", kwargs={"public_id": pid})).json()
    assert {s["kind"]: s["state"] for s in status}["telehealth"] == "pending"


def test_revoke_countersign_verify_and_download_through_the_api(api_for, personas, signed_record) -> None:
    api = api_for(personas.prescriber)
    kwargs = {"public_id": personas.demo_patient.public_id, "record_id": signed_record.public_id}
    verified = api.post(reverse("api:patient_consent_verify", kwargs=kwargs)).json()
    assert verified["status"] == "intact" and verified["pdfs"][0]["ok"] is True
    countersigned = api.post(reverse("api:patient_consent_countersign", kwargs=kwargs))
    assert countersigned.status_code == 200
    assert countersigned.json()["countersignature"]["printed_name"] == "Dr. Priya Raman, MD"
    no_reason = api.post(reverse("api:patient_consent_revoke", kwargs=kwargs), {}, format="json")
    assert no_reason.status_code == 400 and no_reason.json()["error"]["field"] == "reason"
    revoked = api.post(
        reverse("api:patient_consent_revoke", kwargs=kwargs), {"reason": "Letter received"}, format="json"
    )
    assert revoked.status_code == 200 and revoked.json()["state"] == "revoked"
    assert revoked.json()["revocation"]["channel"] == "staff"
    pdf = api.get(reverse("api:patient_consent_pdf", kwargs=kwargs))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


def test_a_record_under_another_patient_id_is_404(api_for, personas, signed_record) -> None:
    api = api_for(personas.admin)
    url = reverse(
        "api:patient_consent_detail",
        kwargs={"public_id": personas.other_patient.public_id, "record_id": signed_record.public_id},
    )
    assert api.get(url).status_code == 404


def test_the_openapi_schema_lists_the_consent_endpoints(client) -> None:
    schema = client.get(reverse("api_schema")).content.decode()
    for path in ("/api/v1/consent-documents/", "/api/v1/patients/{public_id}/consents/"):
        assert path in schema
