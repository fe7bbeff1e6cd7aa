"""Intrathecal pump arithmetic (clinical-rules §6): the countdown after a refill, the refill checks,
the alarms still to deal with and the size of a dose step. Pure domain, no database."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ward_app.domain.errors import InvalidInput
from ward_app.domain.pump import (
    AlarmKind,
    AlarmResolution,
    Pump,
    PumpAlarm,
    PumpState,
    Refill,
    active_alarms,
    alarm_resolved,
    check_refill,
    dose_step_pct,
    expected_residual_ml,
    pump_dates,
    reconcile,
)
from ward_app.domain.rules import Thresholds

LONDON = ZoneInfo("Europe/London")
T = Thresholds.defaults()
STOCKED = [float(c) for c in T.pump_concentrations_mcg_ml]
BUFFER = int(T.pump_refill_buffer_days)
STABILITY = int(T.pump_stability_days)


def local(y: int, m: int, d: int, hh: int = 10, mm: int = 0) -> datetime:
    """A ward-clock time in London, as the app stores it (UTC)."""
    return datetime(y, m, d, hh, mm, tzinfo=LONDON).astimezone(UTC)


def refill(at: datetime, volume: float = 20, conc: float = 2000, daily: float = 400,
           alarm: float = 2, rid: int = 1) -> Refill:
    return Refill(rid, 1, at, volume, conc, daily, alarm, by="nurse1", witness="nurse2")


def alarm_day(d: datetime) -> date:
    return d.astimezone(LONDON).date()


# --- pump_dates: the countdown ---------------------------------------------------------------------


def test_the_issues_example_alarm_90_empty_100_refill_by_83_days_after():
    """Refill to 20 mL at 2000 mcg/mL, 400 mcg/day, alarm at 2 mL (the issue's example)."""
    at = local(2026, 1, 10)
    d = pump_dates(refill(at), T, LONDON)
    assert d.days_to_alarm == 90  # (20 - 2) x 2000 / 400
    assert d.days_to_empty == 100  # 20 x 2000 / 400
    assert d.alarm_at == at + timedelta(days=90)
    assert d.empty_at == at + timedelta(days=100)
    assert d.refill_by == date(2026, 1, 10) + timedelta(days=83) == date(2026, 4, 3)
    assert d.refill_by_reason == "alarm date − 7 days"
    assert d.days_left(at) == 90
    assert d.days_left(at + timedelta(days=89, hours=12)) == pytest.approx(0.5)
    # across the spring clock change: elapsed days, shown on the ward clock
    assert d.alarm_at.astimezone(LONDON) == datetime(2026, 4, 10, 11, 0, tzinfo=LONDON)
    assert alarm_day(d.empty_at) == date(2026, 4, 20)


def test_the_buffer_defaults_to_seven_days_from_the_settings():
    assert BUFFER == 7 and STABILITY == 90  # clinical-rules §6 defaults; the example below depends on them
    assert T.pump_alarm_ml == 2.0


@pytest.mark.parametrize("at", [
    local(2026, 1, 10, 10),  # GMT refill, alarm in BST (spring change in the countdown)
    local(2026, 7, 31, 0, 30),  # BST refill just after midnight, alarm 23:30 GMT (autumn change)
    local(2026, 7, 30, 23, 30),
    local(2026, 12, 30, 23, 30),  # GMT refill late evening, alarm after the spring change
    local(2026, 12, 31, 0, 30),
    local(2026, 8, 6, 10),
])
def test_refill_by_is_the_ward_local_alarm_date_minus_the_buffer_across_clock_changes(at):
    d = pump_dates(refill(at), T, LONDON)
    assert d.refill_by_reason == "alarm date − 7 days"
    assert d.refill_by == alarm_day(d.alarm_at) - timedelta(days=BUFFER)


def test_a_late_evening_refill_across_the_autumn_change_keeps_a_full_seven_day_buffer():
    """00:30 BST on 31 Jul + 90 days of pumping = 23:30 GMT on 28 Oct: the alarm falls on 28 Oct on the
    ward clock, so the refill is due by 21 Oct (not 22 Oct, which would leave 6 days)."""
    d = pump_dates(refill(local(2026, 7, 31, 0, 30)), T, LONDON)
    assert d.alarm_at.astimezone(LONDON) == datetime(2026, 10, 28, 23, 30, tzinfo=LONDON)
    assert d.refill_by == date(2026, 10, 21)


def test_refill_by_uses_the_ward_zone_not_utc():
    at = local(2026, 4, 1, 0, 30)  # 23:30 UTC on 31 Mar; alarm 00:30 BST on 30 Jun = 23:30 UTC 29 Jun
    assert pump_dates(refill(at), T, LONDON).refill_by == date(2026, 6, 23)
    assert pump_dates(refill(at), T, UTC).refill_by == date(2026, 6, 22)
    assert pump_dates(refill(at), T).refill_by == date(2026, 6, 22)  # UTC unless told


def test_a_refill_time_given_on_the_ward_clock_counts_elapsed_days_like_a_utc_one():
    at = local(2026, 1, 10, 10)
    as_utc = pump_dates(refill(at), T, LONDON)
    as_london = pump_dates(refill(at.astimezone(LONDON)), T, LONDON)
    assert as_london.alarm_at == as_utc.alarm_at and as_london.empty_at == as_utc.empty_at
    assert as_london.refill_by == as_utc.refill_by


def test_the_formula_with_other_numbers():
    at = local(2026, 5, 1)
    d = pump_dates(refill(at, volume=40, conc=500, daily=250, alarm=4), T, LONDON)
    assert d.days_to_alarm == 72 and d.days_to_empty == 80  # 36 x 500 / 250; 40 x 500 / 250
    assert d.alarm_at == at + timedelta(days=72)
    assert d.refill_by == date(2026, 5, 1) + timedelta(days=72 - BUFFER)
    half = pump_dates(refill(at, volume=20, conc=1000, daily=300, alarm=2), T, LONDON)
    assert half.days_to_alarm == pytest.approx(60)
    assert half.empty_at == at + timedelta(days=20 * 1000 / 300)


def test_an_alarm_volume_at_or_above_the_volume_means_the_alarm_is_due_now():
    at = local(2026, 5, 1)
    d = pump_dates(refill(at, volume=2, alarm=2), T, LONDON)
    assert d.days_to_alarm == 0 and d.alarm_at == at
    d = pump_dates(refill(at, volume=1, alarm=2), T, LONDON)
    assert d.days_to_alarm == 0 and d.alarm_at == at and d.empty_at == at + timedelta(days=5)


def test_the_buffer_is_a_setting():
    at = local(2026, 1, 10)
    d = pump_dates(refill(at), T.with_overrides({"pump.refill_buffer_days": 10}), LONDON)
    assert d.refill_by == date(2026, 1, 10) + timedelta(days=80)
    assert d.refill_by_reason == "alarm date − 10 days"


def test_refill_by_is_limited_by_drug_stability():
    at = local(2026, 1, 10)
    d = pump_dates(refill(at, daily=200), T, LONDON)  # alarm after 180 days
    assert d.days_to_alarm == 180
    assert d.refill_by == date(2026, 1, 10) + timedelta(days=STABILITY) == date(2026, 4, 10)
    assert d.refill_by_reason == "drug stability limit"
    shorter = pump_dates(refill(at), T.with_overrides({"pump.stability_days": 60}), LONDON)
    assert shorter.refill_by == date(2026, 3, 11) and shorter.refill_by_reason == "drug stability limit"
    longer = pump_dates(refill(at), T.with_overrides({"pump.stability_days": 180}), LONDON)
    assert longer.refill_by == date(2026, 4, 3) and longer.refill_by_reason == "alarm date − 7 days"


def test_refill_by_is_limited_by_end_of_service():
    at = local(2026, 1, 10)
    d = pump_dates(refill(at), T, LONDON, end_of_service=date(2026, 3, 1))
    assert d.refill_by == date(2026, 3, 1) and d.refill_by_reason == "end of service"
    later = pump_dates(refill(at), T, LONDON, end_of_service=date(2026, 12, 1))
    assert later.refill_by == date(2026, 4, 3) and later.refill_by_reason == "alarm date − 7 days"
    # the earliest limit wins whatever set it
    both = pump_dates(refill(at), T.with_overrides({"pump.stability_days": 30}), LONDON,
                      end_of_service=date(2026, 3, 1))
    assert both.refill_by == date(2026, 2, 9) and both.refill_by_reason == "drug stability limit"


moments = st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2030, 12, 31),
                       timezones=st.just(UTC))
