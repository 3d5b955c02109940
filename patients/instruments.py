"""The rating-instrument registry: items, answer options, scoring, bands, flags. Defined once, here.

Every result is scored on the server by ``score(code, answers)``; pages, the API and the portal
only collect answers. A stored ``Assessment`` keeps the instrument code and version next to the
item answers, so a change here (a new version) never rewrites history.

Answers are a list in item order: integers for the numeric scales, booleans for the C-SSRS
screener. Anything else is refused with a ``ValidationFailed`` whose message names the item and
whose ``field`` is ``answers[i]`` (0-based index into the list).

Scoring rules and sources: shared/reference/domain.md section (c). Item wording follows the
published instruments (PHQ-9/GAD-7: free of copyright restriction; PCL-5: public domain;
C-SSRS screener: free for clinical use; MOAA/S: published scale).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings

from kap_clinic.common.errors import ValidationFailed

# Flags that raise a clinician alert (patients.models.SafetyFlag) rather than just a chart mark.
SAFETY_FLAGS = ("suicidal_ideation", "suicide_risk")

PCL5_DEFAULT_CUTPOINT = 33

FLAG_LABELS = {
    "suicidal_ideation": "Suicidal ideation",
    "suicide_risk": "Suicide risk",
    "dsm5_pattern": "DSM-5 PTSD pattern",
}


@dataclass(frozen=True)
class Option:
    value: int | bool
    label: str


@dataclass(frozen=True)
class Item:
    code: str
    label: str  # how messages and forms name the item: "item 9", "Q6b"
    text: str
    options: tuple[Option, ...]


@dataclass(frozen=True)
class Band:
    code: str
    label: str
    min_total: int | None = None
    max_total: int | None = None


@dataclass(frozen=True)
class Score:
    total: int
    severity: str
    flags: tuple[str, ...]
    answers: list[Any]


@dataclass(frozen=True)
class Instrument:
    code: str
    name: str
    short_name: str
    version: str
    loinc: str | None
    answer_type: str  # "integer" or "boolean"
    instructions: str
    items: tuple[Item, ...]
    # Severity from (answers, total); bands are for display and the API.
    severity_fn: Callable[[list[Any], int], str]
    bands_fn: Callable[[], tuple[Band, ...]]
    flags_fn: Callable[[list[Any], str], tuple[str, ...]] = lambda answers, severity: ()
    consistency_fn: Callable[[Instrument, list[Any]], None] = lambda instrument, answers: None
    possible_flags: tuple[str, ...] = ()
    # Outcome charts (patients.outcomes): charted scales fall as patients improve.
    charted: bool = False
    remission_below: int | None = None
    use: str = "rating scale"
    max_total: int = field(default=0)

    @property
    def bands(self) -> tuple[Band, ...]:
        return self.bands_fn()

    def band_label(self, code: str) -> str:
        return next((b.label for b in self.bands if b.code == code), code.replace("_", " "))

    @property
    def value_range(self) -> tuple[int, int] | None:
        if self.answer_type != "integer":
            return None
        values = [int(o.value) for o in self.items[0].options]
        return min(values), max(values)

    # --- validation and scoring ------------------------------------------------------------
    def _item_name(self, index: int) -> str:
        item = self.items[index]
        text = item.text if len(item.text) <= 60 else item.text[:57].rstrip() + "…"
        return f"{self.short_name} {item.label} ({text})"

    def validate(self, answers: Any) -> list[Any]:
        """The answers, checked item by item; raises ValidationFailed naming the first bad item."""
        count = len(self.items)
        if not isinstance(answers, list | tuple):
            raise ValidationFailed(
                f"answers: expected a list of {count} answers for {self.short_name}, one per item in order.",
                field="answers",
            )
        for index in range(max(count, len(answers))):
            field_name = f"answers[{index}]"
            if index >= count:
                raise ValidationFailed(
                    f"{self.short_name} has {count} items; answer {index + 1} is extra.", field=field_name
                )
            if index >= len(answers):
                raise ValidationFailed(
                    f"{self._item_name(index)} is missing: expected {count} answers, got {len(answers)}.",
                    field=field_name,
                )
            value = answers[index]
            if value is None:
                raise ValidationFailed(f"{self._item_name(index)} is missing (null).", field=field_name)
            self._check_value(index, value)
        cleaned = list(answers)
        self.consistency_fn(self, cleaned)
        return cleaned

    def _check_value(self, index: int, value: Any) -> None:
        field_name = f"answers[{index}]"
        allowed = [o.value for o in self.items[index].options]
        if self.answer_type == "boolean":
            if not isinstance(value, bool):
                raise ValidationFailed(
                    f"{self._item_name(index)}: expected true or false, got {value!r}.", field=field_name
                )
            return
        low, high = min(allowed), max(allowed)
        # bool is a subclass of int in Python; a checkbox value must not pass as a score of 1.
        if isinstance(value, bool) or not isinstance(value, int):
            shown = "a boolean" if isinstance(value, bool) else type(value).__name__
            raise ValidationFailed(
                f"{self._item_name(index)}: expected a whole number {low}–{high}, got {value!r} ({shown}).",
                field=field_name,
            )
        if value not in allowed:
            raise ValidationFailed(f"{self._item_name(index)}: {value} is out of range {low}–{high}.", field=field_name)

    def score(self, answers: Any) -> Score:
        cleaned = self.validate(answers)
        total = sum(int(v) for v in cleaned)
        severity = self.severity_fn(cleaned, total)
        return Score(total=total, severity=severity, flags=tuple(self.flags_fn(cleaned, severity)), answers=cleaned)

    def as_dict(self) -> dict[str, Any]:
        """The registry entry as served by /api/v1/instruments/."""
        return {
            "code": self.code,
            "name": self.name,
            "short_name": self.short_name,
            "version": self.version,
            "loinc": self.loinc,
            "use": self.use,
            "answer_type": self.answer_type,
            "instructions": self.instructions,
            "max_total": self.max_total,
            "items": [
                {
                    "index": i,
                    "code": item.code,
                    "label": item.label,
                    "text": item.text,
                    "options": [{"value": o.value, "label": o.label} for o in item.options],
                }
                for i, item in enumerate(self.items)
            ],
            "bands": [
                {"code": b.code, "label": b.label, "min_total": b.min_total, "max_total": b.max_total}
                for b in self.bands
            ],
            "flags": list(self.possible_flags),
            "remission_below": self.remission_below,
        }


def _band_from_total(bands: Sequence[Band]) -> Callable[[list[Any], int], str]:
    def severity(answers: list[Any], total: int) -> str:
        for band in bands:
            if band.min_total is not None and band.max_total is not None and band.min_total <= total <= band.max_total:
                return band.code
        raise AssertionError(f"total {total} outside every band")  # unreachable after validation

    return severity


def _numeric_items(prefix: str, texts: Sequence[str], options: tuple[Option, ...]) -> tuple[Item, ...]:
    return tuple(
        Item(code=f"{prefix}_{n}", label=f"item {n}", text=text, options=options) for n, text in enumerate(texts, 1)
    )


# --- PHQ-9 --------------------------------------------------------------------------------------
FREQUENCY_OPTIONS = (
    Option(0, "Not at all"),
    Option(1, "Several days"),
    Option(2, "More than half the days"),
    Option(3, "Nearly every day"),
)
PHQ9_BANDS = (
    Band("minimal", "Minimal", 0, 4),
    Band("mild", "Mild", 5, 9),
    Band("moderate", "Moderate", 10, 14),
    Band("moderately_severe", "Moderately severe", 15, 19),
    Band("severe", "Severe", 20, 27),
)
PHQ9 = Instrument(
    code="phq9",
    name="Patient Health Questionnaire-9",
    short_name="PHQ-9",
    version="1.0",
    loinc="44249-1",
    answer_type="integer",
    instructions="Over the last 2 weeks, how often have you been bothered by any of the following problems?",
    items=_numeric_items(
        "phq9",
        [
            "Little interest or pleasure in doing things",
            "Feeling down, depressed, or hopeless",
            "Trouble falling or staying asleep, or sleeping too much",
            "Feeling tired or having little energy",
            "Poor appetite or overeating",
            "Feeling bad about yourself, or that you are a failure or have let yourself or your family down",
            "Trouble concentrating on things, such as reading the newspaper or watching television",
            "Moving or speaking so slowly that other people could have noticed, or the opposite: being so "
            "fidgety or restless that you have been moving around a lot more than usual",
            "Thoughts that you would be better off dead, or of hurting yourself in some way",
        ],
        FREQUENCY_OPTIONS,
    ),
    severity_fn=_band_from_total(PHQ9_BANDS),
    bands_fn=lambda: PHQ9_BANDS,
    # Item 9 above zero is a suicide-risk signal whatever the total (domain.md c).
    flags_fn=lambda answers, severity: ("suicidal_ideation",) if answers[8] > 0 else (),
    possible_flags=("suicidal_ideation",),
    charted=True,
    remission_below=5,
    max_total=27,
)

# --- GAD-7 --------------------------------------------------------------------------------------
GAD7_BANDS = (
    Band("minimal", "Minimal", 0, 4),
    Band("mild", "Mild", 5, 9),
    Band("moderate", "Moderate", 10, 14),
    Band("severe", "Severe", 15, 21),
)
GAD7 = Instrument(
    code="gad7",
    name="Generalized Anxiety Disorder-7",
    short_name="GAD-7",
    version="1.0",
    loinc="70274-6",
    answer_type="integer",
    instructions="Over the last 2 weeks, how often have you been bothered by the following problems?",
    items=_numeric_items(
        "gad7",
        [
            "Feeling nervous, anxious, or on edge",
            "Not being able to stop or control worrying",
            "Worrying too much about different things",
            "Trouble relaxing",
            "Being so restless that it is hard to sit still",
            "Becoming easily annoyed or irritable",
            "Feeling afraid, as if something awful might happen",
        ],
        FREQUENCY_OPTIONS,
    ),
    severity_fn=_band_from_total(GAD7_BANDS),
    bands_fn=lambda: GAD7_BANDS,
    charted=True,
    remission_below=5,
    max_total=21,
)


# --- PCL-5 --------------------------------------------------------------------------------------
def pcl5_cutpoint() -> int:
    """Provisional-PTSD cut-point; 31–33 are published, 33 is the default (settings.PCL5_PROBABLE_PTSD_CUTPOINT)."""
    return int(getattr(settings, "PCL5_PROBABLE_PTSD_CUTPOINT", PCL5_DEFAULT_CUTPOINT))


def _pcl5_bands() -> tuple[Band, ...]:
    cut = pcl5_cutpoint()
    return (Band("below_threshold", "Below threshold", 0, cut - 1), Band("probable_ptsd", "Probable PTSD", cut, 80))


def _pcl5_severity(answers: list[Any], total: int) -> str:
    return "probable_ptsd" if total >= pcl5_cutpoint() else "below_threshold"


# DSM-5 clusters by item number: B intrusions 1–5, C avoidance 6–7, D cognition/mood 8–14,
# E arousal/reactivity 15–20; the pattern needs this many items rated 2 ("moderately") or more.
PCL5_CLUSTERS = ((range(1, 6), 1), (range(6, 8), 1), (range(8, 15), 2), (range(15, 21), 2))


def pcl5_dsm5_pattern(answers: Sequence[int]) -> bool:
    return all(sum(1 for n in items if answers[n - 1] >= 2) >= needed for items, needed in PCL5_CLUSTERS)


PCL5 = Instrument(
    code="pcl5",
    name="PTSD Checklist for DSM-5",
    short_name="PCL-5",
    version="1.0",
    loinc=None,
    answer_type="integer",
    instructions="In the past month, how much were you bothered by:",
    items=_numeric_items(
        "pcl5",
        [
            "Repeated, disturbing, and unwanted memories of the stressful experience",
            "Repeated, disturbing dreams of the stressful experience",
            "Suddenly feeling or acting as if the stressful experience were actually happening again",
            "Feeling very upset when something reminded you of the stressful experience",
            "Having strong physical reactions when something reminded you of the stressful experience",
            "Avoiding memories, thoughts, or feelings related to the stressful experience",
            "Avoiding external reminders of the stressful experience",
            "Trouble remembering important parts of the stressful experience",
            "Having strong negative beliefs about yourself, other people, or the world",
            "Blaming yourself or someone else for the stressful experience or what happened after it",
            "Having strong negative feelings such as fear, horror, anger, guilt, or shame",
            "Loss of interest in activities that you used to enjoy",
            "Feeling distant or cut off from other people",
            "Trouble experiencing positive feelings",
            "Irritable behavior, angry outbursts, or acting aggressively",
            "Taking too many risks or doing things that could cause you harm",
            "Being “superalert” or watchful or on guard",
            "Feeling jumpy or easily startled",
            "Having difficulty concentrating",
            "Trouble falling or staying asleep",
        ],
        (
            Option(0, "Not at all"),
            Option(1, "A little bit"),
            Option(2, "Moderately"),
            Option(3, "Quite a bit"),
            Option(4, "Extremely"),
        ),
    ),
    severity_fn=_pcl5_severity,
    bands_fn=_pcl5_bands,
    flags_fn=lambda answers, severity: ("dsm5_pattern",) if pcl5_dsm5_pattern(answers) else (),
    possible_flags=("dsm5_pattern",),
    charted=True,
    max_total=80,
)

# --- C-SSRS screener ------------------------------------------------------------------------------
YES_NO = (Option(True, "Yes"), Option(False, "No"))
CSSRS_BANDS = (
    Band("none", "No risk identified"),
    Band("low", "Low risk"),
    Band("moderate", "Moderate risk"),
    Band("high", "High risk"),
)


def _cssrs_severity(a: list[bool], total: int) -> str:
    q1, q2, q3, q4, q5, q6, q6b = a
    if q4 or q5 or q6b:
        return "high"
    if q3 or q6:
        return "moderate"
    if q1 or q2:
        return "low"
    return "none"


def _cssrs_consistency(instrument: Instrument, a: list[bool]) -> None:
    # The screener skips Q3–Q5 when Q2 is "no" and Q6b when Q6 is "no"; a "yes" there is a data error.
    if not a[1]:
        for index in (2, 3, 4):
            if a[index]:
                raise ValidationFailed(
                    f"{instrument._item_name(index)} must be 'no' when Q2 (suicidal thoughts) is 'no'.",
                    field=f"answers[{index}]",
                )
    if not a[5] and a[6]:
        raise ValidationFailed(
            f"{instrument._item_name(6)} must be 'no' when Q6 (suicidal behaviour ever) is 'no'.",
            field="answers[6]",
        )


CSSRS_SCREEN = Instrument(
    code="cssrs_screen",
    name="Columbia Suicide Severity Rating Scale, screener",
    short_name="C-SSRS screen",
    version="1.0",
    loinc=None,
    answer_type="boolean",
    instructions="In the past month (Q1–Q5) and ever (Q6):",
    items=(
        Item(
            "cssrs_q1", "Q1", "Have you wished you were dead or wished you could go to sleep and not wake up?", YES_NO
        ),
        Item("cssrs_q2", "Q2", "Have you actually had any thoughts of killing yourself?", YES_NO),
        Item("cssrs_q3", "Q3", "Have you been thinking about how you might do this?", YES_NO),
        Item("cssrs_q4", "Q4", "Have you had these thoughts and had some intention of acting on them?", YES_NO),
        Item(
            "cssrs_q5",
            "Q5",
            "Have you started to work out or worked out the details of how to kill yourself, "
            "and do you intend to carry out this plan?",
            YES_NO,
        ),
        Item(
            "cssrs_q6",
            "Q6",
            "Have you ever done anything, started to do anything, or prepared to do anything to end your life?",
            YES_NO,
        ),
        Item("cssrs_q6b", "Q6b", "Was this within the past 3 months?", YES_NO),
    ),
    severity_fn=_cssrs_severity,
    bands_fn=lambda: CSSRS_BANDS,
    flags_fn=lambda answers, severity: ("suicide_risk",) if severity in ("moderate", "high") else (),
    consistency_fn=_cssrs_consistency,
    possible_flags=("suicide_risk",),
    use="suicide-risk screen",
    max_total=7,
)

# --- MOAA/S -------------------------------------------------------------------------------------
MOAS_OPTIONS = (
    Option(5, "Responds readily to name spoken in normal tone"),
    Option(4, "Lethargic response to name spoken in normal tone"),
    Option(3, "Responds only after name is called loudly and/or repeatedly"),
    Option(2, "Responds only after mild prodding or shaking"),
    Option(1, "Responds only after painful trapezius squeeze"),
    Option(0, "No response after painful trapezius squeeze"),
)
MOAS_BANDS = (
    Band("no_response", "0: no response", 0, 0),
    Band("responds_to_pain", "1: responds to pain only", 1, 1),
    Band("responds_to_prodding", "2: responds to prodding", 2, 2),
    Band("responds_to_loud_voice", "3: responds to loud voice", 3, 3),
    Band("lethargic", "4: lethargic", 4, 4),
    Band("alert", "5: alert", 5, 5),
)
MOAS = Instrument(
    code="moas",
    name="Modified Observer's Assessment of Alertness/Sedation",
    short_name="MOAA/S",
    version="1.0",
    loinc=None,
    answer_type="integer",
    instructions="Observer-rated sedation on dosing days.",
    items=(Item("moas_1", "score", "Responsiveness", MOAS_OPTIONS),),
    severity_fn=_band_from_total(MOAS_BANDS),
    bands_fn=lambda: MOAS_BANDS,
    use="sedation (dosing days)",
    max_total=5,
)

REGISTRY: dict[str, Instrument] = {i.code: i for i in (PHQ9, GAD7, PCL5, CSSRS_SCREEN, MOAS)}


def get_instrument(code: str) -> Instrument:
    try:
        return REGISTRY[code]
    except (KeyError, TypeError):
        known = ", ".join(REGISTRY)
        message = f"Unknown instrument {code!r}; known instruments: {known}."
        raise ValidationFailed(message, field="instrument") from None


def score(code: str, answers: Any) -> Score:
    """Validate and score ``answers`` for instrument ``code`` (see the module docstring)."""
    return get_instrument(code).score(answers)


def instrument_choices() -> list[tuple[str, str]]:
    return [(i.code, i.short_name) for i in REGISTRY.values()]
