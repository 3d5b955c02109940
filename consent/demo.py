"""Demo consent documents and the demo patient's signed KAP consent. Called by seed_demo; idempotent.

The texts are demonstration material written for this project, not legal advice: a clinic
replaces them with versions its own counsel has approved.
"""

from __future__ import annotations

import datetime as dt

from kap_clinic.accounts.models import User
from kap_clinic.common.clock import clinic_localtime
from kap_clinic.common.demo_clock import simulated_clock
from kap_clinic.common.jobs import enqueue_after_commit
from patients.models import Patient

from . import selectors, services
from .models import ConsentDocument, ConsentKind, ConsentPdf, ConsentRecord
from .signature import generated_signature_png, png_data_url

DEMO_EFFECTIVE = dt.date(2026, 1, 1)
# The demo story, in days before the seed (the demo patient's course starts 11-14 days ago and
# eligibility was decided 33 days ago): the documents are published well before, the KAP consent
# is requested after the eligibility decision and signed about two weeks before the course.
DEMO_PUBLISHED_DAYS_AGO = 60
DEMO_REQUESTED_DAYS_AGO = 27
DEMO_SIGNED_DAYS_AGO = 26
DEMO_COUNTERSIGNED_DAYS_AGO = 25


def _days_ago(days: int, hour: int, minute: int = 0) -> dt.datetime:
    """``days`` before today at ``hour:minute`` clinic time (computed before any simulated clock)."""
    local = clinic_localtime() - dt.timedelta(days=days)
    return local.replace(hour=hour, minute=minute, second=0, microsecond=0)


KAP_TREATMENT = """\
This form explains ketamine-assisted psychotherapy (KAP) at our clinic so that you can decide
whether to take part. Please read it carefully and ask us about anything that is unclear before
you sign.

## What the treatment involves

KAP combines psychotherapy with doses of ketamine, a medicine first developed as an anesthetic.
Before any dose you will have a medical and psychological assessment and at least one preparation
session with your therapist, where you set intentions and talk through your concerns. After each
dose you will have an integration session to make sense of the experience. A course usually
consists of several dosing sessions over a few weeks.

## How ketamine is given and supervised

- Ketamine is given only at the clinic, in a room set up for monitoring, at a dose far below
  what is used for anesthesia, so you stay awake. Depending on your treatment plan it may be
  given as an injection into a muscle, as an infusion into a vein, or as a nasal spray.
- A trained clinician stays with you for the whole session. We check your blood pressure, heart
  rate and oxygen level before the dose and at intervals afterwards, and we watch how alert you are.
- The main effects usually last about an hour. You will stay at the clinic until you meet our
  discharge criteria and the minimum observation time has passed.
- You must not drive, operate machinery or make important decisions for the rest of the day.
  An adult must take you home.
- Please follow our instructions about eating and drinking before a session, and tell us about
  every medicine, supplement, alcohol or drug you use.

## Effects you may notice during or soon after a session

- nausea, and sometimes vomiting;
- dizziness or unsteadiness;
- a rise in blood pressure and heart rate;
- dissociation: feeling detached from your body or surroundings, or as if things are unreal;
- changes in what you see or hear, such as distorted colors, shapes, sounds or sense of time.

These effects usually fade within hours. Tell the clinician at once if anything worries you;
we can pause or stop a session.

## Concerns with longer or repeated use

Researchers are still studying the long-term effects of repeated ketamine treatment. Known concerns
include:

- bladder problems (pain, urgency, blood in the urine), mainly reported with frequent or heavy use;
- psychological dependence, a wish to keep using ketamine outside of treatment;
- effects on thinking and memory with long-term use.

We will ask you about these at follow-up visits. Please tell us promptly about urinary symptoms,
cravings, or changes in memory or concentration.

## Off-label use

Ketamine is approved by the U.S. Food and Drug Administration as an anesthetic. Its use for
depression, anxiety, post-traumatic stress and related conditions in KAP is off-label: doctors may
prescribe it this way, but the FDA has not approved it for these uses, and the best doses and
schedules are still being studied. Results vary from person to person and are not guaranteed.

## Alternatives

Other treatments exist, including psychotherapy without ketamine, other medicines, and other
procedures. Your clinician can discuss them with you.

## Your right to withdraw

Taking part is your choice. You may stop treatment or withdraw this consent at any time, in the
patient portal or by telling the clinic, without affecting your right to other care here.
Withdrawing stops future treatment; it does not undo care you have already received.

## Your consent

By signing, you confirm that you have read this form, that your questions have been answered, and
that you agree to ketamine-assisted psychotherapy at this clinic under the conditions described.
"""

