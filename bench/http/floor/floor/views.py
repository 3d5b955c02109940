from django.db import connections
from django.shortcuts import render


def floor(request):
    """One query over the 10,000-row patient table: the first 50 by name, rendered by a template."""
    with connections["clinic"].cursor() as cursor:
        cursor.execute(
            "SELECT id, legal_last_name, legal_first_name, mrn FROM patients_patient "
            "ORDER BY legal_last_name, legal_first_name, id LIMIT 50"
        )
        rows = cursor.fetchall()
    return render(request, "floor/floor.html", {"rows": rows})
