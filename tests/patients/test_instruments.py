"""Every instrument against its rules: band edges, all-zero/all-maximum, flags, and every kind of bad answer."""

from __future__ import annotations

import pytest

from kap_clinic.common.errors import ValidationFailed
from patients import instruments
from patients.instruments import REGISTRY, get_instrument, score


def answers_with_total(count: int, total: int, maximum: int, *, last_zero: bool = False) -> list[int]:
    """Answers summing to ``total``, filled from the first item (the last one kept at 0 when asked)."""
    answers = [0] * count
    remaining = total
    slots = range(count - 1) if last_zero else range(count)
    for i in slots:
        answers[i] = min(maximum, remaining)
        remaining -= answers[i]
    assert remaining == 0
    return answers


# --- PHQ-9 ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("total", "severity"),
    [
        (0, "minimal"),
        (4, "minimal"),
        (5, "mild"),
        (9, "mild"),
        (10, "moderate"),
        (14, "moderate"),
        (15, "moderately_severe"),
        (19, "moderately_severe"),
        (20, "severe"),
        (24, "severe"),
    ],
)
def test_phq9_bands_at_every_edge(total: int, severity: str) -> None:
    result = score("phq9", answers_with_total(9, total, 3, last_zero=True))
    assert (result.total, result.severity, result.flags) == (total, severity, ())


def test_phq9_all_zero_is_minimal_without_flags() -> None:
    result = score("phq9", [0] * 9)
    assert (result.total, result.severity, result.flags) == (0, "minimal", ())


def test_phq9_all_maximum_is_severe_27_with_the_suicidal_ideation_flag() -> None:
    result = score("phq9", [3] * 9)
    assert (result.total, result.severity, result.flags) == (27, "severe", ("suicidal_ideation",))


@pytest.mark.parametrize("item9", [1, 2, 3])
def test_phq9_item_9_above_zero_flags_suicidal_ideation_whatever_the_total(item9: int) -> None:
    result = score("phq9", [0] * 8 + [item9])
    assert result.severity == "minimal"
    assert result.flags == ("suicidal_ideation",)


def test_phq9_carries_its_loinc_code_and_version() -> None:
    phq9 = get_instrument("phq9")
    assert phq9.loinc == "44249-1"
    assert phq9.version
    assert len(phq9.items) == 9


# --- GAD-7 ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("total", "severity"),
    [(0, "minimal"), (4, "minimal"), (5, "mild"), (9, "mild"), (10, "moderate"), (14, "moderate"), (15, "severe")],
)
def test_gad7_bands_at_every_edge(total: int, severity: str) -> None:
    result = score("gad7", answers_with_total(7, total, 3))
    assert (result.total, result.severity, result.flags) == (total, severity, ())


def test_gad7_all_zero_and_all_maximum() -> None:
    assert (score("gad7", [0] * 7).total, score("gad7", [0] * 7).severity) == (0, "minimal")
    assert (score("gad7", [3] * 7).total, score("gad7", [3] * 7).severity) == (21, "severe")


# --- PCL-5 ------------------------------------------------------------------------------------


def test_pcl5_all_zero_is_below_threshold_without_pattern() -> None:
    result = score("pcl5", [0] * 20)
    assert (result.total, result.severity, result.flags) == (0, "below_threshold", ())


def test_pcl5_all_maximum_is_probable_ptsd_80_with_the_dsm5_pattern() -> None:
    result = score("pcl5", [4] * 20)
    assert (result.total, result.severity, result.flags) == (80, "probable_ptsd", ("dsm5_pattern",))


@pytest.mark.parametrize(("total", "severity"), [(32, "below_threshold"), (33, "probable_ptsd")])
def test_pcl5_default_cut_point_is_33(total: int, severity: str) -> None:
    assert score("pcl5", answers_with_total(20, total, 4)).severity == severity


def test_pcl5_cut_point_is_configurable(settings) -> None:
    settings.PCL5_PROBABLE_PTSD_CUTPOINT = 31
    assert score("pcl5", answers_with_total(20, 31, 4)).severity == "probable_ptsd"
    assert score("pcl5", answers_with_total(20, 30, 4)).severity == "below_threshold"
    assert get_instrument("pcl5").bands[1].min_total == 31


# The smallest answer set meeting the DSM-5 pattern: one of items 1–5, one of 6–7, two of 8–14, two of 15–20.
MINIMAL_PATTERN = {1: 2, 6: 2, 8: 2, 9: 2, 15: 2, 16: 2}


