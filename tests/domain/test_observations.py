"""Validation of what a nurse types for an observation: ranges, whole numbers, scales, signs."""

from __future__ import annotations

import math
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ward_app.domain.errors import InvalidInput
from ward_app.domain.observations import (
    EARLY_SIGNS,
    FIELD_NAMES,
    LATE_SIGNS,
    MAS_STEPS,
    RANGES,
    SIGN_LABELS,
    Acvpu,
    Observation,
    Poss,
    Sign,
    check_mas,
    check_range,
    parse_enum,
)

VITALS = [("rr", 0, 80, "breaths/min"), ("spo2", 50, 100, "%"), ("sbp", 40, 300, "mmHg"),
          ("hr", 20, 250, "beats/min")]


def refused(name: str, value: float, **kw) -> str:
    with pytest.raises(InvalidInput) as info:
        check_range(name, value, **kw)
    assert info.value.field == name and info.value.exit_code == 2
    return str(info.value)


def test_ranges_are_the_documented_ones():
    assert {k: v[:2] for k, v in RANGES.items()} == {
        "rr": (0, 80), "spo2": (50, 100), "sbp": (40, 300), "hr": (20, 250), "temp": (30, 44),
        "rass": (-5, 4), "penn": (0, 4)}


@pytest.mark.parametrize("name, low, high, unit", VITALS)
def test_whole_number_vitals_accept_their_edges(name, low, high, unit):
    assert check_range(name, low) == low and check_range(name, high) == high
    value = check_range(name, float(low + 1))
    assert value == low + 1 and type(value) is int


@pytest.mark.parametrize("name, low, high, unit", VITALS)
def test_out_of_range_names_the_field_and_the_allowed_range(name, low, high, unit):
    for bad in (low - 1, high + 1):
        message = refused(name, bad)
        assert f"{FIELD_NAMES[name]} {bad} is out of range" in message and "--" not in message
        assert f"allowed {low} to {high} {unit}" in message and "Check the reading" in message


@pytest.mark.parametrize("name, low, high, unit", VITALS)
def test_non_integers_are_refused(name, low, high, unit):
    middle = (low + high) // 2 + 0.5
    message = refused(name, middle)
    assert f"{FIELD_NAMES[name]} {middle:g} must be a whole number" in message


@pytest.mark.parametrize("name", ["rr", "spo2", "sbp", "hr", "temp", "rass", "penn"])
@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_nan_and_infinity_are_refused(name, bad):
    message = refused(name, bad, integer=name != "temp")
    assert "is not a number" in message and "allowed" in message


def test_temperature_keeps_one_decimal():
    assert check_range("temp", 37.04, integer=False) == 37.0
    assert check_range("temp", 38.25, integer=False) in (38.2, 38.3)
    assert check_range("temp", 30, integer=False) == 30.0
    assert check_range("temp", 44, integer=False) == 44.0
    for bad in (29.9, 44.1, 3.7, 370):
        message = refused("temp", bad, integer=False)
        assert f"Temperature {bad:g} is out of range: allowed 30 to 44 °C" in message


def test_a_whole_number_check_on_temperature_would_refuse_decimals():
    assert "whole number" in refused("temp", 37.5)


def test_sedation_and_spasm_scales():
    assert check_range("rass", -5) == -5 and check_range("rass", 4) == 4
    assert "allowed -5 to 4." in refused("rass", -6)
    assert check_range("penn", 0) == 0 and check_range("penn", 4) == 4
    assert "allowed 0 to 4." in refused("penn", 5)


def test_missing_values_pass_through():
    for name in RANGES:
        assert check_range(name, None) is None


@given(st.floats(allow_nan=True, allow_infinity=True))
def test_check_range_returns_a_value_in_range_or_refuses(value):
    try:
        out = check_range("hr", value)
    except InvalidInput as e:
        assert e.field == "hr"
    else:
        assert out is not None and 20 <= out <= 250 and out == value


@pytest.mark.parametrize("text, step", [("0", "0"), ("1", "1"), ("1+", "1+"), (" 2 ", "2"),
                                        ("3", "3"), ("4\n", "4")])
def test_modified_ashworth_steps(text, step):
    assert check_mas(text) == step


@pytest.mark.parametrize("bad", ["5", "-1", "1-", "2+", "1 +", "+1", "", "one", "1.5"])
def test_modified_ashworth_refuses_other_values(bad):
    with pytest.raises(InvalidInput) as info:
        check_mas(bad)
    assert info.value.field == "mas"
    assert "not a Modified Ashworth score: use one of 0, 1, 1+, 2, 3, 4." in str(info.value)


def test_modified_ashworth_order_puts_1_plus_between_1_and_2():
    assert MAS_STEPS == ("0", "1", "1+", "2", "3", "4")
    assert check_mas(None) is None


@pytest.mark.parametrize("enum, text, value", [
    (Acvpu, "a", Acvpu.ALERT), (Acvpu, " C ", Acvpu.CONFUSION), (Acvpu, "u", Acvpu.UNRESPONSIVE),
    (Poss, "s", Poss.ASLEEP), (Poss, "3", Poss.FREQUENTLY_DROWSY), (Poss, "4 ", Poss.SOMNOLENT),
    (Sign, "Pruritus", Sign.PRURITUS), (Sign, " SEIZURE ", Sign.SEIZURE),
    (Sign, "altered_mental_state", Sign.ALTERED_MENTAL_STATE),
])
def test_parse_enum_ignores_case_and_spaces(enum, text, value):
    assert parse_enum(enum, text, "x") is value


@pytest.mark.parametrize("enum, name, text, allowed", [
    (Acvpu, "acvpu", "X", "A, C, V, P, U"),
    (Poss, "poss", "5", "S, 1, 2, 3, 4"),
    (Sign, "sign", "itching", "pruritus, baseline_spasticity"),
])
def test_parse_enum_refusal_lists_what_is_allowed(enum, name, text, allowed):
    with pytest.raises(InvalidInput) as info:
        parse_enum(enum, text, name)
    assert info.value.field == name
    assert f"'{text}' is not allowed: use one of {allowed}" in str(info.value)
    assert "--" not in str(info.value)


def test_parse_enum_passes_none_through():
    assert parse_enum(Acvpu, None, "acvpu") is None


def test_signs_are_either_early_or_late_and_all_have_labels():
    assert EARLY_SIGNS | LATE_SIGNS == set(Sign) and not EARLY_SIGNS & LATE_SIGNS
    assert {Sign.PRURITUS, Sign.HYPOTENSION} <= EARLY_SIGNS
    assert {Sign.FEVER, Sign.ALTERED_MENTAL_STATE, Sign.RIGIDITY, Sign.SEIZURE} <= LATE_SIGNS
    assert set(SIGN_LABELS) == set(Sign)


def test_has_vitals_and_mas_step():
    at = datetime(2026, 11, 25, 10, tzinfo=UTC)
    assert not Observation(1, 1, at, poss=Poss.AWAKE, mas="2", signs_checked=True).has_vitals
    assert not Observation(1, 1, at, on_oxygen=True).has_vitals  # oxygen alone is not a set
    for kw in (dict(rr=16), dict(spo2=97), dict(sbp=120), dict(hr=70), dict(acvpu=Acvpu.ALERT),
               dict(temp=37.0)):
        assert Observation(1, 1, at, **kw).has_vitals
    assert Observation(1, 1, at, mas="1+").mas_step() == 2
    assert Observation(1, 1, at).mas_step() is None
