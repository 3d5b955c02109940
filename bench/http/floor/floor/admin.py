from django.contrib import admin

from floor.models import Patient


@admin.register(Patient)
class PatientAdmin(admin.ModelAdmin):
    list_display = ["legal_last_name", "legal_first_name", "mrn", "date_of_birth", "status"]
    list_filter = ["status"]
    search_fields = ["legal_last_name", "legal_first_name", "mrn"]