def pcl5_answers(rated: dict[int, int]) -> list[int]:
    return [rated.get(n, 0) for n in range(1, 21)]


def test_pcl5_dsm5_pattern_with_the_fewest_qualifying_items() -> None:
    result = score("pcl5", pcl5_answers(MINIMAL_PATTERN))
    assert result.flags == ("dsm5_pattern",)
    assert result.total == 12
    assert result.severity == "below_threshold"  # the pattern and the cut-point are separate rules


@pytest.mark.parametrize("missing_item", sorted(MINIMAL_PATTERN))
def test_pcl5_pattern_fails_when_any_cluster_is_one_item_short(missing_item: int) -> None:
    rated = {n: v for n, v in MINIMAL_PATTERN.items() if n != missing_item}
    assert score("pcl5", pcl5_answers(rated)).flags == ()


def test_pcl5_items_rated_1_do_not_count_toward_the_pattern() -> None:
    rated = {**MINIMAL_PATTERN, 1: 1, 2: 1, 3: 1, 4: 1, 5: 1}
    assert score("pcl5", pcl5_answers(rated)).flags == ()


def test_pcl5_clusters_cover_items_in_dsm5_order() -> None:
    rated = {5: 2, 7: 3, 13: 2, 14: 4, 19: 2, 20: 2}
    assert score("pcl5", pcl5_answers(rated)).flags == ("dsm5_pattern",)


# --- C-SSRS screener -------------------------------------------------------------------------

NO = [False] * 7


def cssrs(*yes: int) -> list[bool]:
    """Answers with the given 0-based questions answered yes (5 = Q6, 6 = Q6b)."""
    return [i in yes for i in range(7)]


@pytest.mark.parametrize(
    ("answers", "severity", "total", "flags"),
    [
        (cssrs(), "none", 0, ()),
        (cssrs(0), "low", 1, ()),
        (cssrs(1), "low", 1, ()),
        (cssrs(0, 1), "low", 2, ()),
        (cssrs(1, 2), "moderate", 2, ("suicide_risk",)),
        (cssrs(5), "moderate", 1, ("suicide_risk",)),
        (cssrs(1, 3), "high", 2, ("suicide_risk",)),
        (cssrs(1, 4), "high", 2, ("suicide_risk",)),
        (cssrs(5, 6), "high", 2, ("suicide_risk",)),
        (cssrs(0, 1, 2, 3, 4, 5, 6), "high", 7, ("suicide_risk",)),
    ],
    ids=["none", "q1-low", "q2-low", "q1q2-low", "q3-moderate", "q6-moderate", "q4-high", "q5-high", "q6b-high", "all"],
)
def test_cssrs_screen_levels_totals_and_flags(answers, severity, total, flags) -> None:
    result = score("cssrs_screen", answers)
    assert (result.severity, result.total, result.flags) == (severity, total, flags)


@pytest.mark.parametrize(("index", "label"), [(2, "Q3"), (3, "Q4"), (4, "Q5")])
def test_cssrs_q3_to_q5_must_be_no_when_q2_is_no(index: int, label: str) -> None:
    with pytest.raises(ValidationFailed) as exc:
        score("cssrs_screen", cssrs(0, index))
    assert exc.value.field == f"answers[{index}]"
    assert label in exc.value.message and "Q2" in exc.value.message


def test_cssrs_q6b_must_be_no_when_q6_is_no() -> None:
    with pytest.raises(ValidationFailed) as exc:
        score("cssrs_screen", cssrs(6))
    assert exc.value.field == "answers[6]"
    assert "Q6b" in exc.value.message and "Q6 " in exc.value.message


@pytest.mark.parametrize("bad", [1, 0, "yes", None, "true"])
def test_cssrs_answers_must_be_booleans(bad) -> None:
    answers: list = list(NO)
    answers[3] = bad
    with pytest.raises(ValidationFailed) as exc:
        score("cssrs_screen", answers)
    assert exc.value.field == "answers[3]"
    assert "C-SSRS screen Q4" in exc.value.message


# --- MOAA/S -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "severity"),
    [
        (0, "no_response"),
        (1, "responds_to_pain"),
        (2, "responds_to_prodding"),
        (3, "responds_to_loud_voice"),
        (4, "lethargic"),
        (5, "alert"),
    ],
)
def test_moas_scores_each_level(value: int, severity: str) -> None:
    result = score("moas", [value])
    assert (result.total, result.severity, result.flags) == (value, severity, ())


