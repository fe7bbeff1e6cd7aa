from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ward_app.domain.errors import InvalidInput
from ward_app.domain.orders import (
    Frequency,
    Order,
    OrderAction,
    Route,
    parse_route,
    parse_times,
)

T0 = datetime(2026, 11, 1, tzinfo=UTC)


def test_routes_fix_their_unit():
    assert Route.ORAL.unit == "mg" and Route.ENTERAL.unit == "mg"
    assert Route.INTRATHECAL.unit == "mcg/day"
    assert parse_route("Oral") is Route.ORAL
    with pytest.raises(InvalidInput, match="oral, enteral or intrathecal"):
        parse_route("iv")


def test_times_are_sorted_unique_24_hour():
    assert parse_times("20:00, 08:00") == ("08:00", "20:00")
    for bad, why in [("8:00", "HH:MM"), ("24:00", "HH:MM"), ("08:00,08:00", "repeated"), ("", "No dose")]:
        with pytest.raises(InvalidInput, match=why):
            parse_times(bad)


def test_how_an_order_reads_on_the_board():
    oral = Order(1, 1, OrderAction.START, Route.ORAL, T0, dose_mg=10,
                 times=("08:00", "14:00", "22:00"), frequency=Frequency.TDS)
    assert oral.daily_mg == 30
    assert oral.describe() == "oral 10 mg TDS (30 mg/day)"
    custom = Order(2, 1, OrderAction.CHANGE, Route.ENTERAL, T0, dose_mg=2.5,
                   times=("06:00", "18:00"), frequency=Frequency.CUSTOM)
    assert custom.describe() == "enteral 2.5 mg 06:00 18:00 (5 mg/day)"
    itb = Order(3, 2, OrderAction.START, Route.INTRATHECAL, T0, daily_mcg=450)
    assert itb.daily_mg is None
    assert itb.describe() == "intrathecal 450 mcg/day"