volumes = st.floats(0.5, 40, allow_nan=False)
concentrations = st.one_of(st.sampled_from(STOCKED), st.floats(1, 5000, allow_nan=False))
daily_doses = st.floats(1, 1500, allow_nan=False)
alarm_volumes = st.floats(0, 10, allow_nan=False)


@given(moments, volumes, concentrations, daily_doses, alarm_volumes, st.integers(0, 14),
       st.integers(1, 365), st.sampled_from([UTC, LONDON]))
def test_alarm_never_after_empty_and_refill_by_never_after_the_alarm_day(
        at, volume, conc, daily, alarm, buffer, stability, zone):
    t = T.with_overrides({"pump.refill_buffer_days": buffer, "pump.stability_days": stability})
    d = pump_dates(refill(at, volume, conc, daily, alarm), t, zone)
    assert 0 <= d.days_to_alarm <= d.days_to_empty
    assert at <= d.alarm_at <= d.empty_at
    alarm_date = d.alarm_at.astimezone(zone).date()
    assert d.refill_by <= alarm_date - timedelta(days=buffer)
    assert d.refill_by <= (at + timedelta(days=stability)).astimezone(zone).date()
    assert d.refill_by_reason in (f"alarm date − {buffer} days", "drug stability limit")
    if d.refill_by_reason.startswith("alarm"):
        assert d.refill_by == alarm_date - timedelta(days=buffer)


