"""Esketamine monitoring data sheet: per esketamine session, the fields the REMS patient
monitoring form asks for (domain.md, Spravato REMS item 7), read from the dosing record, its
devices, vitals and discharge. Anything not recorded is printed as "not recorded", never guessed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings

from sessions_app.clinical import thresholds
from sessions_app.clinical.models.dosing import (
    Administration,
    Discharge,
    DosingRecord,
    EsketamineDevice,
    Medication,
    VitalsReading,
)
from sessions_app.reports.builders import ReportDataError
from sessions_app.reports.builders.common import Header, header
from sessions_app.reports.models import GeneratedReport
from sessions_app.scheduling.models import Session

# The BP re-check is the reading closest to 40 minutes after the first device, within this window.
RECHECK_WINDOW = dt.timedelta(minutes=10)


@dataclass
class BpReading:
    label: str
    reading: VitalsReading | None


@dataclass
class YesNo:
    label: str
    value: bool | None
    resolved: bool | None = None
    has_resolution: bool = False


@dataclass
class EsketamineSheetContext:
    header: Header
    session: Session
    setting_name: str
    setting_address: str
    prescriber: str
    dose_mg: Decimal
    devices: int
    lots: list[str]
    first_device_at: dt.datetime | None
    monitoring_end_at: dt.datetime | None
    total_minutes: int | None
    ready_minutes: int | None
    vitals_ok_before: bool | None
    vitals_ok_at_end: bool | None
    bp: list[BpReading]
    concomitant: list[YesNo]
    events: list[YesNo]
    serious_adverse_event: bool | None
    signed_at: dt.datetime | None
    signed_by: str
    missing: list[str]


def build(report: GeneratedReport) -> EsketamineSheetContext:
    session = Session.objects.select_related("patient", "room__location").get(pk=report.session_id)
    record = DosingRecord.objects.filter(session=session).select_related("signed_by", "responsible_clinician").first()
    if record is None or record.medication != Medication.ESKETAMINE:
        raise ReportDataError("This session has no esketamine dosing record.")
    administrations = list(
        Administration.objects.filter(dosing=record, voided_at__isnull=True).select_related(
            "lot", "ordering_prescriber"
        )
    )
    devices = list(EsketamineDevice.objects.filter(dosing=record).order_by("given_at", "number"))
    vitals = [
        v
        for v in VitalsReading.objects.filter(dosing=record, voided_at__isnull=True).order_by("taken_at", "id")
        if v.systolic is not None
    ]
    discharge = Discharge.objects.filter(dosing=record).first()
    first = devices[0].given_at if devices else (administrations[0].started_at if administrations else None)
    pre = [v for v in vitals if v.phase == VitalsReading.Phase.PRE_DOSE]
    live = [v for v in vitals if v.phase == VitalsReading.Phase.MONITORING]
    recheck = None
    if first is not None:
        target = first + dt.timedelta(minutes=int(thresholds.current().bp_recheck_minutes))
        near = [v for v in live if abs(v.taken_at - target) <= RECHECK_WINDOW]
        recheck = min(near, key=lambda v: abs(v.taken_at - target), default=None)
    end = discharge.discharged_at if discharge else None
    total = discharge.rems_total_monitoring_minutes if discharge else None
    if total is None and first is not None and end is not None:
        total = int((end - first).total_seconds() // 60)
    d = discharge
    concomitant = [
        YesNo("Benzodiazepines", d.rems_benzodiazepines if d else None),
        YesNo("Non-benzodiazepine sedative hypnotics", d.rems_non_benzo_sedatives if d else None),
        YesNo("Psychostimulants", d.rems_psychostimulants if d else None),
        YesNo("Monoamine oxidase inhibitors (MAOIs)", d.rems_maois if d else None),
        YesNo("Opioids", d.rems_opioids if d else None),
    ]
    events = [
        YesNo("Sedation", d.sedation_occurred if d else None, d.sedation_resolved if d else None, True),
        YesNo("Dissociation", d.dissociation_occurred if d else None, d.dissociation_resolved if d else None, True),
        YesNo(
            "Respiratory depression",
            d.respiratory_depression_occurred if d else None,
            d.respiratory_depression_resolved if d else None,
            True,
        ),
    ]
    bp = [
        BpReading("Before the first device", pre[-1] if pre else None),
        BpReading("About 40 minutes after the first device", recheck),
        BpReading("Before the end of the session", live[-1] if live else None),
    ]
    missing = [b.label for b in bp if b.reading is None]
    if discharge is None:
        missing.append("Discharge and REMS answers")
    location = session.room.location if session.room_id else None
    prescribers = sorted({a.ordering_prescriber.full_name for a in administrations})
    return EsketamineSheetContext(
        header=header(report, "Esketamine monitoring data sheet", session.patient),
        session=session,
        setting_name=location.name if location else settings.CLINIC_NAME,
        setting_address=location.address if location else "",
        prescriber=", ".join(prescribers) or record.responsible_clinician.full_name,
        dose_mg=sum((a.dose_mg for a in administrations), Decimal(0)),
        devices=len(devices),
        lots=sorted({a.lot.lot_number for a in administrations}),
        first_device_at=first,
        monitoring_end_at=end,
        total_minutes=total,
        ready_minutes=d.rems_ready_minutes if d else None,
        vitals_ok_before=d.rems_vitals_ok_before if d else None,
        vitals_ok_at_end=d.rems_vitals_ok_at_end if d else None,
        bp=bp,
        concomitant=concomitant,
        events=events,
        serious_adverse_event=d.serious_adverse_event if d else None,
        signed_at=record.signed_at,
        signed_by=record.signed_by.full_name if record.signed_by_id else "",
        missing=missing,
    )
