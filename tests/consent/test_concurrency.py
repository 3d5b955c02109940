"""Two submits of one signing request at the same moment: exactly one signed record; a late email task
and sweeps racing for one lost email: exactly one email (PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import threading
import time

import pytest
from django.db import IntegrityError, connection, connections, transaction
from django.utils import timezone

from consent import services
from consent.models import ConsentRecord, SigningRequest
from consent.services import emails
from consent.tasks import consent_request_email_task
from kap_clinic.common.errors import Conflict
from tests.brokers import broker_away

from .conftest import sign_kwargs
from .reference_data import restore_reference_data_after_flush  # noqa: F401

pytestmark = [
    pytest.mark.django_db(transaction=True),
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


def test_a_late_task_and_the_sweep_racing_for_one_lost_email_send_it_once(
    personas, documents, mailoutbox, monkeypatch
) -> None:
    with broker_away():  # the request's own hand-over is lost
        request = services.consent_request_signature(
            actor=personas.prescriber, patient=personas.demo_patient, kind="telehealth"
        )
    SigningRequest.objects.filter(pk=request.pk).update(updated_at=timezone.now() - dt.timedelta(minutes=3))
    send = emails._render_and_send

    def slow_send(**kwargs: object) -> None:
        time.sleep(0.3)  # an SMTP round trip: long enough for every racer to get past its checks
        send(**kwargs)

    def run_here(task, *args: object) -> bool:  # noqa: ANN001
        # The relayed task runs in this thread, as a worker would run it. (Not through Celery's eager
        # apply_async: its "no result.get() within a task" flag is a process global that threads
        # entering and leaving it at once can leave set for the rest of the run.)
        task(*args)
        return True

    monkeypatch.setattr(emails, "_render_and_send", slow_send)
    monkeypatch.setattr(emails, "publish", run_here)
    racers = 6
    barrier = threading.Barrier(racers)
    errors: list[str] = []

    def race(n: int) -> None:
        try:
            barrier.wait()
            if n % 2:
                consent_request_email_task(request.pk)  # the original task, delivered late (or twice)
            else:
                services.consent_emails_relay()  # a sweep, its relayed task run right here
        except Exception as exc:  # anything is a bug the test must show
            errors.append(repr(exc))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=race, args=(n,)) for n in range(racers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    assert len(mailoutbox) == 1
    request.refresh_from_db()
    assert request.email_sent_at is not None and request.email_attempts == 1