ELECTRONIC_RECORDS = """\
Our clinic would like to give you documents and collect your signatures electronically, through
the patient portal and by email. Before you agree, please note:

- **Scope.** This agreement covers consent forms, authorizations, notices and other documents about
  your care at this clinic that we ask you to read or sign. It lasts until you withdraw it.
- **Your right to paper.** You may ask for any document on paper instead, at any time, at no charge.
  You are not required to use electronic records to receive care.
- **Paper copies.** You can download a PDF of every document you sign in the portal. We will also
  give you a printed copy of any document on request, free of charge.
- **How to withdraw.** You can withdraw this agreement in the portal (revoke it under "My documents")
  or by telling the clinic in person, by phone or in writing. Withdrawing is free and only affects
  documents from then on; we will then use paper with you.
- **Keeping your contact details current.** Tell the clinic if your email address changes, so that
  links reach you. You can update it by calling or visiting the clinic.
- **What you need.** A device with an up-to-date web browser (for example a current version of
  Chrome, Firefox, Safari or Edge), an internet connection, an email account, and a way to open and
  save PDF files. You need to be able to draw a signature with a mouse, finger or stylus.

By agreeing, you confirm that you can open and read this page and PDF files on your device, and
that you agree to receive records and sign documents electronically with this clinic.
"""

OTHER_KINDS = {
    ConsentKind.ESKETAMINE_TREATMENT: (
        "Esketamine nasal spray: acknowledgement",
        """\
Esketamine is a nasal spray approved for treatment-resistant depression and given only under the
supervision of a healthcare provider at a certified treatment site. I understand that:

- I will use the spray at the clinic, never at home, and will be observed for at least two hours;
- my blood pressure will be checked before and after each dose;
- I may feel sleepy, dizzy, or dissociated, and must not drive until the next day after a good night's sleep;
- information about my treatment is reported to the manufacturer's safety program as required.

I may stop treatment at any time.
""",
    ),
    ConsentKind.TELEHEALTH: (
        "Consent to telehealth",
        """\
Some preparation and integration sessions may take place by secure video. Dosing sessions never do.
Video sessions have limits (technical problems, privacy at your location). I agree to join from a
private place, to give my location at the start of each session, and I know I may ask for an
in-person visit instead.
""",
    ),
    ConsentKind.SESSION_RECORDING: (
        "Consent to session recording",
        """\
With your permission, a session may be recorded (audio or video) for your care or for clinical
supervision. Recordings are stored securely, seen only by your care team and supervisors, and
deleted according to the clinic's retention policy. Saying no does not affect your care, and you
may withdraw this consent at any time.
""",
    ),
    ConsentKind.RELEASE_OF_INFORMATION: (
        "Authorization to release information",
        """\
I authorize the clinic to share information about my treatment with the person or organization
named with the clinic, for the purpose I have stated, until the expiry date I have given. I may
revoke this authorization in writing at any time, except for information already shared. My
treatment does not depend on signing this authorization.
""",
    ),
}


