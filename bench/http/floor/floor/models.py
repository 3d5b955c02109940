from django.db import models


class Patient(models.Model):
    """The clinic's patient table, read-only (the clinic's migrations own it)."""

    legal_first_name = models.CharField(max_length=100)
    legal_last_name = models.CharField(max_length=100)
    mrn = models.CharField(max_length=20)
    date_of_birth = models.DateField()
    status = models.CharField(max_length=30)

    class Meta:
        managed = False
        db_table = "patients_patient"
        ordering = ["legal_last_name", "legal_first_name", "id"]

    def __str__(self) -> str:
        return f"{self.legal_last_name}, {self.legal_first_name}"
