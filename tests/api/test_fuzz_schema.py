"""Schemathesis fuzzes every operation of /api/schema/ against the app, in-process (reliability item 9).

Two runs over the whole schema, each one pytest test with a subtest per operation:

* as the demo prescriber (on the demo patient's care team): no 5xx, status codes, content types and
  bodies (success and the 4XX error body) match the schema, invalid input (negative data) gets a 4xx,
  and the API refuses the same request without credentials or with invalid ones (``ignored_auth``);
* with no credentials at all: every operation but the token endpoint answers 401/403 (with the
  documented error body), never 2xx/5xx.

Path parameters are pinned to real public ids of the seeded demo clinic, so the fuzzer reaches
actual objects rather than only 404s. The run is deterministic (derandomized, no shrinking, no
example database on disk) and kept small so it fits the CI budget on both database backends.
"""

from __future__ import annotations

import contextlib
import re
import tempfile
from urllib.parse import urlsplit

import hypothesis
import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.urls import Resolver404, resolve
from hypothesis.configuration import set_hypothesis_home_dir
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    ignored_auth,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from consent.demo import seed_consent
from consent.models import ConsentDocument, ConsentRecord
from patients.demo import seed_patient_histories, seed_patients
from patients.models import Assessment, IntakeAssessment, Medication, SafetyFlag
from sessions_app.clinical.demo import seed_clinical
from sessions_app.clinical.models.dosing import Administration, DosingRecord, VitalsReading
from sessions_app.clinical.models.notes import PsychotherapyNote
from sessions_app.inventory.models import InventoryEntry, InventoryLot
from sessions_app.reminders.demo import seed_jobs
from sessions_app.reminders.models import Reminder
from sessions_app.reports.models import GeneratedReport
from sessions_app.scheduling.demo import seed_schedule
from sessions_app.scheduling.models import Session, SessionKind

pytestmark = pytest.mark.django_db

SCHEMA_PATH = "/api/schema/?format=json"
TOKEN_PATH = "/api/v1/auth/token/"
MAX_EXAMPLES = 5  # per operation and mode (valid data / invalid data)


def _first_id(queryset) -> str | None:
    value = queryset.order_by("pk").values_list("public_id", flat=True).first()
    return str(value) if value is not None else None


@pytest.fixture
def demo_ids(personas) -> dict[str, str | None]:
    """Seed the rest of the demo clinic around the personas; return one real public id per kind."""
    users = {
        "admin": personas.admin,
        "prescriber": personas.prescriber,
        "nurse": personas.nurse,
        "therapist": personas.therapist,
        "outsider": personas.outsider,
        "patient": personas.patient_user,
    }
    patients = seed_patients(users)
    seed_patient_histories(users, patients)
    seed_consent(users, patients)
    seed_schedule(users, patients)
    seed_clinical(users, patients)
    seed_jobs(users, patients)
    demo = personas.demo_patient
    return {
        "patient": str(demo.public_id),
        "staff": str(personas.nurse.public_id),
        "assessment": _first_id(Assessment.objects.filter(patient=demo)),
        "intake": _first_id(IntakeAssessment.objects.filter(patient=demo)),
        "medication": _first_id(Medication.objects.filter(patient=demo)),
        "safety_flag": _first_id(SafetyFlag.objects.filter(patient=demo)),
        "consent_record": _first_id(ConsentRecord.objects.filter(patient=demo)),
        "consent_document": _first_id(ConsentDocument.objects.all()),
        "session": _first_id(Session.objects.filter(patient=demo)),
        "dosing_session": _first_id(Session.objects.filter(patient=demo, kind=SessionKind.DOSING)),
        "preparation_session": _first_id(Session.objects.filter(patient=demo, kind=SessionKind.PREPARATION)),
        "integration_session": _first_id(Session.objects.filter(patient=demo, kind=SessionKind.INTEGRATION)),
        "dosing_record": _first_id(DosingRecord.objects.filter(patient=demo)),
        "administration": _first_id(Administration.objects.filter(dosing__patient=demo)),
        "vitals": _first_id(VitalsReading.objects.filter(dosing__patient=demo)),
        "inventory_lot": _first_id(InventoryLot.objects.all()),
        "inventory_entry": _first_id(InventoryEntry.objects.all()),
        "psychotherapy_note": _first_id(PsychotherapyNote.objects.filter(patient=demo)),
        "reminder": _first_id(Reminder.objects.filter(patient=demo)),
        "report": str(
            GeneratedReport.objects.create(
                kind=GeneratedReport.Kind.TREATMENT_SUMMARY,
                status=GeneratedReport.Status.FAILED,
                requested_by=personas.prescriber,
                patient=demo,
                error="demo failure",
                attempts=1,
            ).public_id
        ),
    }


