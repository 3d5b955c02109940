"""Consent: kinds, versioned documents, signing requests, signed records and the events after them.

The shape follows what makes an e-signature hold up (reliability.md A6–A8): the exact version
signed is pinned by a foreign key to an immutable document row plus a SHA-256 of its text; the
signed record is written once and never changed (the database refuses updates, see migration
0003); everything that happens later (countersignature, PDF snapshot, revocation) is a new row.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django.conf import settings
from django.db import models
from django.utils import timezone

from kap_clinic.common.models import BaseModel
from patients.models import Patient

from . import dbguard  # noqa: F401 - registers the SQL function the SQLite delete guards ask (0004)


class ImmutableRowError(PermissionError):
    """A write to a row the consent app keeps forever as it was first written."""


class InsertOnlyQuerySet(models.QuerySet):
    """Bulk updates and deletes are refused: these rows are evidence."""

    def update(self, **kwargs: object) -> int:
        raise ImmutableRowError(f"{self.model.__name__} rows cannot be changed.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise ImmutableRowError(f"{self.model.__name__} rows cannot be deleted.")


class InsertOnlyModel(BaseModel):
    """A row written once. ``save()`` on an existing row and ``delete()`` raise."""

    objects = InsertOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args: object, **kwargs: object) -> None:
        if self.pk is not None and not self._state.adding:
            raise ImmutableRowError(f"{type(self).__name__} rows cannot be changed.")
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    def delete(self, *args: object, **kwargs: object) -> tuple[int, dict[str, int]]:
        raise ImmutableRowError(f"{type(self).__name__} rows cannot be deleted.")


class ConsentKind(models.Model):
    """What a consent is about. Reference data shipped by a data migration (0002)."""

    # Codes other apps and the code itself refer to (the rows are created by migration 0002).
    KAP_TREATMENT = "kap_treatment"
    ESKETAMINE_TREATMENT = "esketamine_treatment"
    TELEHEALTH = "telehealth"
    SESSION_RECORDING = "session_recording"
    RELEASE_OF_INFORMATION = "release_of_information"
    ELECTRONIC_RECORDS = "electronic_records"

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=120)
    # The signature's meaning (21 CFR 11.50): shown next to every signature of this kind.
    meaning = models.CharField(max_length=200)
    description = models.CharField(max_length=300, blank=True)
    order = models.PositiveSmallIntegerField(default=100)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["order", "name"]

    def __str__(self) -> str:
        return self.name


class ConsentDocumentQuerySet(models.QuerySet["ConsentDocument"]):
    def published(self) -> ConsentDocumentQuerySet:
        return self.filter(published_at__isnull=False)

    def delete(self) -> tuple[int, dict[str, int]]:
        raise ImmutableRowError("Consent documents are never deleted.")


class ConsentDocument(BaseModel):
    """One version of a consent document. Published versions are immutable; edits make a new version.

    ``requires_reconsent``: once this version takes effect, signatures of older versions of the
    kind stop counting (``reconsent_from``, fixed at publication: the later of the publication
    time and the start of the effective date in the clinic's zone).
    """

    kind = models.ForeignKey(ConsentKind, on_delete=models.PROTECT, related_name="documents")
    version = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    body = models.TextField(help_text="Markdown. Rendered safely; raw HTML is stripped.")
    effective_date = models.DateField()
    requires_reconsent = models.BooleanField(default=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # SHA-256 of the canonical text shown to the signer (see consent.text.canonical_text).
    text_sha256 = models.CharField(max_length=64, blank=True)
    reconsent_from = models.DateTimeField(null=True, blank=True)

    objects = ConsentDocumentQuerySet.as_manager()

    class Meta:
        ordering = ["kind__order", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "version"], name="consent_document_unique_version"),
            # One draft per kind at a time: the next version is being written.
            models.UniqueConstraint(
                fields=["kind"], condition=models.Q(published_at__isnull=True), name="consent_document_one_draft"
            ),
            models.CheckConstraint(
                name="consent_document_published_has_hash",
                condition=models.Q(published_at__isnull=True) | ~models.Q(text_sha256=""),
            ),
            models.CheckConstraint(
                name="consent_document_reconsent_from_only_when_required",
                condition=models.Q(reconsent_from__isnull=True)
                | (models.Q(requires_reconsent=True) & models.Q(published_at__isnull=False)),
            ),
            models.CheckConstraint(name="consent_document_version_positive", condition=models.Q(version__gte=1)),
        ]

    def __str__(self) -> str:
        return f"{self.kind.name} v{self.version}"

    @property
    def is_published(self) -> bool:
        return self.published_at is not None

    @property
    def label(self) -> str:
        return f"{self.title} (version {self.version})"

    def delete(self, *args: object, **kwargs: object) -> tuple[int, dict[str, int]]:
        raise ImmutableRowError("Consent documents are never deleted.")

    def save(self, *args: object, **kwargs: object) -> None:
        if self.pk is not None and not self._state.adding:
            stored = type(self).objects.filter(pk=self.pk).values_list("published_at", flat=True).first()
            if stored is not None:
                raise ImmutableRowError("A published consent document cannot be changed; create a new version.")
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    @staticmethod
    def reconsent_start(*, published_at: dt.datetime, effective_date: dt.date) -> dt.datetime:
        zone = zoneinfo.ZoneInfo(settings.CLINIC_TIME_ZONE)
        start = dt.datetime.combine(effective_date, dt.time.min, tzinfo=zone)
        return max(published_at, start)


class PortalInvitation(BaseModel):
    """An emailed, single-use link to set the password of a new patient portal account."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="portal_invitations")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    token_hash = models.CharField(max_length=64, unique=True)
    nonce = models.CharField(max_length=32)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    email_sent_at = models.DateTimeField(null=True, blank=True)
    # The sender's claim (a conditional UPDATE), so a late task and the sweep's relay never both send.
    email_claimed_at = models.DateTimeField(null=True, blank=True)
    email_attempts = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["-created_at"]

    def is_usable(self, now: dt.datetime | None = None) -> bool:
        return self.used_at is None and (now or timezone.now()) < self.expires_at


class SigningRequest(BaseModel):
    """Staff (or a re-consent publication) asks a patient to sign one document version.

    The emailed link carries a token; only its SHA-256 is stored. The token is an HMAC of the
    request's id and nonce under the server's secret, so the email task can rebuild it from IDs
    alone while a copy of the database alone is not enough to open a link.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for signature"
        SIGNED = "signed", "Signed"
        CANCELLED = "cancelled", "Cancelled"
        EXPIRED = "expired", "Expired"

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="signing_requests")
    document = models.ForeignKey(ConsentDocument, on_delete=models.PROTECT, related_name="signing_requests")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(max_length=40, default="requested")  # requested | reconsent
    token_hash = models.CharField(max_length=64, unique=True)
    nonce = models.CharField(max_length=32)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    # Decided when the request is made (the patient has an email, a portal account and has not
    # withdrawn electronic records); the sweep hands over again only the emails meant to go.
    email_wanted = models.BooleanField(default=False)
    email_sent_at = models.DateTimeField(null=True, blank=True)
    # The sender's claim (a conditional UPDATE), so a late task and the sweep's relay never both send.
    email_claimed_at = models.DateTimeField(null=True, blank=True)
    email_attempts = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["patient", "used_at", "cancelled_at"], name="signing_request_open")]
        constraints = [
            models.CheckConstraint(
                name="signing_request_not_used_and_cancelled",
                condition=models.Q(used_at__isnull=True) | models.Q(cancelled_at__isnull=True),
            ),
        ]

    def status_at(self, now: dt.datetime | None = None) -> str:
        if self.used_at:
            return self.Status.SIGNED
        if self.cancelled_at:
            return self.Status.CANCELLED
        if (now or timezone.now()) >= self.expires_at:
            return self.Status.EXPIRED
        return self.Status.PENDING

    @property
    def status(self) -> str:
        return self.status_at()

    def get_status_display(self) -> str:
        return self.Status(self.status).label


class ConsentRecord(InsertOnlyModel):
    """A signature: the patient adopted this exact text with intent to sign. Written once.

    ``text_sha256`` is the hash of the text that was shown (and re-checked against the form's
    copy at submit); the signature image and its hash, server time, IP, user agent and the
    authenticated signer make the signature attributable (UETA §9).
    """

    class Channel(models.TextChoices):
        PORTAL = "portal", "Patient portal"

    request = models.OneToOneField(
        SigningRequest, null=True, blank=True, on_delete=models.PROTECT, related_name="record"
    )
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="consent_records")
    document = models.ForeignKey(ConsentDocument, on_delete=models.PROTECT, related_name="records")
    kind = models.ForeignKey(ConsentKind, on_delete=models.PROTECT, related_name="records")
    signer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    signer_role = models.CharField(max_length=20, default="patient")
    channel = models.CharField(max_length=20, choices=Channel.choices, default=Channel.PORTAL)
    printed_name = models.CharField(max_length=200)  # the legal name on record, printed in the manifestation
    typed_name = models.CharField(max_length=200)  # exactly what the signer typed
    meaning = models.CharField(max_length=200)
    signed_at = models.DateTimeField()
    ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=400, blank=True)
    text_sha256 = models.CharField(max_length=64)
    signature_png = models.BinaryField()
    signature_sha256 = models.CharField(max_length=64)
    # The electronic-records consent in force when this was signed (ESIGN 7001(c)).
    electronic_records_record = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-signed_at"]
        indexes = [models.Index(fields=["patient", "kind", "-signed_at"], name="consent_record_patient_kind")]
        constraints = [
            models.CheckConstraint(name="consent_record_typed_name_present", condition=~models.Q(typed_name="")),
            models.CheckConstraint(
                name="consent_record_hashes_present",
                condition=~models.Q(text_sha256="") & ~models.Q(signature_sha256=""),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.document} signed {self.signed_at:%Y-%m-%d}"


class ConsentCountersignature(InsertOnlyModel):
    """A care-team clinician witnesses a signed consent. One per record."""

    record = models.OneToOneField(ConsentRecord, on_delete=models.PROTECT, related_name="countersignature")
    clinician = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    printed_name = models.CharField(max_length=200)
    meaning = models.CharField(max_length=200)
    countersigned_at = models.DateTimeField()
    ip = models.GenericIPAddressField(null=True, blank=True)


class ConsentRevocation(InsertOnlyModel):
    """The patient withdrew the consent (themselves in the portal, or through staff with a reason).

    The signed record stays as it was; from ``revoked_at`` on, the consent is not active.
    """

    class Channel(models.TextChoices):
        PORTAL = "portal", "Patient, in the portal"
        STAFF = "staff", "Staff, on the patient's behalf"

    record = models.OneToOneField(ConsentRecord, on_delete=models.PROTECT, related_name="revocation")
    revoked_at = models.DateTimeField()
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    channel = models.CharField(max_length=20, choices=Channel.choices)
    reason = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                name="consent_revocation_staff_needs_reason",
                condition=~models.Q(channel="staff") | ~models.Q(reason=""),
            ),
        ]


def _pdf_path(instance: ConsentPdf, filename: str) -> str:
    # No names in paths: the file system sees only opaque ids.
    return f"consent/{instance.record.patient.public_id}/{instance.record.public_id}-{instance.stage}.pdf"


class ConsentPdf(InsertOnlyModel):
    """A PDF snapshot of a signed record, stored once with its SHA-256 and served as stored.

    ``signed`` is rendered when the patient signs; ``countersigned`` when a clinician witnesses.
    """

    class Stage(models.TextChoices):
        SIGNED = "signed", "Signed by the patient"
        COUNTERSIGNED = "countersigned", "Countersigned"

    record = models.ForeignKey(ConsentRecord, on_delete=models.PROTECT, related_name="pdfs")
    stage = models.CharField(max_length=20, choices=Stage.choices)
    file = models.FileField(upload_to=_pdf_path, max_length=300)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveIntegerField()
    rendered_at = models.DateTimeField()

    class Meta:
        ordering = ["record", "-rendered_at"]
        constraints = [models.UniqueConstraint(fields=["record", "stage"], name="consent_pdf_one_per_stage")]
