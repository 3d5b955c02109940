"""The patient list and the chart cost a fixed number of queries, with 5 or 500 patients / results."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from patients import instruments, services
from patients.models import Assessment, CareTeamMembership, Patient, PatientCondition, SafetyFlag

from .factories import make_eligible

pytestmark = pytest.mark.django_db

# Whole-request budgets include session/auth/audit queries and other apps' chart panels (consent,
# sessions), so they leave room; the patients app's own share has its own, tighter budget.
LIST_BUDGET = 15
CHART_BUDGET = 45
CHART_OWN_BUDGET = 20


def add_patients(clinician, count: int, batch: int = 1) -> None:
    """``count`` patients on ``clinician``'s team, each with a condition (names start with "Bulk")."""
    rng = random.Random(batch)
    patients = Patient.objects.bulk_create(
        Patient(
            legal_first_name=f"First{i}",
            legal_last_name=f"Bulk{batch}x{i:04d}",
            date_of_birth=dt.date(1960 + i % 40, 1 + i % 12, 1 + i % 28),
            status=rng.choice(Patient.Status.values),
            mrn=f"KAP-{batch}{i:07d}",
        )
        for i in range(count)
    )
    CareTeamMembership.objects.bulk_create(
        CareTeamMembership(patient=p, clinician=clinician, is_lead=True) for p in patients
    )
    PatientCondition.objects.bulk_create(
        PatientCondition(patient=p, condition=rng.choice(["trd", "ptsd", "anxiety"])) for p in patients
    )


def add_results(patient, nurse, count: int) -> None:
    start = timezone.now() - dt.timedelta(days=count)
    rows = []
    for i in range(count):
        code = ("phq9", "gad7", "pcl5", "cssrs_screen")[i % 4]
        answers = {"phq9": [1] * 9, "gad7": [1] * 7, "pcl5": [1] * 20, "cssrs_screen": [False] * 7}[code]
        result = instruments.score(code, answers)
        rows.append(
            Assessment(
                patient=patient,
                instrument=code,
                instrument_version="1.0",
                answers=answers,
                total=result.total,
                severity=result.severity,
                flags=list(result.flags),
                administered_at=start + dt.timedelta(days=i),
                recorded_by=nurse,
            )
        )
    created = Assessment.objects.bulk_create(rows)
    SafetyFlag.objects.bulk_create(
        SafetyFlag(patient=patient, assessment=a, kind="suicidal_ideation", raised_at=a.administered_at)
        for a in created[:: max(1, count // 5)]
    )


def count_queries(client, url: str, params: dict | None = None, *, own: bool = False) -> int:
    """Queries for one GET in a steady state; with ``own`` only those on this app's tables.

    One request goes first: the first request of a signed-in client loads its session into the
    cache (sessions are cached_db) and starts the idle clock, which later requests do not repeat.
    """
    client.get(url, params or {})
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params or {})
    assert response.status_code == 200
    queries = [q["sql"] for q in ctx.captured_queries]
    if own:
        queries = [q for q in queries if '"patients_' in q.split(" WHERE ")[0]]
    return len(queries)


@pytest.mark.parametrize("params", [{}, {"q": "bulk"}, {"q": "bulk", "status": "screening", "sort": "-dob"}])
def test_the_patient_list_keeps_its_query_budget_with_5_or_500_patients(personas, client_for, params) -> None:
    client = client_for(personas.prescriber)
    url = reverse("patients:list")
    add_patients(personas.prescriber, 5, batch=1)
    few = count_queries(client, url, params)
    add_patients(personas.prescriber, 495, batch=2)
    many = count_queries(client, url, params)
    assert few <= LIST_BUDGET and many <= LIST_BUDGET, (few, many)
    assert many == few


def test_the_patient_list_api_keeps_its_query_budget(personas, api_for) -> None:
    api = api_for(personas.prescriber)
    add_patients(personas.prescriber, 5, batch=1)
    few = count_queries(api, "/api/v1/patients/", {"q": "bulk"})
    add_patients(personas.prescriber, 495, batch=2)
    many = count_queries(api, "/api/v1/patients/", {"q": "bulk"})
    assert few == many <= LIST_BUDGET


def test_the_chart_keeps_its_query_budget_with_5_or_500_results(personas, client_for) -> None:
    patient = personas.demo_patient
    make_eligible(patient, personas.prescriber)
    services.medication_add(actor=personas.prescriber, patient=patient, name="Lorazepam")
    services.weight_record(actor=personas.nurse, patient=patient, weight_kg=70)
    client = client_for(personas.prescriber)
    url = reverse("patients:detail", args=[patient.public_id])
    add_results(patient, personas.nurse, 5)
    few, few_own = count_queries(client, url), count_queries(client, url, own=True)
    add_results(patient, personas.nurse, 495)
    many, many_own = count_queries(client, url), count_queries(client, url, own=True)
    assert few <= CHART_BUDGET and many <= CHART_BUDGET, (few, many)
    assert few_own <= CHART_OWN_BUDGET and many_own <= CHART_OWN_BUDGET, (few_own, many_own)
    assert many == few


def test_the_admin_chart_and_the_dashboard_keep_their_budgets(personas, client_for) -> None:
    patient = personas.demo_patient
    add_results(patient, personas.nurse, 5)
    admin = client_for(personas.admin)
    few_chart = count_queries(admin, reverse("patients:detail", args=[patient.public_id]))
    nurse = client_for(personas.nurse)
    few_dash = count_queries(nurse, reverse("dashboard"))
    add_results(patient, personas.nurse, 495)
    assert count_queries(client_for(personas.admin), reverse("patients:detail", args=[patient.public_id])) == few_chart
    assert count_queries(client_for(personas.nurse), reverse("dashboard")) == few_dash