# --- Pump.eri_and_end ------------------------------------------------------------------------------


def test_eri_and_end_of_service_derive_one_from_the_other():
    gap = timedelta(days=int(T.pump_eri_to_end_days))
    assert gap == timedelta(days=90)  # clinical-rules §6: the pump stops about 90 days after ERI
    only_eri = Pump(1, 1, eri_date=date(2027, 4, 1))
    assert only_eri.eri_and_end(T) == (date(2027, 4, 1), date(2027, 6, 30))
    only_end = Pump(1, 1, end_of_service=date(2027, 6, 30))
    assert only_end.eri_and_end(T) == (date(2027, 4, 1), date(2027, 6, 30))
    both = Pump(1, 1, eri_date=date(2027, 1, 1), end_of_service=date(2027, 6, 30))
    assert both.eri_and_end(T) == (date(2027, 1, 1), date(2027, 6, 30))  # recorded values win
    assert Pump(1, 1).eri_and_end(T) == (None, None)
    t = T.with_overrides({"pump.eri_to_end_days": 100})
    assert only_eri.eri_and_end(t) == (date(2027, 4, 1), date(2027, 7, 10))
    assert only_end.eri_and_end(t) == (date(2027, 3, 22), date(2027, 6, 30))


def test_last_refill_is_the_newest_of_the_refills():
    pump = Pump(1, 1, reservoir_ml=20)
    assert PumpState(pump).last_refill is None
    first, second = refill(local(2026, 1, 1), rid=1), refill(local(2026, 3, 1), rid=2)
    assert PumpState(pump, (first, second)).last_refill == second


# --- check_refill ----------------------------------------------------------------------------------

PUMP = Pump(1, 1, model="SynchroMed II", serial="X1", reservoir_ml=20)


def refused(**kw: object) -> InvalidInput:
    args: dict[str, object] = dict(pump=PUMP, volume_ml=20.0, conc_mcg_ml=2000.0, daily_mcg=400.0,
                                   alarm_ml=2.0, stocked=STOCKED)
    args.update(kw)
    with pytest.raises(InvalidInput) as err:
        check_refill(**args)  # type: ignore[arg-type]
    return err.value


def test_a_sound_refill_passes():
    assert check_refill(PUMP, 20, 2000, 400, 2, STOCKED) is None
    assert check_refill(PUMP, 18.5, 500, 22, 0, STOCKED) is None  # alarm volume 0 is allowed
    assert check_refill(PUMP, 20, 2000, 400, 2, T.pump_concentrations_mcg_ml) is None  # ints


