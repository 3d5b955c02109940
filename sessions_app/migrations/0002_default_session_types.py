"""Reference data: the five session kinds with their default durations and staffing.

Dosing is 120 minutes because the observation period is part of the visit; it needs a prescriber
or nurse, a therapist (KAP) and a dosing-equipped room. Admins may change durations later; this
migration only creates missing rows, so it never overwrites a clinic's settings.
"""

from django.db import migrations

DEFAULTS = [
    # kind, name, minutes, dosing room, medical staff, therapist, colour, order
    ("consultation", "Consultation", 60, False, False, False, "#6c757d", 1),
    ("preparation", "Preparation", 60, False, False, False, "#3a7ca5", 2),
    ("dosing", "Dosing", 120, True, True, True, "#8e44ad", 3),
    ("integration", "Integration", 60, False, False, False, "#2a9d8f", 4),
    ("follow_up", "Follow-up", 30, False, False, False, "#c07a1f", 5),
]


def create_session_types(apps, schema_editor):
    SessionType = apps.get_model("sessions_app", "SessionType")
    for kind, name, minutes, room, medical, therapist, colour, order in DEFAULTS:
        SessionType.objects.get_or_create(
            kind=kind,
            defaults={
                "name": name,
                "default_duration_minutes": minutes,
                "requires_dosing_room": room,
                "requires_medical_staff": medical,
                "requires_therapist": therapist,
                "colour": colour,
                "sort_order": order,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("sessions_app", "0001_scheduling")]

    operations = [migrations.RunPython(create_session_types, migrations.RunPython.noop)]
