"""Reference data: the kinds of consent the clinic collects (codes are referenced by the code)."""

from django.db import migrations

KINDS = [
    (
        "kap_treatment",
        "KAP treatment consent",
        "Consent to ketamine-assisted psychotherapy (KAP) treatment",
        10,
        "Informed consent to ketamine given under medical supervision together with psychotherapy.",
    ),
    (
        "esketamine_treatment",
        "Esketamine treatment acknowledgement",
        "Acknowledgement of esketamine treatment and its monitoring requirements",
        20,
        "Acknowledgement of the esketamine nasal spray programme and its monitoring rules.",
    ),
    (
        "telehealth",
        "Telehealth consent",
        "Consent to receive care by telehealth",
        30,
        "Consent to preparation and integration sessions held by video.",
    ),
    (
        "session_recording",
        "Session recording consent",
        "Consent to the recording of sessions",
        40,
        "Consent to audio or video recording of sessions for care and supervision.",
    ),
    (
        "release_of_information",
        "Release of information",
        "Authorization to release health information",
        50,
        "Authorization to share information with a named person or organization.",
    ),
    (
        "electronic_records",
        "Consent to electronic records and signatures",
        "Agreement to receive records and sign documents electronically",
        90,
        "Agreement to use electronic records and signatures instead of paper (ESIGN/UETA).",
    ),
]


def forward(apps, schema_editor):
    ConsentKind = apps.get_model("consent", "ConsentKind")
    for code, name, meaning, order, description in KINDS:
        ConsentKind.objects.update_or_create(
            code=code, defaults={"name": name, "meaning": meaning, "order": order, "description": description}
        )


def reverse(apps, schema_editor):
    ConsentKind = apps.get_model("consent", "ConsentKind")
    ConsentKind.objects.filter(code__in=[k[0] for k in KINDS], documents__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("consent", "0001_consent_documents_requests_records")]
    operations = [migrations.RunPython(forward, reverse)]
