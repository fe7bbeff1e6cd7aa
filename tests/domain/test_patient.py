from __future__ import annotations

from datetime import date

import pytest

from ward_app.domain.errors import InvalidInput
from ward_app.domain.patient import (
    Flag,
    Patient,
    check_bed,
    check_dob,
    check_mrn,
    check_name,
    check_sci_level,
    check_weight,
    parse_flag,
    sci_at_or_above,
)


def test_names_keep_every_letter_and_fold_spaces():
    assert check_name("  Łukasz   Żółć ") == "Łukasz Żółć"
    assert check_name("Zoë Ní Bhriain") == "Zoë Ní Bhriain"
    # Decomposed input (e + combining diaeresis) is stored composed, so searches match.
    assert check_name("Zoe\u0308") == "Zoë"


@pytest.mark.parametrize("bad", ["", "   ", "12345", "a\x00b", "x" * 101])
def test_bad_names(bad):
    with pytest.raises(InvalidInput) as info:
        check_name(bad)
    assert info.value.field == "name"


def test_mrn_bed_weight():
    assert check_mrn(" rx123456 ") == "RX123456"
    for bad in ["x", "RX 123", "-RX1", "R" * 21]:
        with pytest.raises(InvalidInput, match="MRN"):
            check_mrn(bad)
    assert check_bed("SR  2") == "SR 2"
    with pytest.raises(InvalidInput, match="Bed"):
        check_bed("bed;drop")
    assert check_weight(70.04) == 70.0
    with pytest.raises(InvalidInput, match="0.5 to 400 kg"):
        check_weight(0)


def test_dob_must_be_past_and_plausible():
    today = date(2026, 11, 25)
    assert check_dob(date(1950, 1, 1), today) == date(1950, 1, 1)
    with pytest.raises(InvalidInput, match="future"):
        check_dob(date(2026, 11, 26), today)
    with pytest.raises(InvalidInput, match="120 years"):
        check_dob(date(1900, 1, 1), today)


def test_flags_parse_case_insensitively_and_list_what_is_allowed():
    assert parse_flag("Dementia") is Flag.DEMENTIA
    with pytest.raises(InvalidInput, match="use one of dementia, pregnancy"):
        parse_flag("diabetes")


def test_sci_levels_and_the_t6_high_risk_line():
    assert check_sci_level("t4") == "T4"
    for bad in ["T13", "C0", "X1", "T", "L6"]:
        with pytest.raises(InvalidInput, match="C1-C8, T1-T12"):
            check_sci_level(bad)
    assert sci_at_or_above("C5") and sci_at_or_above("T6") and sci_at_or_above("T1")
    assert not sci_at_or_above("T7") and not sci_at_or_above("L1")


def test_itb_high_risk_groups():
    base = dict(id=1, mrn="RX1", name="A", dob=date(1990, 1, 1), bed="1", ward="W")
    assert Patient(**base, sci_level="T4").itb_high_risk
    assert not Patient(**base, sci_level="T10").itb_high_risk
    assert Patient(**base, flags=frozenset({Flag.PREVIOUS_WITHDRAWAL})).itb_high_risk
    assert Patient(**base, flags=frozenset({Flag.COMMUNICATION_DIFFICULTY})).itb_high_risk
    assert not Patient(**base).itb_high_risk
