"""Access rules for consent pages, files and endpoints.

Objects are created on demand inside each matrix test (idempotently): the demo patient's signed
KAP consent with its PDF, a pending request, a draft document, a portal invitation. The
outsider (a clinician on no demo team) gets 404 for everything of the demo patient; the other
patient gets 404 in the portal and 403 on staff pages and the API (role check, no lookup).
"""

from __future__ import annotations

import datetime as dt

from . import Case

STAFF = ("admin", "prescriber", "nurse", "therapist")
PATIENTS_403 = {"patient_user": 403, "other_patient_user": 403}


def staff(status: int, outsider: int = 404, admin: int | None = None) -> dict[str, int]:
    expected = {p: status for p in STAFF}
    if admin is not None:
        expected["admin"] = admin
    return {**expected, "outsider": outsider, **PATIENTS_403}


def any_staff(status: int) -> dict[str, int]:
    return staff(status, outsider=status)


def admin_only(status: int) -> dict[str, int]:
    return {"admin": status, "prescriber": 403, "nurse": 403, "therapist": 403, "outsider": 403, **PATIENTS_403}


def portal(status: int) -> dict[str, int]:
    return {p: 403 for p in (*STAFF, "outsider")} | {"patient_user": status, "other_patient_user": 404}


# --- Objects, created once per test ---------------------------------------------------------------


def _documents(p):
    from consent.demo import seed_consent_documents

    return seed_consent_documents(p.admin)


def _record(p):
    from consent import services
    from consent.models import ConsentRecord
    from consent.signature import generated_signature_png, png_data_url

    record = ConsentRecord.objects.filter(patient=p.demo_patient, kind__code="kap_treatment").first()
    if record is None:
        docs = _documents(p)
        request = services.consent_request_signature(actor=p.prescriber, patient=p.demo_patient, kind="kap_treatment")
        record = services.consent_sign(
            user=p.patient_user,
            request=request,
            agree=True,
            typed_name="Jordan Ellis",
            signature_data_url=png_data_url(generated_signature_png()),
            shown_text_sha256=request.document.text_sha256,
            accept_electronic_records=True,
            shown_electronic_records_sha256=docs["electronic_records"].text_sha256,
        )
    return record


def _record_with_pdf(p):
    from consent import services
    from consent.models import ConsentPdf

    record = _record(p)
    services.consent_pdf_render(record_id=record.id, stage=ConsentPdf.Stage.SIGNED)
    return record


def _pending_request(p):
    from consent import services
    from consent.models import SigningRequest

    request = SigningRequest.objects.filter(patient=p.demo_patient, used_at__isnull=True).first()
    if request is None:
        _documents(p)
        request = services.consent_request_signature(actor=p.prescriber, patient=p.demo_patient, kind="telehealth")
    return request


def _draft(p):
    from consent import services
    from consent.models import ConsentDocument, ConsentKind

    kind = ConsentKind.objects.get(code="session_recording")
    draft = ConsentDocument.objects.filter(kind=kind, published_at__isnull=True).first()
    if draft is None:
        _documents(p)
        draft = services.consent_document_create(
            actor=p.admin, kind=kind, title="Recording v2", body="New text.", effective_date=dt.date(2026, 6, 1)
        )
    return draft


def _link_token(p):
    from consent import selectors

    request = _pending_request(p)
    return selectors.make_token(salt=selectors.REQUEST_SALT, public_id=request.public_id, nonce=request.nonce)


def _invitation_token(p):
    from consent import selectors, services
    from consent.models import PortalInvitation
    from patients.models import Patient

    invitation = PortalInvitation.objects.first()
    if invitation is None:
        newcomer = Patient.objects.create(
            legal_first_name="Nia",
            legal_last_name="Newcomer",
            date_of_birth=dt.date(1995, 4, 4),
            email="nia@example.com",
        )
        invitation = services.patient_portal_invite(actor=p.admin, patient=newcomer)
    return selectors.make_token(salt=selectors.INVITATION_SALT, public_id=invitation.public_id, nonce=invitation.nonce)


def demo_patient(p):
    return {"public_id": p.demo_patient.public_id}


def record(p):
    return {"public_id": _record(p).public_id}


def record_with_pdf(p):
    return {"public_id": _record_with_pdf(p).public_id}


def api_record_with_pdf(p):
    return {"public_id": p.demo_patient.public_id, "record_id": _record_with_pdf(p).public_id}


def api_record(p):
    return {"public_id": p.demo_patient.public_id, "record_id": _record(p).public_id}


def published_document(p):
    return {"public_id": _documents(p)["kap_treatment"].public_id}


def draft_document(p):
    return {"public_id": _draft(p).public_id}


def pending_request(p):
    return {"public_id": _pending_request(p).public_id}


NEW_DOCUMENT = {"kind": "telehealth", "title": "Telehealth v2", "body": "Updated text.", "effective_date": "2026-07-01"}

