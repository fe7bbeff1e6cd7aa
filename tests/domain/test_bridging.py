"""The nil-by-mouth bridging prompt (clinical-rules §10): the same words for the alert and the
record dialog, the intravenous figure only where the ward has IV baclofen."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ward_app.domain.bridging import bridging_advice, iv_daily_mg
from ward_app.domain.orders import Frequency, Order, OrderAction, Route
from ward_app.domain.rules import Thresholds

T = Thresholds.defaults()
IV = T.with_overrides({"bridge.iv_available": True})
START = datetime(2026, 11, 20, tzinfo=UTC)


def oral(dose: float = 10, times: tuple[str, ...] = ("08:00", "14:00", "22:00"),
         doses: tuple[float, ...] = ()) -> Order:
    return Order(1, 1, OrderAction.START, Route.ORAL, START, dose_mg=dose, times=times,
                 frequency=Frequency.TDS, doses=doses)


@pytest.mark.parametrize("order, figure", [
    (oral(10), 24), (oral(5), 12), (oral(20), 48), (oral(25), 60), (oral(15, ("08:00",)), 12),
    (oral(5, doses=(5, 10, 5)), 16), (oral(7.5), 18),
])
def test_the_iv_figure_is_80_percent_of_the_oral_daily_dose(order, figure):
    assert iv_daily_mg(order, T) == figure


def test_the_figure_follows_the_percentage_setting_and_rounds_to_a_tenth():
    assert iv_daily_mg(oral(10), T.with_overrides({"bridge.iv_percent": 75})) == 22.5
    assert iv_daily_mg(oral(1, ("08:00",)), T.with_overrides({"bridge.iv_percent": 33})) == 0.3


def test_no_figure_for_an_intrathecal_or_stopped_order():
    assert iv_daily_mg(Order(1, 1, OrderAction.START, Route.INTRATHECAL, START, daily_mcg=300),
                       IV) is None
    assert iv_daily_mg(Order(2, 1, OrderAction.STOP, Route.ORAL, START), IV) is None


def test_by_default_the_advice_offers_the_tube_and_says_iv_is_not_licensed():
    text = bridging_advice(oral(10), T)
    assert "(a) baclofen oral solution (liquid) via an enteral tube (NG/PEG)" in text
    assert "(b) IV baclofen is not licensed in many countries; ask the prescriber" in text
    assert "mg/day" not in text and "Rectal baclofen is not absorbed" in text
    assert text.startswith("Do not just omit doses")


def test_with_iv_available_the_advice_gives_the_calculated_figure():
    text = bridging_advice(oral(10), IV)
    assert ("(b) intravenous baclofen at 80 % of the oral daily dose = 24 mg/day (calculated: the "
            "prescriber decides)") in text
    assert "not licensed" not in text


def test_iv_available_without_an_oral_dose_falls_back_to_asking_the_prescriber():
    itb = Order(1, 1, OrderAction.START, Route.INTRATHECAL, START, daily_mcg=300)
    assert "ask the prescriber" in bridging_advice(itb, IV)