def seed_consent_documents(admin: User) -> dict[str, ConsentDocument]:
    """Publish version 1 of every kind (once); returns the current document per kind code."""
    texts = {
        ConsentKind.KAP_TREATMENT: ("Consent to ketamine-assisted psychotherapy", KAP_TREATMENT),
        ConsentKind.ELECTRONIC_RECORDS: ("Consent to electronic records and signatures", ELECTRONIC_RECORDS),
        **OTHER_KINDS,
    }
    documents = {}
    for code, (title, body) in texts.items():
        current = selectors.document_current(code)
        if current is None:
            kind = ConsentKind.objects.get(code=code)
            draft = ConsentDocument.objects.filter(kind=kind, published_at__isnull=True).first()
            if draft is None:
                draft = services.consent_document_create(
                    actor=admin, kind=kind, title=title, body=body, effective_date=DEMO_EFFECTIVE
                )
            current = services.consent_document_publish(actor=admin, document=draft)
        documents[code] = current
    return documents


def seed_consent(users: dict[str, User], patients: dict[str, Patient]) -> None:
    """Demo documents, and the demo patient's KAP consent signed through the portal service.

    The signature goes through ``consent_sign`` (with a generated drawing), is countersigned by
    the demo prescriber, and its PDFs render after commit (in-process in embedded mode). Each step
    runs on a simulated clock at its place in the story (published, requested, signed together
    with the electronic-records consent, countersigned, each PDF snapshot rendered seconds later),
    so the records, their audit events, the signature manifestation and the PDFs' "generated"
    line all show the same, pre-course times.
    """
    published, requested, signed, countersigned = (
        _days_ago(DEMO_PUBLISHED_DAYS_AGO, 9),
        _days_ago(DEMO_REQUESTED_DAYS_AGO, 16, 30),
        _days_ago(DEMO_SIGNED_DAYS_AGO, 19, 42),
        _days_ago(DEMO_COUNTERSIGNED_DAYS_AGO, 8, 50),
    )
    with simulated_clock(published):  # a no-op once the documents exist
        seed_consent_documents(users["admin"])
    patient = patients["demo"]
    if ConsentRecord.objects.filter(patient=patient, kind__code=ConsentKind.KAP_TREATMENT).exists():
        _render_missing_pdfs(patient)
        return
    with simulated_clock(requested):
        request = services.consent_request_signature(
            actor=users["prescriber"], patient=patient, kind=ConsentKind.KAP_TREATMENT
        )
    ersd = selectors.document_current(ConsentKind.ELECTRONIC_RECORDS)
    with simulated_clock(signed):
        record = services.consent_sign(
            user=users["patient"],
            request=request,
            agree=True,
            typed_name=patient.full_name,
            signature_data_url=png_data_url(generated_signature_png(patient.full_name)),
            shown_text_sha256=request.document.text_sha256,
            accept_electronic_records=True,
            shown_electronic_records_sha256=ersd.text_sha256 if ersd else "",
            ip="127.0.0.1",
            user_agent="seed_demo",
        )
    # The snapshots are rendered now, as the worker would have at the time (their footer says when);
    # the render jobs queued for after commit then find them and do nothing.
    with simulated_clock(signed + dt.timedelta(seconds=4)):
        for signed_record in filter(None, [record.electronic_records_record, record]):
            services.consent_pdf_render(record_id=signed_record.id, stage=ConsentPdf.Stage.SIGNED)
    with simulated_clock(countersigned):
        services.consent_countersign(actor=users["prescriber"], record=record, ip="127.0.0.1")
    with simulated_clock(countersigned + dt.timedelta(seconds=3)):
        services.consent_pdf_render(record_id=record.id, stage=ConsentPdf.Stage.COUNTERSIGNED)


def _render_missing_pdfs(patient: Patient) -> None:
    """Queue the PDF jobs a previous seed left undone (e.g. no worker was running), after commit."""
    from .tasks import consent_pdf_render_task

    for record in ConsentRecord.objects.filter(patient=patient).select_related("countersignature"):
        stages = [ConsentPdf.Stage.SIGNED]
        if hasattr(record, "countersignature"):
            stages.append(ConsentPdf.Stage.COUNTERSIGNED)
        for stage in stages:
            if not ConsentPdf.objects.filter(record=record, stage=stage).exists():
                enqueue_after_commit(consent_pdf_render_task, record.id, stage)