CASES = [
    # Documents (staff read, admins write)
    Case("consent:document_list", any_staff(200)),
    Case("consent:document_create", admin_only(200)),
    Case("consent:document_create", admin_only(302), method="post", data=lambda p: (_documents(p), NEW_DOCUMENT)[1]),
    Case("consent:document_detail", any_staff(200), kwargs=published_document),
    Case("consent:document_edit", admin_only(200), kwargs=draft_document),
    Case("consent:document_publish", admin_only(302), method="post", kwargs=draft_document, data=lambda p: {}),
    Case("consent:document_publish", admin_only(405), kwargs=draft_document),
    # A patient's consents (care team and admins; outsider 404)
    Case("consent:patient_consents", staff(200), kwargs=demo_patient),
    Case(
        "consent:request_create",
        staff(302),
        method="post",
        kwargs=demo_patient,
        data=lambda p: (_documents(p), {"kind": "telehealth"})[1],
    ),
    Case("consent:portal_invite", staff(302), method="post", kwargs=demo_patient, data=lambda p: {}),
    Case("consent:record_detail", staff(200), kwargs=record),
    Case("consent:record_signature", staff(200), kwargs=record),
    Case("consent:record_pdf", staff(200), kwargs=record_with_pdf),
    Case("consent:record_countersign", staff(302, admin=403), method="post", kwargs=record, data=lambda p: {}),
    Case(
        "consent:record_revoke",
        staff(302),
        method="post",
        kwargs=record,
        data=lambda p: {"reason": "Withdrew consent by phone"},
    ),
    Case("consent:record_revoke", staff(405, outsider=405), kwargs=record),
    Case("consent:record_verify", staff(200), method="post", kwargs=record, data=lambda p: {}),
    # Portal: emailed links are public; everything else is the patient's own
    Case(
        "portal:consent_link",
        {"anonymous": 302, "patient_user": 302},
        kwargs=lambda p: {"token": _link_token(p)},
        default=404,
    ),
    Case("portal:consent_link", {"anonymous": 404}, kwargs=lambda p: {"token": "0" * 64}, default=404),
    Case("portal:invitation", {"anonymous": 200}, kwargs=lambda p: {"token": _invitation_token(p)}, default=403),
    Case("portal:consent_list", {"patient_user": 200, "other_patient_user": 200}, default=403),
    Case("portal:consent_sign", portal(200), kwargs=pending_request),
    Case(
        "portal:consent_sign",
        portal(400),
        method="post",
        kwargs=pending_request,
        data=lambda p: {"agree": "on", "shown_text_sha256": _pending_request(p).document.text_sha256},
    ),
    Case("portal:consent_record", portal(200), kwargs=record),
    Case("portal:consent_record_pdf", portal(200), kwargs=record_with_pdf),
    Case("portal:consent_record_signature", portal(200), kwargs=record),
    Case("portal:consent_revoke", portal(200), kwargs=record),
    Case("portal:consent_revoke", portal(302), method="post", kwargs=record, data=lambda p: {"reason": ""}),
    # API
    Case("api:consent_documents", any_staff(200), api=True),
    Case(
        "api:consent_documents",
        admin_only(201),
        method="post",
        api=True,
        data=lambda p: (_documents(p), NEW_DOCUMENT)[1],
    ),
    Case("api:consent_document_detail", any_staff(200), api=True, kwargs=published_document),
    Case(
        "api:consent_document_detail",
        admin_only(200),
        method="patch",
        api=True,
        kwargs=draft_document,
        data=lambda p: {"title": "Recording v2 (edited)"},
    ),
    Case(
        "api:consent_document_detail",
        admin_only(409),
        method="patch",
        api=True,
        kwargs=published_document,
        data=lambda p: {"title": "Sneaky edit"},
    ),
    Case("api:consent_document_detail", admin_only(405), method="delete", api=True, kwargs=published_document),
    Case(
        "api:consent_document_publish",
        admin_only(200),
        method="post",
        api=True,
        kwargs=draft_document,
        data=lambda p: {},
    ),
    Case("api:patient_consents", staff(200), api=True, kwargs=demo_patient),
    Case(
        "api:patient_consents",
        staff(201),
        method="post",
        api=True,
        kwargs=demo_patient,
        data=lambda p: (_documents(p), {"kind": "telehealth"})[1],
    ),
    Case("api:patient_consent_status", staff(200), api=True, kwargs=demo_patient),
    Case("api:patient_consent_requests", staff(200), api=True, kwargs=demo_patient),
    Case("api:patient_consent_detail", staff(200), api=True, kwargs=api_record),
    Case("api:patient_consent_detail", staff(405), method="delete", api=True, kwargs=api_record),
    Case(
        "api:patient_consent_detail",
        staff(405),
        method="patch",
        api=True,
        kwargs=api_record,
        data=lambda p: {"typed_name": "X"},
    ),
    Case(
        "api:patient_consent_detail",
        staff(405),
        method="put",
        api=True,
        kwargs=api_record,
        data=lambda p: {"typed_name": "X"},
    ),
    Case(
        "api:patient_consent_revoke",
        staff(200),
        method="post",
        api=True,
        kwargs=api_record,
        data=lambda p: {"reason": "Written withdrawal received"},
    ),
    Case(
        "api:patient_consent_countersign",
        staff(200, admin=403),
        method="post",
        api=True,
        kwargs=api_record,
        data=lambda p: {},
    ),
    Case("api:patient_consent_verify", staff(200), method="post", api=True, kwargs=api_record, data=lambda p: {}),
    Case("api:patient_consent_pdf", staff(200), api=True, kwargs=api_record_with_pdf),
]