def test_a_volume_above_the_reservoir_is_refused():
    err = refused(volume_ml=21.0)
    assert err.field == "volume-ml"
    assert "--" not in str(err) and "Volume 21 mL" in str(err) and "20 mL" in str(err)


def test_an_unknown_reservoir_is_refused():
    err = refused(pump=Pump(1, 1))
    assert err.field == "volume-ml" and "reservoir capacity is not recorded" in str(err)


def test_a_concentration_not_stocked_is_refused_listing_those_that_are():
    err = refused(conc_mcg_ml=1500.0)
    assert err.field == "conc-mcg-ml"
    assert "--" not in str(err) and "1500 mcg/mL" in str(err) and "50, 500, 1000, 2000" in str(err)


@pytest.mark.parametrize("volume, alarm", [(20.0, 20.0), (10.0, 12.0)])
def test_an_alarm_volume_at_or_above_the_volume_is_refused(volume, alarm):
    err = refused(volume_ml=volume, alarm_ml=alarm)
    assert err.field == "alarm-ml" and "alarm volume" in str(err)


@pytest.mark.parametrize("name, field", [("volume_ml", "volume-ml"), ("conc_mcg_ml", "conc-mcg-ml"),
                                         ("daily_mcg", "daily-mcg")])
@pytest.mark.parametrize("value", [0.0, -1.0, math.nan, math.inf])
def test_non_positive_or_not_a_number_is_refused_naming_the_field(name, field, value):
    err = refused(**{name: value})
    label = {"volume-ml": "The volume", "conc-mcg-ml": "The concentration",
             "daily-mcg": "The daily dose"}[field]
    assert err.field == field and str(err).startswith(label) and "positive" in str(err)
    assert "--" not in str(err)


@pytest.mark.parametrize("value", [-0.5, math.nan, math.inf])
def test_a_negative_or_not_a_number_alarm_volume_is_refused(value):
    err = refused(alarm_ml=value)
    assert err.field == "alarm-ml" and "The alarm volume" in str(err) and "--" not in str(err)


# --- active_alarms ---------------------------------------------------------------------------------

HEARD = local(2026, 3, 1, 9)


def alarm(kind: AlarmKind, at: datetime = HEARD, aid: int = 1) -> PumpAlarm:
    return PumpAlarm(aid, 1, kind, at, by="nurse1")


def resolved(a: PumpAlarm, at: datetime, contact: str | None = "Dr Rao, ITB team",
             rid: int = 1) -> AlarmResolution:
    return AlarmResolution(rid, a.id, at, "pump checked with the programmer", contact, "nurse1")


@pytest.mark.parametrize("kind", list(AlarmKind))
def test_an_alarm_with_nothing_done_since_stays_active(kind):
    a = alarm(kind)
    earlier = refill(HEARD - timedelta(days=30))
    assert active_alarms([a], [earlier]) == [a]
    assert active_alarms([a], []) == [a]


def test_low_reservoir_is_cleared_by_a_later_refill():
    a = alarm(AlarmKind.LOW_RESERVOIR)
    assert active_alarms([a], [refill(HEARD + timedelta(hours=3))]) == []
    assert active_alarms([a], [refill(HEARD)]) == [a]  # same moment: not after it
    how, at = alarm_resolved(a, [refill(HEARD + timedelta(hours=3))], [])  # type: ignore[misc]
    assert "refill" in how and at == HEARD + timedelta(hours=3)


@pytest.mark.parametrize("kind", [AlarmKind.ERI, AlarmKind.CRITICAL])
def test_critical_and_eri_are_cleared_only_by_a_recorded_action_not_by_a_refill(kind):
    """clinical-rules §10: a refill does not restart a stalled motor or replace a battery."""
    a = alarm(kind)
    assert active_alarms([a], [refill(HEARD + timedelta(hours=1))]) == [a]
    done = resolved(a, HEARD + timedelta(hours=2))
    assert active_alarms([a], [refill(HEARD + timedelta(hours=1))], [done]) == []
    how, at = alarm_resolved(a, [], [done])  # type: ignore[misc]
    assert "pump checked" in how and "Dr Rao, ITB team" in how and "nurse1" in how
    assert at == HEARD + timedelta(hours=2)
    other = AlarmResolution(2, a.id + 1, HEARD, "x", "y", "z")  # another alarm's resolution
    assert active_alarms([a], [], [other]) == [a]


