"""The number parsers every dosing, vitals and inventory input goes through: hostile spellings are a
ValidationFailed naming the field, never an exception that would end the request in a 500."""

from __future__ import annotations

from decimal import Decimal

import pytest

from kap_clinic.common.errors import ValidationFailed
from sessions_app.common.inputs import decimal_number, whole_number


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("1e308", "too large"),
        (1e308, "too large"),
        ("-1e308", "too large"),
        ("1234567890", "too large"),
        ("NaN", "must be a number"),
        ("sNaN", "must be a number"),
        ("inf", "must be a number"),
        ("-Infinity", "must be a number"),
        ("1e-400", "at most 2 decimal places"),
        ("five", "must be a number"),
        ("", "is required"),
    ],
)
def test_a_hostile_decimal_is_refused_naming_the_field(value, message) -> None:
    with pytest.raises(ValidationFailed) as refused:
        decimal_number(value, field="dose_mg", label="Dose")
    assert refused.value.field == "dose_mg" and message in str(refused.value)


@pytest.mark.parametrize(("value", "expected"), [("5", "5.00"), ("1E2", "100.00"), ("123456789.5", "123456789.50")])
def test_ordinary_decimals_still_parse(value, expected) -> None:
    assert decimal_number(value, field="dose_mg", label="Dose") == Decimal(expected)


@pytest.mark.parametrize("value", ["1e308", "3000000000", "-3000000000"])
def test_a_whole_number_wider_than_the_database_column_is_refused(value) -> None:
    with pytest.raises(ValidationFailed) as refused:
        whole_number(value, field="heart_rate", label="Heart rate")
    assert refused.value.field == "heart_rate" and "too large" in str(refused.value)