@pytest.mark.parametrize("bad", [6, -1])
def test_moas_refuses_values_outside_0_to_5(bad: int) -> None:
    with pytest.raises(ValidationFailed) as exc:
        score("moas", [bad])
    assert exc.value.field == "answers[0]"
    assert "out of range 0–5" in exc.value.message


# --- every kind of bad answer, for every numeric instrument ------------------------------------

NUMERIC = ["phq9", "gad7", "pcl5", "moas"]


def valid(code: str) -> list:
    return [0] * len(REGISTRY[code].items)


@pytest.mark.parametrize("code", NUMERIC)
def test_a_missing_answer_is_refused_naming_the_item(code: str) -> None:
    instrument = REGISTRY[code]
    answers = valid(code)[:-1]
    with pytest.raises(ValidationFailed) as exc:
        score(code, answers)
    last = instrument.items[-1]
    assert exc.value.field == f"answers[{len(instrument.items) - 1}]"
    assert f"{instrument.short_name} {last.label}" in exc.value.message
    assert "missing" in exc.value.message


@pytest.mark.parametrize("code", NUMERIC)
def test_a_null_answer_is_refused_as_missing(code: str) -> None:
    answers: list = valid(code)
    answers[0] = None
    with pytest.raises(ValidationFailed) as exc:
        score(code, answers)
    assert exc.value.field == "answers[0]"
    assert "missing" in exc.value.message


@pytest.mark.parametrize("code", [*NUMERIC, "cssrs_screen"])
def test_an_extra_answer_is_refused_naming_its_position(code: str) -> None:
    count = len(REGISTRY[code].items)
    answers = [False] * (count + 1) if code == "cssrs_screen" else [0] * (count + 1)
    with pytest.raises(ValidationFailed) as exc:
        score(code, answers)
    assert exc.value.field == f"answers[{count}]"
    assert f"answer {count + 1} is extra" in exc.value.message


@pytest.mark.parametrize(("code", "bad"), [("phq9", 4), ("phq9", -1), ("gad7", 4), ("pcl5", 5), ("pcl5", -1)])
def test_an_out_of_range_answer_is_refused_naming_the_item(code: str, bad: int) -> None:
    answers = valid(code)
    answers[2] = bad
    with pytest.raises(ValidationFailed) as exc:
        score(code, answers)
    assert exc.value.field == "answers[2]"
    assert f"{REGISTRY[code].short_name} item 3" in exc.value.message
    assert "out of range" in exc.value.message


@pytest.mark.parametrize("bad", ["2", 2.0, 1.5, True, False, [1], {"v": 1}])
@pytest.mark.parametrize("code", NUMERIC)
def test_a_wrong_type_answer_is_refused_including_booleans(code: str, bad) -> None:
    answers: list = valid(code)
    answers[0] = bad
    with pytest.raises(ValidationFailed) as exc:
        score(code, answers)
    assert exc.value.field == "answers[0]"
    assert "expected a whole number" in exc.value.message
    assert REGISTRY[code].items[0].label in exc.value.message


@pytest.mark.parametrize("bad", [None, "0,0,0", {"phq9_1": 0}, 7])
def test_answers_that_are_not_a_list_are_refused(bad) -> None:
    with pytest.raises(ValidationFailed) as exc:
        score("phq9", bad)
    assert exc.value.field == "answers"
    assert "expected a list of 9 answers" in exc.value.message


def test_an_unknown_instrument_is_refused_listing_the_known_ones() -> None:
    with pytest.raises(ValidationFailed) as exc:
        score("madrs", [0] * 10)
    assert exc.value.field == "instrument"
    assert "phq9" in exc.value.message


def test_the_registry_holds_exactly_the_five_instruments_with_items_and_options() -> None:
    assert list(REGISTRY) == ["phq9", "gad7", "pcl5", "cssrs_screen", "moas"]
    counts = {code: len(i.items) for code, i in REGISTRY.items()}
    assert counts == {"phq9": 9, "gad7": 7, "pcl5": 20, "cssrs_screen": 7, "moas": 1}
    entry = instruments.PHQ9.as_dict()
    assert entry["items"][8]["options"][3] == {"value": 3, "label": "Nearly every day"}
    assert entry["flags"] == ["suicidal_ideation"]
    assert entry["bands"][0] == {"code": "minimal", "label": "Minimal", "min_total": 0, "max_total": 4}
