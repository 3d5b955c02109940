"""factory_boy factories for consent rows, for tests that need a signed record as stored rather
than the signing workflow (people come from the ``personas`` fixture and are passed in)."""

from __future__ import annotations

import hashlib

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from consent.models import ConsentRecord


class ConsentRecordFactory(DjangoModelFactory):
    """A record signed by the patient's own user on a published ``document``. Pass ``patient`` and
    ``document``; the kind, its meaning and the text hash are the document's."""

    class Meta:
        model = ConsentRecord

    kind = factory.SelfAttribute("document.kind")
    signer = factory.SelfAttribute("patient.user")
    printed_name = factory.SelfAttribute("patient.full_name")
    typed_name = factory.SelfAttribute("patient.full_name")
    meaning = factory.SelfAttribute("kind.meaning")
    signed_at = factory.LazyFunction(timezone.now)
    text_sha256 = factory.SelfAttribute("document.text_sha256")
    signature_png = b"\x89PNG\r\n\x1a\n-test-signature"
    signature_sha256 = factory.LazyAttribute(lambda o: hashlib.sha256(o.signature_png).hexdigest())
