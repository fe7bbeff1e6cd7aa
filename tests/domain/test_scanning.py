"""What a scanned code is (domain/scanning.py, GS1 parsed by biip) and the pack checks."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ward_app.domain.dose_checks import Stop
from ward_app.domain.errors import InvalidInput
from ward_app.domain.orders import Route
from ward_app.domain.scanning import (
    GS,
    Form,
    Pack,
    Product,
    Unknown,
    Wristband,
    check_pack,
    clean_substitute,
    how_much,
    read_code,
)

TABLETS = Product("02000000000114", "Baclofen 10 mg tablets", "baclofen", Form.TABLET, 10)
AMPOULE = Product("02000000000442", "Baclofen intrathecal 500 mcg/mL", "baclofen",
                  Form.INTRATHECAL, 500)
TIZANIDINE = Product("02000000000770", "Tizanidine 4 mg tablets", "tizanidine", Form.TABLET, 4)
TODAY = date(2026, 11, 25)


def test_a_wristband_is_an_mrn() -> None:
    assert read_code("rx240891") == Wristband("RX240891")
    assert read_code("]C0RX240891") == Wristband("RX240891")  # a Code 128 symbology prefix


@pytest.mark.parametrize("separator, substitute", [(GS, ""), ("|", "|"), (GS, "|")])
def test_a_pack_with_every_field_whatever_the_separator(separator: str, substitute: str) -> None:
    text = f"0102000000000114172811301012A45{separator}21SN0001"
    assert read_code(text, gs_substitute=substitute) == Pack(
        gtin="02000000000114", expiry=date(2028, 11, 30), batch="12A45", serial="SN0001")


def test_a_symbology_identifier_and_a_leading_separator_are_taken_off() -> None:
    pack = read_code(f"]d2{GS}010200000000011417281130")
    assert isinstance(pack, Pack) and pack.gtin == "02000000000114"


def test_expiry_day_00_is_the_last_day_of_the_month() -> None:
    for yymm, last in [("2802", date(2028, 2, 29)), ("2702", date(2027, 2, 28)),
                       ("2704", date(2027, 4, 30)), ("2712", date(2027, 12, 31))]:
        pack = read_code(f"0102000000000114 17{yymm}00".replace(" ", ""))
        assert isinstance(pack, Pack) and pack.expiry == last, yymm


def test_an_ai_we_do_not_use_is_kept_aside_not_refused() -> None:
    pack = read_code(f"010200000000011417281130{GS}7003261125143010B7")
    assert isinstance(pack, Pack) and pack.batch == "B7"
    assert dict(pack.other) == {"7003": "2611251430"}


@pytest.mark.parametrize("text, words", [
    ("0102000000000113", "not valid"),  # a wrong check digit: a misread, never a guess
    ("01020000000001141728130010B1", "could not be read"),  # month 13
    ("", "Nothing was scanned"),
    ("hello world", "neither a wristband"),
])
def test_codes_that_cannot_be_used_say_why(text: str, words: str) -> None:
    found = read_code(text)
    assert isinstance(found, Unknown) and words in found.why


@given(st.text(max_size=60))
def test_any_text_is_read_without_raising(text: str) -> None:
    assert isinstance(read_code(text, gs_substitute="|"), Wristband | Pack | Unknown)


def test_the_substitute_is_one_printable_non_alphanumeric_character() -> None:
    assert clean_substitute(" | ") == "|" and clean_substitute("") == ""
    for bad in ("A", "1", "||", "\x07"):
        with pytest.raises(InvalidInput):
            clean_substitute(bad)


def _pack(expiry: date | None = date(2027, 1, 31)) -> Pack:
    return Pack(gtin="02000000000114", expiry=expiry, batch="B1")


def test_a_pack_that_matches_the_order_has_no_finding() -> None:
    assert check_pack(_pack(), TABLETS, today=TODAY, route=Route.ORAL, dose_mg=20) == []
    assert how_much(TABLETS, 20) == "2 tablets" and how_much(TABLETS, 10) == "1 tablet"


def test_expired_is_a_hard_stop_from_the_day_after_expiry() -> None:
    assert check_pack(_pack(TODAY), TABLETS, today=TODAY, route=Route.ORAL, dose_mg=10) == []
    found = check_pack(_pack(date(2026, 11, 24)), TABLETS, today=TODAY, route=Route.ORAL,
                       dose_mg=10)
    assert [(f.rule, f.stop) for f in found] == [("pack.expired", Stop.HARD)]


def test_an_unknown_gtin_is_a_soft_stop_and_expired_still_hard_first() -> None:
    found = check_pack(_pack(date(2026, 1, 31)), None, today=TODAY, route=Route.ORAL,
                       dose_mg=10)
    assert [(f.rule, f.stop, f.flag) for f in found] == [
        ("pack.expired", Stop.HARD, None), ("pack.unknown", Stop.SOFT, "pack_unknown")]


def test_a_pack_taken_out_of_use_is_treated_as_unknown() -> None:
    gone = Product(**{**TABLETS.__dict__, "active": False})
    found = check_pack(_pack(), gone, today=TODAY, route=Route.ORAL, dose_mg=10)
    assert [f.rule for f in found] == ["pack.unknown"] and "no longer in use" in found[0].message


def test_another_medicine_is_a_hard_stop() -> None:
    found = check_pack(_pack(), TIZANIDINE, today=TODAY, route=Route.ORAL, dose_mg=10)
    assert [(f.rule, f.stop) for f in found] == [("pack.wrong_medicine", Stop.HARD)]


def test_tablets_that_do_not_make_up_the_dose_are_a_soft_stop() -> None:
    for dose in (5, 15, 12.5):
        found = check_pack(_pack(), TABLETS, today=TODAY, route=Route.ORAL, dose_mg=dose)
        assert [(f.rule, f.stop, f.flag) for f in found] == [
            ("pack.strength", Stop.SOFT, "pack_strength")], dose


def test_route_and_concentration() -> None:
    amp = Pack(gtin=AMPOULE.gtin, expiry=date(2027, 1, 31))
    assert [f.rule for f in check_pack(amp, AMPOULE, today=TODAY, route=Route.ORAL,
                                       dose_mg=10)] == ["pack.wrong_route"]
    assert [f.rule for f in check_pack(_pack(), TABLETS, today=TODAY,
                                       route=Route.INTRATHECAL)] == ["pack.wrong_route"]
    assert check_pack(amp, AMPOULE, today=TODAY, route=Route.INTRATHECAL,
                      refill_conc_mcg_ml=500) == []
    found = check_pack(amp, AMPOULE, today=TODAY, route=Route.INTRATHECAL,
                       refill_conc_mcg_ml=2000)
    assert [(f.rule, f.stop) for f in found] == [("pack.concentration", Stop.HARD)]
    assert "500 mcg/mL" in found[0].message and "2000 mcg/mL" in found[0].message