def test_only_the_alarms_not_dealt_with_are_returned_in_order():
    low = alarm(AlarmKind.LOW_RESERVOIR, HEARD, 1)
    eri = alarm(AlarmKind.ERI, HEARD + timedelta(hours=1), 2)
    low_again = alarm(AlarmKind.LOW_RESERVOIR, HEARD + timedelta(days=2), 3)
    refills = [refill(HEARD - timedelta(days=80), rid=1), refill(HEARD + timedelta(days=1), rid=2)]
    assert active_alarms([low, eri, low_again], refills) == [eri, low_again]


# --- refill reconciliation (clinical-rules §10) ---------------------------------------------------
# expected residual = last volume − elapsed days × daily dose ÷ concentration; a difference beyond
# 14.5 % of the volume that should have been delivered, or beyond 2 mL, is a discrepancy.

LAST = local(2026, 1, 10)


@pytest.mark.parametrize(("volume", "conc", "daily", "days", "delivered", "expected", "limit"), [
    (20, 500, 100, 30, 6.0, 14.0, 0.87),  # 20 mL at 500 mcg/mL: 14.5 % of 6 mL
    (20, 2000, 400, 60, 12.0, 8.0, 1.74),  # 20 mL at 2000 mcg/mL: 14.5 % of 12 mL
    (40, 500, 300, 60, 36.0, 4.0, 2.0),  # 40 mL at 500 mcg/mL: 14.5 % would be 5.22: 2 mL
    (40, 2000, 500, 90, 22.5, 17.5, 2.0),  # 40 mL at 2000 mcg/mL: 3.26 mL → 2 mL
    (40, 2000, 200, 30, 3.0, 37.0, 0.435),  # 40 mL at 2000 mcg/mL, little delivered
])
def test_reconciliation_arithmetic_and_its_limit(volume, conc, daily, days, delivered, expected,
                                                 limit):
    last = refill(LAST, volume=volume, conc=conc, daily=daily)
    at = LAST + timedelta(days=days)
    assert expected_residual_ml(last, at) == (expected, delivered)
    exact = reconcile(last, expected, at, T)
    assert (exact.expected_ml, exact.delivered_ml, exact.limit_ml) == (expected, delivered, limit)
    assert exact.difference_ml == 0 and not exact.discrepant
    # at the limit: not beyond it; 0.01 mL past it either way: a discrepancy
    assert not reconcile(last, expected + limit, at, T).discrepant
    assert not reconcile(last, expected - limit, at, T).discrepant
    more = reconcile(last, expected + limit + 0.01, at, T)
    less = reconcile(last, expected - limit - 0.01, at, T)
    assert more.discrepant and "under-delivery or a catheter problem" in more.suggests
    assert "withdrawal" in more.suggests
    assert less.discrepant and "over-infusing" in less.suggests and "overdose" in less.suggests


def test_the_expected_residual_is_never_below_empty():
    last = refill(LAST, volume=20, conc=500, daily=400)  # 25 days of drug
    assert expected_residual_ml(last, LAST + timedelta(days=30)) == (0.0, 20.0)
    assert reconcile(last, 0, LAST + timedelta(days=30), T).limit_ml == 2.0


def test_the_discrepancy_limits_are_settings():
    from dataclasses import replace
    strict = replace(T, pump_discrepancy_pct=10.0, pump_discrepancy_ml=0.5)
    last = refill(LAST, volume=20, conc=500, daily=100)  # 6 mL due after 30 days
    assert reconcile(last, 14, LAST + timedelta(days=30), strict).limit_ml == 0.5


# --- dose_step_pct ---------------------------------------------------------------------------------


@pytest.mark.parametrize("before, after, pct", [
    (300, 420, 40), (300, 240, -20), (100, 150, 50), (400, 300, -25), (300, 300, 0),
    # decimal doses exactly at the label edges must come out exactly at the edges
    (24, 33.6, 40), (24, 19.2, -20), (23, 32.2, 40), (25.5, 20.4, -20), (3, 4.2, 40),
])
def test_dose_step_pct(before, after, pct):
    assert dose_step_pct(before, after) == pct
