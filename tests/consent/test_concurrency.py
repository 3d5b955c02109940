"""Two submits of one signing request at the same moment: exactly one signed record (PostgreSQL)."""

from __future__ import annotations

import threading

import pytest
from django.db import IntegrityError, connection, connections, transaction

from consent import services
from consent.models import ConsentRecord
from kap_clinic.common.errors import Conflict

from .conftest import sign_kwargs
from .reference_data import restore_reference_data_after_flush  # noqa: F401

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="SQLite serialises all writers, so there is no race to lose; run with DATABASE_URL=postgres://…",
    ),
]


@pytest.fixture
def _django_db_helper(restore_reference_data_after_flush, _django_db_helper):  # noqa: F811
    """Wraps pytest-django's database helper so reference data comes back after its flush."""
    return _django_db_helper


def test_two_concurrent_submits_of_one_request_produce_exactly_one_record(personas, kap_request, signature_url) -> None:
    attempts = 6
    barrier = threading.Barrier(attempts)
    outcomes: list[str] = []
    lock = threading.Lock()

    def submit() -> None:
        try:
            barrier.wait()
            services.consent_sign(
                user=personas.patient_user, request=kap_request, **sign_kwargs(kap_request, signature_url)
            )
            result = "signed"
        except Conflict:
            result = "conflict"
        except Exception as exc:  # anything else is a bug the test must show
            result = f"error: {exc!r}"
        finally:
            connections.close_all()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=submit) for _ in range(attempts)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(outcomes) == ["conflict"] * (attempts - 1) + ["signed"]
    assert ConsentRecord.objects.filter(request=kap_request).count() == 1
    # The electronic-records consent accepted along with it was written once as well.
    assert ConsentRecord.objects.filter(patient=personas.demo_patient, kind__code="electronic_records").count() == 1


def test_the_unique_request_column_is_the_last_line_of_defence(personas, signed_record) -> None:
    values = {
        f.name: getattr(signed_record, f.name)
        for f in ConsentRecord._meta.concrete_fields
        if f.name not in ("id", "public_id", "created_at", "updated_at")
    }
    with pytest.raises(IntegrityError), transaction.atomic():
        ConsentRecord.objects.create(**values)
