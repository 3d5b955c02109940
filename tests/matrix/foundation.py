"""Access rules for the foundation: accounts, audit, dashboard, portal, patients, API base."""

from __future__ import annotations

from . import Case

STAFF_OK = {
    "admin": 200,
    "prescriber": 200,
    "nurse": 200,
    "therapist": 200,
    "outsider": 200,
    "patient_user": 403,
    "other_patient_user": 403,
}
ADMIN_ONLY = {
    "admin": 200,
    "prescriber": 403,
    "nurse": 403,
    "therapist": 403,
    "outsider": 403,
    "patient_user": 403,
    "other_patient_user": 403,
}
ADMIN_ONLY_API = {**ADMIN_ONLY}
PUBLIC = {
    p: 200
    for p in (
        "anonymous",
        "admin",
        "prescriber",
        "nurse",
        "therapist",
        "outsider",
        "patient_user",
        "other_patient_user",
    )
}


def demo_patient(p):
    return {"public_id": p.demo_patient.public_id}


def staff_member(p):
    return {"public_id": p.nurse.public_id}


CASES = [
    Case(
        "home",
        {
            "admin": 302,
            "prescriber": 302,
            "nurse": 302,
            "therapist": 302,
            "outsider": 302,
            "patient_user": 302,
            "other_patient_user": 302,
        },
    ),
    Case("dashboard", STAFF_OK),
    Case("healthz", PUBLIC),
    Case("healthz", {"anonymous": 405}, method="post", default=405),
    Case("portal:home", {"patient_user": 200, "other_patient_user": 200}, default=403),
    # Accounts
    Case("accounts:login", {"anonymous": 200}, default=302),
    Case("accounts:logout", {"anonymous": 302}, method="post", default=302),
    Case("accounts:password_change", {**PUBLIC, "anonymous": 302}),
    Case("accounts:password_reset", PUBLIC),
    Case("accounts:password_reset_done", PUBLIC),
    Case("accounts:password_reset_confirm", PUBLIC, kwargs=lambda p: {"uidb64": "MQ", "token": "invalid-token"}),
    Case("accounts:password_reset_complete", PUBLIC),
    Case("accounts:staff_list", ADMIN_ONLY),
    Case("accounts:staff_create", ADMIN_ONLY),
    Case(
        "accounts:staff_create",
        {**ADMIN_ONLY, "admin": 302},
        method="post",
        data=lambda p: {
            "email": "new.rn@demo.clinic",
            "full_name": "New Nurse",
            "role": "clinician",
            "discipline": "nurse",
        },
    ),
    Case("accounts:staff_edit", ADMIN_ONLY, kwargs=staff_member),
    Case(
        "accounts:staff_set_active",
        {**ADMIN_ONLY, "admin": 302},
        method="post",
        kwargs=staff_member,
        data=lambda p: {"active": "0"},
    ),
    Case("accounts:staff_set_active", {**ADMIN_ONLY, "admin": 405}, kwargs=staff_member),
    # Audit trail (admins only)
    Case("audit:list", ADMIN_ONLY),
    # API (patients:* and api:patient* cases live in tests/matrix/patients.py)
    Case("api:root", {}, api=True, default=200),
    Case(
        "api:auth_token",
        {"anonymous": 400},
        method="post",
        api=True,
        default=400,
        data=lambda p: {"email": "nobody@demo.clinic", "password": "wrong"},
    ),
    Case("api:me", {}, api=True, default=200),
    Case("api:staff", ADMIN_ONLY_API, api=True),
    Case("api:staff_detail", ADMIN_ONLY_API, api=True, kwargs=staff_member),
    Case("api:audit_events", ADMIN_ONLY_API, api=True),
    Case("api_schema", PUBLIC),
    Case("api_docs", PUBLIC),
]
