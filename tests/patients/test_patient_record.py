"""Registering and editing patients, the status machine, care teams, medications and weights."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from kap_clinic.audit.models import AuditEvent
from kap_clinic.common.errors import Conflict, InvalidTransition, PermissionDeniedError, ValidationFailed
from patients import selectors, services
from patients.models import Patient, PatientStatusChange
from patients.services import ALLOWED_TRANSITIONS

from .factories import make_eligible, make_intake

pytestmark = pytest.mark.django_db

Status = Patient.Status


def register(actor, **fields) -> Patient:
    defaults = {"legal_first_name": "Ada", "legal_last_name": "Quinn", "date_of_birth": dt.date(1980, 4, 1)}
    return services.patient_create(actor=actor, **{**defaults, **fields})


# --- registration and edits --------------------------------------------------------------------


def test_a_clinician_registers_a_referred_patient_with_the_full_record_and_leads_their_team(personas) -> None:
    patient = register(
        personas.prescriber,
        preferred_name="Addie",
        sex_at_birth="female",
        gender="woman",
        email=" Ada.Quinn@Example.com ",
        mobile="+1 (555) 201-3344",
        address_line1="1 Main St",
        city="Springfield",
        region="IL",
        postal_code="62701",
        country="us",
        emergency_contact_name="Bo Quinn",
        emergency_contact_relationship="spouse",
        emergency_contact_phone="+44 20 7946 0958",
        reminder_sms_opt_in=True,
        referring_provider="Dr. Lee, Springfield Psychiatry",
        conditions=["trd", "anxiety", "other"],
        condition_other="fibromyalgia",
        allergies="Penicillin (rash)",
        height_cm="172.5",
    )
    patient.refresh_from_db()
    assert patient.status == Status.REFERRED
    assert patient.mrn.startswith("KAP-")
    assert patient.email == "ada.quinn@example.com"
    assert patient.mobile == "+15552013344"
    assert patient.emergency_contact_phone == "+442079460958"
    assert patient.country == "US"
    assert patient.height_cm == Decimal("172.5")
    assert sorted(c.condition for c in patient.conditions.all()) == ["anxiety", "other", "trd"]
    assert patient.conditions.get(condition="other").detail == "fibromyalgia"
    assert selectors.user_is_on_care_team(user=personas.prescriber, patient=patient)
    event = AuditEvent.objects.get(action="patient.created", patient_public_id=patient.public_id)
    assert "mobile" in event.changed_fields and "Ada" not in str(event.changed_fields)


def test_an_admin_registers_demographics_but_not_clinical_details(personas) -> None:
    patient = register(personas.admin, referring_provider="Dr. Lee")
    assert not patient.care_team.exists()
    with pytest.raises(PermissionDeniedError) as exc:
        register(personas.admin, legal_first_name="Bea", conditions=["ptsd"])
    assert exc.value.field == "conditions"


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"legal_first_name": "  "}, "legal_first_name"),
        ({"date_of_birth": dt.date(2999, 1, 1)}, "date_of_birth"),
        ({"mobile": "555-1234"}, "mobile"),
        ({"emergency_contact_phone": "+1"}, "emergency_contact_phone"),
        ({"reminder_sms_opt_in": True}, "reminder_sms_opt_in"),
        ({"no_known_allergies": True, "allergies": "latex"}, "no_known_allergies"),
        ({"conditions": ["migraine"]}, "conditions"),
        ({"height_cm": "12"}, "height_cm"),
        ({"country": "USA"}, "country"),
        ({"sex_at_birth": "x"}, "sex_at_birth"),
        ({"favourite_colour": "blue"}, "favourite_colour"),
    ],
)
def test_bad_record_input_is_refused_naming_the_field_and_nothing_is_saved(personas, fields, field) -> None:
    before = Patient.objects.count()
    with pytest.raises(ValidationFailed) as exc:
        register(personas.prescriber, **fields)
    assert exc.value.field == field
    assert Patient.objects.count() == before


def test_an_update_touches_only_the_fields_given_and_audits_their_names(personas) -> None:
    patient = personas.demo_patient
    services.patient_update(actor=personas.admin, patient=patient, city="Boston", email=patient.email)
    event = AuditEvent.objects.filter(action="patient.updated").latest("occurred_at")
    assert event.changed_fields == ["city"]
    services.patient_update(actor=personas.nurse, patient=patient, conditions=["ptsd"], allergies="latex")
    patient.refresh_from_db()
    assert [c.condition for c in patient.conditions.all()] == ["ptsd"]
    assert patient.allergies == "latex"


def test_clinical_edits_need_the_care_team(personas) -> None:
    with pytest.raises(PermissionDeniedError):
        services.patient_update(actor=personas.admin, patient=personas.demo_patient, allergies="latex")
    with pytest.raises(PermissionDeniedError):
        services.patient_update(actor=personas.outsider, patient=personas.demo_patient, conditions=["ptsd"])


def test_patients_cannot_edit_records_through_the_staff_service(personas) -> None:
    with pytest.raises(PermissionDeniedError):
        services.patient_update(actor=personas.patient_user, patient=personas.demo_patient, city="X")


# --- status machine --------------------------------------------------------------------------


def test_the_transition_table_covers_every_status() -> None:
    assert set(ALLOWED_TRANSITIONS) == set(Status.values)
    assert Status.IN_TREATMENT not in ALLOWED_TRANSITIONS[Status.REFERRED]


def test_an_invalid_move_is_refused_naming_from_and_to(personas) -> None:
    patient = register(personas.prescriber)
    with pytest.raises(InvalidTransition) as exc:
        services.patient_change_status(actor=personas.prescriber, patient=patient, to_status=Status.MAINTENANCE)
    assert exc.value.status == 409
    assert "from Referred to Maintenance" in exc.value.message
    assert exc.value.extra == {"from": "referred", "to": "maintenance"}
    patient.refresh_from_db()
    assert patient.status == Status.REFERRED


def test_eligible_is_set_by_a_decision_not_by_hand(personas) -> None:
    patient = register(personas.prescriber)
    services.patient_change_status(actor=personas.prescriber, patient=patient, to_status=Status.SCREENING)
    with pytest.raises(InvalidTransition) as exc:
        services.patient_change_status(actor=personas.prescriber, patient=patient, to_status=Status.ELIGIBLE)
    assert "eligibility decision" in exc.value.message


def test_the_full_course_referred_to_discharged_leaves_a_status_history(personas) -> None:
    patient = register(personas.prescriber)
    make_eligible(patient, personas.prescriber)  # intake: referred → screening; decision: → eligible
    patient.refresh_from_db()
    assert patient.status == Status.ELIGIBLE
    services.care_team_assign(actor=personas.admin, patient=patient, clinician=personas.nurse)
    for to in (Status.IN_TREATMENT, Status.MAINTENANCE):
        patient = services.patient_change_status(actor=personas.nurse, patient=patient, to_status=to)
    with pytest.raises(ValidationFailed) as exc:
        services.patient_change_status(actor=personas.nurse, patient=patient, to_status=Status.DISCHARGED)
    assert exc.value.field == "reason"
    services.patient_change_status(
        actor=personas.nurse, patient=patient, to_status=Status.DISCHARGED, reason="Course complete"
    )
    history = list(PatientStatusChange.objects.filter(patient=patient).order_by("changed_at", "id"))
    assert [(h.from_status, h.to_status) for h in history] == [
        ("referred", "screening"),
        ("screening", "eligible"),
        ("eligible", "in_treatment"),
        ("in_treatment", "maintenance"),
        ("maintenance", "discharged"),
    ]
    assert AuditEvent.objects.filter(action="patient.status_changed", patient_public_id=patient.public_id).count() == 5


def test_treatment_cannot_start_once_a_newer_intake_supersedes_the_decision(personas) -> None:
    patient = register(personas.prescriber)
    make_eligible(patient, personas.prescriber)
    make_intake(patient, personas.prescriber)
    patient.refresh_from_db()
    assert patient.status == Status.ELIGIBLE
    with pytest.raises(Conflict) as exc:
        services.patient_change_status(actor=personas.prescriber, patient=patient, to_status=Status.IN_TREATMENT)
    assert "current eligibility" in exc.value.message


def test_only_the_care_team_moves_a_patient(personas) -> None:
    with pytest.raises(PermissionDeniedError):
        services.patient_change_status(
            actor=personas.outsider, patient=personas.demo_patient, to_status=Status.MAINTENANCE
        )
    with pytest.raises(PermissionDeniedError):
        services.patient_change_status(
            actor=personas.admin, patient=personas.demo_patient, to_status=Status.MAINTENANCE
        )


def test_allowed_next_statuses_leave_out_the_decision_statuses(personas) -> None:
    patient = register(personas.prescriber)
    patient.status = Status.SCREENING
    assert services.allowed_next_statuses(patient) == [Status.DISCHARGED]


# --- care team, medications, weights ----------------------------------------------------------


def test_admins_assign_and_remove_care_team_members_and_the_lead_moves(personas) -> None:
    patient = personas.other_patient
    membership = services.care_team_assign(
        actor=personas.admin, patient=patient, clinician=personas.therapist, is_lead=True
    )
    leads = list(patient.care_team.filter(active=True, is_lead=True).values_list("clinician__email", flat=True))
    assert leads == ["therapist@demo.clinic"]
    services.care_team_remove(actor=personas.admin, membership=membership)
    assert not selectors.user_is_on_care_team(user=personas.therapist, patient=patient)
    with pytest.raises(PermissionDeniedError):
        services.care_team_assign(actor=personas.prescriber, patient=patient, clinician=personas.nurse)
    with pytest.raises(ValidationFailed):
        services.care_team_assign(actor=personas.admin, patient=patient, clinician=personas.admin)


@pytest.mark.parametrize(
    ("name", "klass"),
    [
        ("Lorazepam 1 mg", "benzodiazepine"),
        ("Lamictal XR", "lamotrigine"),
        ("phenelzine", "maoi"),
        ("Adderall XR 20mg", "stimulant"),
        ("Oxycodone", "opioid"),
        ("Sertraline", ""),
    ],
)
def test_a_medication_gets_its_interacting_class_from_its_name(personas, name, klass) -> None:
    med = services.medication_add(actor=personas.nurse, patient=personas.demo_patient, name=name)
    assert med.interaction_class == klass


def test_interacting_classes_show_for_current_medications_only(personas) -> None:
    patient = personas.demo_patient
    services.medication_add(actor=personas.prescriber, patient=patient, name="Clonazepam", dose="0.5 mg nightly")
    stopped = services.medication_add(actor=personas.prescriber, patient=patient, name="Tramadol")
    services.medication_stop(actor=personas.prescriber, medication=stopped, reason="Pain resolved")
    meds = list(selectors.medication_list_for(patient))
    assert selectors.interacting_classes(meds) == ["Benzodiazepine"]
    with pytest.raises(Conflict):
        services.medication_stop(actor=personas.prescriber, medication=stopped, reason="again")
    stopped.refresh_from_db()
    assert stopped.stopped_by == personas.prescriber and stopped.stop_reason == "Pain resolved"


def test_weights_are_dated_and_the_latest_on_a_day_is_used(personas) -> None:
    patient = personas.demo_patient
    services.weight_record(actor=personas.nurse, patient=patient, weight_kg="80.0", measured_on=dt.date(2026, 1, 5))
    services.weight_record(actor=personas.nurse, patient=patient, weight_kg=78.26, measured_on=dt.date(2026, 2, 5))
    assert selectors.latest_weight(patient).weight_kg == Decimal("78.3")
    assert selectors.latest_weight(patient, on=dt.date(2026, 1, 31)).weight_kg == Decimal("80.0")
    with pytest.raises(ValidationFailed) as exc:
        services.weight_record(actor=personas.nurse, patient=patient, weight_kg=900)
    assert exc.value.field == "weight_kg"
    with pytest.raises(PermissionDeniedError):
        services.weight_record(actor=personas.admin, patient=patient, weight_kg=70)


def test_a_weight_recorded_late_in_the_evening_is_dated_in_the_clinic_zone(personas, settings) -> None:
    import time_machine

    settings.CLINIC_TIME_ZONE = "America/New_York"
    # 03:30 UTC on the morning US clocks spring forward is still the previous evening in New York.
    with time_machine.travel(dt.datetime(2026, 3, 8, 3, 30, tzinfo=dt.UTC), tick=False):
        row = services.weight_record(actor=personas.nurse, patient=personas.demo_patient, weight_kg=70)
    assert row.measured_on == dt.date(2026, 3, 7)
