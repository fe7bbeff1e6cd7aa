"""The ward pump calendar's arithmetic (clinical-rules §6): each pump's dates from its last refill,
the refill buffer at its edges, the words that say why a row is marked, and the order."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from ward_app.domain.pump import Pump, PumpState, Refill, pump_dates
from ward_app.domain.pump_calendar import calendar_entry, in_window, soonest_first
from ward_app.domain.rules import Thresholds

LONDON = ZoneInfo("Europe/London")
T = Thresholds.defaults()
BUFFER = int(T.pump_refill_buffer_days)
REFILLED = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
#: 20 mL at 2000 mcg/mL, 400 mcg/day, alarm at 2 mL: alarm after 90 days, empty after 100.
REFILL = Refill(1, 1, REFILLED, 20, 2000, 400, 2)
PUMP = Pump(1, 1, reservoir_ml=20, eri_date=date(2029, 5, 1))


def entry(now: datetime, state: PumpState | None = None, t: Thresholds = T):
    return calendar_entry("RX2", "2", "Pump Patient", "Ward 7", state or PumpState(PUMP, (REFILL,)),
                          t, LONDON, now)


def test_the_dates_are_the_pump_countdown_of_the_last_refill() -> None:
    e = entry(REFILLED)
    d = pump_dates(REFILL, T, LONDON, date(2029, 7, 30))
    assert e.refill_by == d.refill_by == date(2027, 2, 16)  # alarm date − 7 days
    assert e.alarm_at == d.alarm_at.astimezone(LONDON) and e.alarm_at.date() == date(2027, 2, 23)
    assert e.empty_at is not None and e.empty_at.date() == date(2027, 3, 5)
    assert e.stability_date == REFILLED.date() + timedelta(days=int(T.pump_stability_days))
    assert (e.eri_date, e.end_of_service) == (date(2029, 5, 1), date(2029, 7, 30))
    assert e.days_left == (date(2027, 2, 16) - date(2026, 11, 25)).days
    assert not e.within_buffer and e.why == f"refill in {e.days_left} days"


@pytest.mark.parametrize("days_before, within", [(BUFFER + 1, False), (BUFFER, True), (1, True)])
def test_the_refill_buffer_at_its_edge(days_before: int, within: bool) -> None:
    now = datetime(2027, 2, 16, 9, 0, tzinfo=UTC) - timedelta(days=days_before)
    e = entry(now)
    assert e.days_left == days_before and e.within_buffer is within
    if within:
        assert f"within the {BUFFER}-day buffer" in e.why and f"in {days_before} day" in e.why


def test_due_today_overdue_and_empty_are_said_in_words() -> None:
    assert entry(datetime(2027, 2, 16, 9, 0, tzinfo=UTC)).why.startswith("refill due TODAY")
    overdue = entry(datetime(2027, 2, 17, 9, 0, tzinfo=UTC))
    assert overdue.days_left == -1 and overdue.within_buffer
    assert overdue.why == "refill OVERDUE since Tue 16 Feb"
    alarm_passed = entry(datetime(2027, 2, 24, 9, 0, tzinfo=UTC))
    assert alarm_passed.why.endswith("low-reservoir alarm date passed")
    empty = entry(datetime(2027, 3, 6, 9, 0, tzinfo=UTC))
    assert empty.why.startswith("EMPTY by calculation; refill OVERDUE")


def test_a_bigger_buffer_setting_marks_earlier() -> None:
    wide = replace(T, pump_refill_buffer_days=14)
    e = entry(datetime(2027, 1, 28, 9, 0, tzinfo=UTC), t=wide)
    assert e.refill_by == date(2027, 2, 9)  # the buffer also sets the refill-by date
    assert e.days_left == 12 and e.within_buffer and "within the 14-day buffer" in e.why


def test_a_pump_with_no_refill_has_no_dates_and_says_so() -> None:
    e = entry(REFILLED, PumpState(PUMP, ()))
    assert (e.refill_by, e.alarm_at, e.empty_at, e.days_left) == (None, None, None, None)
    assert not e.within_buffer and e.why.startswith("no refill recorded")
    assert in_window(e, date(2026, 12, 1))  # listed: the ward knows least about it


def test_a_battery_past_eri_or_end_of_service_is_said() -> None:
    past_eri = PumpState(replace(PUMP, eri_date=date(2026, 11, 1)), (REFILL,))
    assert "battery past ERI since Sun 01 Nov 2026: replacement due" in entry(REFILLED, past_eri).why
    ended = PumpState(replace(PUMP, eri_date=date(2026, 6, 1)), (REFILL,))
    assert "past its expected end of service" in entry(REFILLED, ended).why


def test_soonest_refill_by_first_and_the_window() -> None:
    later = entry(REFILLED)
    sooner = replace(later, bed="5", refill_by=date(2026, 12, 1))
    none = replace(later, bed="9", refill_by=None)
    assert [e.bed for e in soonest_first([later, sooner, none])] == ["9", "5", "2"]
    assert in_window(later, date(2027, 2, 16)) and not in_window(later, date(2027, 2, 15))
