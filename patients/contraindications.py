"""The contraindication checklist used at intake. Defined once, here, and versioned.

An intake stores the checklist version it was answered against and a ``{code: present}`` map
with an explicit true/false for every item. A new version is a new ``Checklist`` entry in
``CHECKLISTS`` (old intakes keep being read with the version they were answered with).

Absolute contraindications block an "eligible" decision (``patients.services.eligibility_decide``);
relative ones are warnings the prescriber weighs and records in the rationale.
Sources: shared/reference/domain.md (b) items 11, 12 and 21.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from kap_clinic.common.errors import ValidationFailed

ABSOLUTE = "absolute"
RELATIVE = "relative"


@dataclass(frozen=True)
class Contraindication:
    code: str
    label: str
    kind: str  # ABSOLUTE or RELATIVE
    guidance: str = ""


@dataclass(frozen=True)
class Checklist:
    version: str
    items: tuple[Contraindication, ...]

    @property
    def absolute(self) -> tuple[Contraindication, ...]:
        return tuple(i for i in self.items if i.kind == ABSOLUTE)

    @property
    def relative(self) -> tuple[Contraindication, ...]:
        return tuple(i for i in self.items if i.kind == RELATIVE)

    def get(self, code: str) -> Contraindication | None:
        return next((i for i in self.items if i.code == code), None)

    def validate(self, answers: Any) -> dict[str, bool]:
        """Every item answered true/false, nothing unknown; raises ValidationFailed naming the item."""
        if not isinstance(answers, Mapping):
            raise ValidationFailed(
                "contraindications: expected an object with true/false for every checklist item.",
                field="contraindications",
            )
        for code in answers:
            if self.get(code) is None:
                raise ValidationFailed(
                    f"Unknown contraindication {code!r} for checklist version {self.version}.",
                    field=f"contraindications.{code}",
                )
        cleaned = {}
        for item in self.items:
            value = answers.get(item.code)
            if not isinstance(value, bool):
                problem = "is not answered" if value is None else f"must be true or false, got {value!r}"
                raise ValidationFailed(
                    f"Contraindication “{item.label}” {problem}.", field=f"contraindications.{item.code}"
                )
            cleaned[item.code] = value
        return cleaned

    def present(self, answers: Mapping[str, bool], kind: str | None = None) -> list[Contraindication]:
        return [i for i in self.items if answers.get(i.code) and (kind is None or i.kind == kind)]

    def as_dict(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "items": [{"code": i.code, "label": i.label, "kind": i.kind, "guidance": i.guidance} for i in self.items],
        }


CHECKLIST_2026_1 = Checklist(
    version="2026.1",
    items=(
        # Absolute: label contraindications for esketamine and the common off-label exclusions.
        Contraindication(
            "aneurysmal_vascular_disease",
            "Aneurysmal vascular disease (thoracic or abdominal aorta, intracranial, peripheral arterial)",
            ABSOLUTE,
        ),
        Contraindication("arteriovenous_malformation", "Arteriovenous malformation", ABSOLUTE),
        Contraindication("intracerebral_hemorrhage", "History of intracerebral hemorrhage", ABSOLUTE),
        Contraindication(
            "ketamine_hypersensitivity", "Hypersensitivity to ketamine, esketamine or an excipient", ABSOLUTE
        ),
        Contraindication("current_psychosis_or_mania", "Current psychosis or mania", ABSOLUTE),
        Contraindication("pregnancy", "Pregnancy", ABSOLUTE),
        Contraindication("uncontrolled_hypertension", "Uncontrolled hypertension", ABSOLUTE),
        # Relative: warnings that change monitoring or need a documented benefit/risk judgement.
        Contraindication(
            "psychosis_history", "History of psychosis", RELATIVE, "Weigh benefit against risk of worsening psychosis."
        ),
        Contraindication(
            "substance_use_history",
            "Substance use disorder history (including ketamine/PCP)",
            RELATIVE,
            "Monitor for misuse; ketamine is Schedule III.",
        ),
        Contraindication(
            "cns_depressants",
            "Taking CNS depressants (benzodiazepines, opioids, sedative-hypnotics)",
            RELATIVE,
            "Sedation may increase.",
        ),
        Contraindication(
            "stimulants_or_maois", "Taking psychostimulants or MAOIs", RELATIVE, "Monitor blood pressure closely."
        ),
        Contraindication(
            "hypertensive_encephalopathy_history",
            "History of hypertensive encephalopathy",
            RELATIVE,
            "Monitor blood pressure more often.",
        ),
        Contraindication(
            "hepatic_impairment",
            "Hepatic impairment (moderate; severe is not recommended)",
            RELATIVE,
            "Moderate impairment may need longer monitoring.",
        ),
        Contraindication(
            "cystitis", "Ulcerative or interstitial cystitis", RELATIVE, "Monitor urinary symptoms at follow-ups."
        ),
        Contraindication("breastfeeding", "Breastfeeding", RELATIVE, "Not recommended."),
        Contraindication(
            "cardiovascular_disease",
            "Significant arrhythmia, ischemic heart disease or unstable cerebrovascular disease",
            RELATIVE,
            "A rise in blood pressure may be hazardous.",
        ),
        Contraindication("raised_icp_iop", "Raised intracranial or intraocular pressure", RELATIVE),
        Contraindication(
            "age_24_or_under",
            "Aged 24 or under",
            RELATIVE,
            "Antidepressant boxed warning on suicidal thoughts and behaviours.",
        ),
    ),
)

CHECKLISTS: dict[str, Checklist] = {CHECKLIST_2026_1.version: CHECKLIST_2026_1}
CURRENT_VERSION = CHECKLIST_2026_1.version


def current_checklist() -> Checklist:
    return CHECKLISTS[CURRENT_VERSION]


def get_checklist(version: str) -> Checklist:
    try:
        return CHECKLISTS[version]
    except KeyError:
        raise ValidationFailed(
            f"Unknown contraindication checklist version {version!r}; current is {CURRENT_VERSION}.",
            field="checklist_version",
        ) from None