# Which seeded object each path's UUID parameters point at (first matching prefix wins).
PATH_OBJECTS: list[tuple[str, dict[str, str]]] = [
    (r"^/api/v1/patients/\{public_id\}/assessments/", {"public_id": "patient", "assessment_id": "assessment"}),
    (r"^/api/v1/patients/\{public_id\}/intakes/", {"public_id": "patient", "intake_id": "intake"}),
    (r"^/api/v1/patients/\{public_id\}/medications/", {"public_id": "patient", "medication_id": "medication"}),
    (r"^/api/v1/patients/\{public_id\}/safety-flags/", {"public_id": "patient", "flag_id": "safety_flag"}),
    (r"^/api/v1/patients/\{public_id\}/consents/", {"public_id": "patient", "record_id": "consent_record"}),
    (r"^/api/v1/patients/", {"public_id": "patient"}),
    (r"^/api/v1/staff/", {"public_id": "staff"}),
    (r"^/api/v1/consent-documents/", {"public_id": "consent_document"}),
    (r"^/api/v1/sessions/\{public_id\}/dosing/", {"public_id": "dosing_session"}),
    (r"^/api/v1/sessions/\{public_id\}/preparation/", {"public_id": "preparation_session"}),
    (r"^/api/v1/sessions/\{public_id\}/integration/", {"public_id": "integration_session"}),
    (r"^/api/v1/sessions/", {"public_id": "session"}),
    (r"^/api/v1/dosing-records/", {"public_id": "dosing_record"}),
    (r"^/api/v1/clinical-records/", {"public_id": "dosing_record"}),
    (r"^/api/v1/administrations/", {"public_id": "administration"}),
    (r"^/api/v1/vitals/", {"public_id": "vitals"}),
    (r"^/api/v1/inventory/lots/", {"public_id": "inventory_lot"}),
    (r"^/api/v1/inventory/entries/", {"public_id": "inventory_entry"}),
    (r"^/api/v1/psychotherapy-notes/", {"public_id": "psychotherapy_note"}),
    (r"^/api/v1/reminders/", {"public_id": "reminder"}),
    (r"^/api/v1/reports/", {"public_id": "report"}),
]


def _path_parameters(path: str, ids: dict[str, str | None]) -> dict[str, str]:
    for pattern, params in PATH_OBJECTS:
        if re.match(pattern, path):
            values = {name: ids[kind] for name, kind in params.items() if f"{{{name}}}" in path}
            return {name: value for name, value in values.items() if value is not None}
    return {}


@pytest.fixture(autouse=True)
def _hypothesis_files_in_a_temporary_directory():
    """Hypothesis caches (constants, unicode tables) go to a throwaway directory, not ./.hypothesis."""
    with tempfile.TemporaryDirectory(prefix="kap-hypothesis-") as directory:
        set_hypothesis_home_dir(directory)
        try:
            yield
        finally:
            set_hypothesis_home_dir(None)


@pytest.fixture
def api_schema(db):
    """The schema, loaded from the app in-process. Requests go straight to Django's WSGI handler, so (as
    Django's test client does) the test's transaction must survive the end of each request."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield schemathesis.openapi.from_wsgi(SCHEMA_PATH, get_wsgi_application())
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


PRESCRIBER_CHECKS = [
    not_a_server_error,
    status_code_conformance,
    response_schema_conformance,
    content_type_conformance,
    negative_data_rejection,
    ignored_auth,
]


def _routes(url: str) -> bool:
    try:
        resolve(urlsplit(url).path)
    except Resolver404:
        return False
    return True


def refused_without_credentials(ctx, response, case) -> bool | None:
    """No credentials: 401/403 on every operation but the (public) token endpoint."""
    if case.operation.path == TOKEN_PATH:
        return None
    if response.status_code == 404 and not _routes(response.request.url):
        return None  # an invalid path segment (not a UUID, unknown action) reaches no view at all
    if response.status_code not in (401, 403):
        raise AssertionError(f"{case.operation.label} answered {response.status_code} to a request without credentials")
    return None


ANONYMOUS_CHECKS = [
    not_a_server_error,
    refused_without_credentials,
    status_code_conformance,
    response_schema_conformance,
    content_type_conformance,
]


def _fuzz(schema, ids, subtests, *, headers: dict[str, str] | None, checks: list) -> None:
    """One subtest per operation and generation mode; each runs a small, derandomized Hypothesis search."""
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 50
    for operation in operations:
        path_parameters = _path_parameters(operation.path, ids)
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            strategy = operation.as_strategy(generation_mode=mode, path_parameters=path_parameters)

            @hypothesis.settings(
                max_examples=MAX_EXAMPLES,
                derandomize=True,
                deadline=None,
                database=None,
                phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate],
                suppress_health_check=list(hypothesis.HealthCheck),
                verbosity=hypothesis.Verbosity.quiet,
            )
            @hypothesis.given(case=strategy)
            def run(case) -> None:
                case.call_and_validate(headers=headers, checks=checks)

            # Unsatisfiable: nothing in this operation can be made invalid once its path ids are fixed.
            with (
                subtests.test(msg=f"{operation.label} ({mode.value})"),
                contextlib.suppress(hypothesis.errors.Unsatisfiable),
            ):
                run()


def test_api_as_the_demo_prescriber(api_schema, demo_ids, personas, subtests) -> None:
    token, _ = Token.objects.get_or_create(user=personas.prescriber)
    _fuzz(api_schema, demo_ids, subtests, headers={"Authorization": f"Token {token.key}"}, checks=PRESCRIBER_CHECKS)


def test_api_without_credentials(api_schema, demo_ids, subtests) -> None:
    _fuzz(api_schema, demo_ids, subtests, headers=None, checks=ANONYMOUS_CHECKS)
