"""The base of every clinical row: nothing clinical is ever deleted (void it or add an addendum)."""

from __future__ import annotations

from django.db import models

from kap_clinic.common.models import BaseModel


class ClinicalRecordDeleteError(PermissionError):
    """Clinical records are never deleted (void or add an addendum instead)."""


class NoDeleteQuerySet(models.QuerySet):
    def delete(self) -> tuple[int, dict[str, int]]:
        raise ClinicalRecordDeleteError(f"{self.model.__name__} rows are never deleted.")


class NoDeleteModel(BaseModel):
    objects = NoDeleteQuerySet.as_manager()

    class Meta:
        abstract = True

    def delete(self, *args: object, **kwargs: object) -> tuple[int, dict[str, int]]:
        raise ClinicalRecordDeleteError(f"{type(self).__name__} rows are never deleted.")
