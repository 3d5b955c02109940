"""/audit/: practice admins browse the trail and filter it by patient, user, action and date."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from kap_clinic.audit.models import AuditEvent
from kap_clinic.audit.services import audit_record

pytestmark = pytest.mark.django_db

# Clinic zone is America/New_York: 2026-03-10 03:30 UTC is still 2026-03-09 in the clinic.
LATE_EVENING = dt.datetime(2026, 3, 10, 3, 30, tzinfo=dt.UTC)
NEXT_MORNING = dt.datetime(2026, 3, 10, 14, 0, tzinfo=dt.UTC)


@pytest.fixture
def trail(personas):
    with time_machine.travel(LATE_EVENING, tick=False):
        audit_record(
            actor=personas.prescriber,
            action="patient.viewed",
            target=personas.demo_patient,
            patient=personas.demo_patient,
        )
    with time_machine.travel(NEXT_MORNING, tick=False):
        audit_record(
            actor=personas.nurse, action="patient.viewed", target=personas.demo_patient, patient=personas.demo_patient
        )
        audit_record(
            actor=personas.outsider,
            action="patient.viewed",
            target=personas.other_patient,
            patient=personas.other_patient,
        )
        audit_record(actor=personas.admin, action="role.changed", target=personas.nurse, changed_fields=["role"])
    return personas


@pytest.fixture
def admin_client(client, personas):
    client.force_login(personas.admin)
    return client


def listed(response) -> list[tuple[str, str]]:
    assert response.status_code == 200
    return [(e.action, e.actor.email) for e in response.context["page"]]


def test_the_trail_lists_every_event_newest_first(admin_client, trail) -> None:
    rows = listed(admin_client.get("/audit/"))
    assert rows == [
        ("role.changed", "admin@demo.clinic"),
        ("patient.viewed", "outsider@demo.clinic"),
        ("patient.viewed", "nurse@demo.clinic"),
        ("patient.viewed", "prescriber@demo.clinic"),
    ]


def test_filtering_by_patient(admin_client, trail) -> None:
    rows = listed(admin_client.get(f"/audit/?patient={trail.demo_patient.public_id}"))
    assert {email for _, email in rows} == {"nurse@demo.clinic", "prescriber@demo.clinic"}


def test_filtering_by_user(admin_client, trail) -> None:
    rows = listed(admin_client.get(f"/audit/?user={trail.nurse.public_id}"))
    assert rows == [("patient.viewed", "nurse@demo.clinic")]


def test_filtering_by_action_prefix(admin_client, trail) -> None:
    assert len(listed(admin_client.get("/audit/?action=patient."))) == 3
    assert listed(admin_client.get("/audit/?action=role.changed")) == [("role.changed", "admin@demo.clinic")]


def test_filtering_by_date_uses_the_clinic_day(admin_client, trail) -> None:
    evening = listed(admin_client.get("/audit/?date_from=2026-03-09&date_to=2026-03-09"))
    assert evening == [("patient.viewed", "prescriber@demo.clinic")]
    assert len(listed(admin_client.get("/audit/?date_from=2026-03-10"))) == 3
    assert listed(admin_client.get("/audit/?date_to=2026-03-08")) == []


def test_filters_combine(admin_client, trail) -> None:
    url = f"/audit/?patient={trail.demo_patient.public_id}&action=patient.viewed&date_from=2026-03-10"
    assert listed(admin_client.get(url)) == [("patient.viewed", "nurse@demo.clinic")]


def test_times_are_shown_in_the_clinic_zone(admin_client, trail) -> None:
    html = admin_client.get(f"/audit/?user={trail.prescriber.public_id}").content.decode()
    assert "2026-03-09 23:30:00" in html
    assert "America/New_York" in html


@pytest.mark.parametrize(
    "query",
    [
        "patient=not-a-uuid",
        "user=00000000-0000-0000-0000-000000000000",
        "user=garbage",
        "date_from=yesterday",
        "date_to=2026-02-31",
        "action=" + "x" * 500,
        "page=abc",
        "page=99999",
        "patient=%00",
    ],
)
def test_bad_filter_input_shows_an_error_not_a_500(admin_client, trail, query) -> None:
    response = admin_client.get(f"/audit/?{query}")
    assert response.status_code == 200


def test_a_bad_filter_is_reported_on_its_field(admin_client, trail) -> None:
    response = admin_client.get("/audit/?patient=not-a-uuid")
    assert "patient" in response.context["form"].errors


def test_the_api_refuses_bad_filters_with_400_naming_the_field(api_for, trail) -> None:
    api = api_for(trail.admin)
    response = api.get("/api/v1/audit-events/?patient=not-a-uuid")
    assert response.status_code == 400
    assert response.json()["error"]["field"] == "patient"
    response = api.get("/api/v1/audit-events/?date_from=yesterday")
    assert response.json()["error"]["field"] == "date_from"


def test_the_api_filters_by_user_and_date(api_for, trail) -> None:
    api = api_for(trail.admin)
    rows = api.get(f"/api/v1/audit-events/?user={trail.outsider.public_id}&date_from=2026-03-10").json()["results"]
    assert [r["actor_email"] for r in rows] == ["outsider@demo.clinic"]


def test_the_trail_pages_through_many_events(admin_client, personas) -> None:
    for _ in range(60):
        audit_record(actor=personas.nurse, action="patient.listed", target_type="patients.patient")
    first = admin_client.get("/audit/?action=patient.listed")
    assert len(first.context["page"]) == 50
    html = first.content.decode()
    assert "?action=patient.listed&page=2" in html
    assert len(admin_client.get("/audit/?action=patient.listed&page=2").context["page"]) == 10


@pytest.mark.parametrize("rows", [3, 60])
def test_the_trail_page_query_count_does_not_grow_with_rows(
    admin_client, personas, django_assert_max_num_queries, rows
) -> None:
    for _ in range(rows):
        audit_record(
            actor=personas.nurse, action="patient.viewed", target=personas.demo_patient, patient=personas.demo_patient
        )
    with django_assert_max_num_queries(12):
        admin_client.get("/audit/")


def test_the_user_filter_offers_staff_not_every_patient_account(admin_client, trail) -> None:
    choices = [str(value) for value, _ in admin_client.get("/audit/").context["form"].fields["user"].choices]
    assert str(trail.nurse.public_id) in choices
    assert str(trail.admin.public_id) in choices
    assert str(trail.patient_user.public_id) not in choices


def test_nothing_clinical_is_in_an_event(trail) -> None:
    fields = {f.name for f in AuditEvent._meta.get_fields()}
    assert not fields & {"value", "values", "before", "after", "text", "body", "note", "details"}
