"""From a session to its clinical records and back: the session page lists the dosing, preparation,
integration and follow-up records (with their state and addenda) to clinicians only."""

from __future__ import annotations

import pytest
from django.urls import reverse

from sessions_app.clinical.services import notes

from . import helpers
from .conftest import TUESDAY, local
from .test_signing import completed

pytestmark = pytest.mark.django_db


def detail(session) -> str:
    return reverse("sessions_app:session_detail", kwargs={"public_id": session.public_id})


def card(html: str) -> str:
    return html.split('data-testid="session-clinical-records"')[1].split("</ul>")[0]


@pytest.fixture(autouse=True)
def long_idle_timeout(settings):
    settings.STAFF_IDLE_TIMEOUT_MINUTES = 6000


def test_a_dosing_session_links_its_record_the_preparation_before_and_the_integration_after(
    personas, ready, book, clock, client_for
) -> None:
    r = completed(personas, ready, clock)
    notes.record_sign(actor=personas.prescriber, record=r.dosing, password=helpers.PASSWORD)
    notes.addendum_add(actor=personas.nurse, record=r.dosing, reason="Late entry", body="Escort at 11:50")
    integration = book(local(TUESDAY, 15), kind="integration", lead_clinician=personas.therapist, follows=r.session)
    notes.integration_save(actor=personas.therapist, session=integration, experience="Felt held")
    html = client_for(personas.prescriber).get(detail(r.session)).content.decode()
    records = card(html)
    dosing_page = reverse("sessions_app:dosing", kwargs={"public_id": r.session.public_id})
    assert f'href="{dosing_page}">Dosing record</a>' in records
    assert 'data-testid="record-dosing" data-state="signed"' in records
    assert f'href="{dosing_page}#addenda">1 addendum</a>' in records
    assert 'data-testid="record-prep" data-state="signed"' in records
    assert 'data-testid="record-int" data-state="unsigned"' in records
    assert reverse("sessions_app:integration", kwargs={"public_id": integration.public_id}) in records
    # ...and back: each record page links to its session.
    client = client_for(personas.therapist)
    page = client.get(reverse("sessions_app:integration", kwargs={"public_id": integration.public_id}))
    assert detail(integration) in page.content.decode()
    assert detail(r.session) in client.get(dosing_page).content.decode()
    html = client.get(detail(integration)).content.decode()
    records = card(html)
    assert 'data-testid="record-int" data-state="unsigned"' in records
    assert 'data-testid="record-follow-up" data-state="not written"' in records
    assert f'href="{dosing_page}">Dosing session it follows</a>' in records
    follow_up = client.get(reverse("sessions_app:follow_up_check", kwargs={"public_id": integration.public_id}))
    assert detail(integration) in follow_up.content.decode()


def test_a_session_before_its_record_exists_says_so(personas, book, clinic, clock, client_for) -> None:
    prep = book(local(TUESDAY, 9), kind="preparation", lead_clinician=personas.therapist)
    records = card(client_for(personas.therapist).get(detail(prep)).content.decode())
    assert 'data-testid="record-prep" data-state="not written"' in records
    assert reverse("sessions_app:preparation", kwargs={"public_id": prep.public_id}) in records


def test_the_front_desk_sees_the_session_but_no_clinical_records(personas, ready, client_for) -> None:
    r = ready()
    response = client_for(personas.admin).get(detail(r.session))
    assert response.status_code == 200
    assert 'data-testid="session-clinical-records"' not in response.content.decode()


def test_the_session_page_lists_records_in_a_fixed_number_of_queries(
    personas, ready, clock, client_for, django_assert_max_num_queries
) -> None:
    r = completed(personas, ready, clock)
    for i in range(5):
        notes.addendum_add(actor=personas.nurse, record=r.dosing, reason=f"Late {i}", body="x")
    client = client_for(personas.prescriber)
    with django_assert_max_num_queries(30):
        assert client.get(detail(r.session)).status_code == 200
