"""Alert rules for intrathecal pumps and doses (clinical-rules §1, §4, §6) on plain snapshots, Europe/London,
fixed moments (stored as UTC, as the app does): each rule fires from its edge and is quiet before."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from ward_app.domain.alerts import Alert, PatientSnapshot, Severity
from ward_app.domain.dose_alerts import SRC_WATCH, withdrawal_watch_alerts, withdrawal_watches
from ward_app.domain.observations import Acvpu, Observation, Poss
from ward_app.domain.orders import Frequency, Order, OrderAction, Route
from ward_app.domain.patient import Patient
from ward_app.domain.pump import (
    AlarmKind,
    AlarmResolution,
    EventKind,
    Pump,
    PumpAlarm,
    PumpEvent,
    PumpState,
    Refill,
    pump_dates,
)
from ward_app.domain.pump_alerts import (
    RULES,
    SRC_ALARM,
    SRC_ERI,
    SRC_ITB,
    SRC_MONITOR,
    SRC_PUMP,
    alarm_alerts,
    check_due_alerts,
    eri_alerts,
    itb_dose_alerts,
    itb_monitoring_alerts,
    post_refill_alerts,
    post_refill_due,
    refill_alerts,
    volume_alerts,
)
from ward_app.domain.rules import Thresholds

LONDON = ZoneInfo("Europe/London")
T = Thresholds.defaults()
H = timedelta(hours=1)
S = timedelta(seconds=1)


def local(y: int, m: int, d: int, hh: int = 10, mm: int = 0) -> datetime:
    """A ward-clock time in London, as the app stores it (UTC)."""
    return datetime(y, m, d, hh, mm, tzinfo=LONDON).astimezone(UTC)


ORDER_START = local(2025, 12, 1)
REFILL_AT = local(2026, 1, 10)  # 10:00 GMT
# The example: 20 mL at 2000 mcg/mL, 400 mcg/day, alarm at 2 mL.
ALARM_AT = REFILL_AT + timedelta(days=90)  # 10 Apr 2026, 11:00 BST
EMPTY_AT = REFILL_AT + timedelta(days=100)  # 20 Apr 2026
REFILL_BY = date(2026, 4, 3)
WARN_FROM = datetime(2026, 3, 27, 0, 0, tzinfo=LONDON)  # 7 days before the refill-by date, GMT
URGENT_FROM = ALARM_AT - timedelta(days=2)
OVERDUE_FROM = datetime(2026, 4, 4, 0, 0, tzinfo=LONDON)  # the day after the refill-by date


def patient() -> Patient:
    return Patient(1, "RX1", "Ann Example", date(1970, 1, 1), "3", "Ward 7", sci_level="C5")


def itb(daily: float = 400, at: datetime = ORDER_START, oid: int = 1,
        action: OrderAction = OrderAction.START) -> Order:
    return Order(oid, 1, action, Route.INTRATHECAL, at, daily_mcg=daily, prescriber="Dr Khan")


def change(daily: float, at: datetime, oid: int = 2) -> Order:
    return itb(daily, at, oid, OrderAction.CHANGE)


def refill(at: datetime = REFILL_AT, rid: int = 1, volume: float = 20, conc: float = 2000,
           daily: float = 400, alarm: float = 2) -> Refill:
    return Refill(rid, 1, at, volume, conc, daily, alarm, by="nurse1", witness="nurse2")


def pump(**kw: object) -> Pump:
    return Pump(1, 1, model="SynchroMed II", serial="NGP123", reservoir_ml=20,
                implant_date=date(2022, 1, 1), **kw)  # type: ignore[arg-type]


def state(*refills: Refill, alarms: tuple[PumpAlarm, ...] = (), p: Pump | None = None) -> PumpState:
    return PumpState(p or pump(), refills if refills else (refill(),), alarms)


def snap(pump_state: PumpState | None = None, versions: tuple[Order, ...] = (),
         observations: tuple[Observation, ...] = ()) -> PatientSnapshot:
    return PatientSnapshot(patient(), versions or (itb(),), (), LONDON, observations=observations,
                           pump=pump_state)


def vitals(at: datetime, oid: int = 1) -> Observation:
    return Observation(oid, 1, at, rr=16, spo2=97, on_oxygen=False, sbp=120, hr=70,
                       acvpu=Acvpu.ALERT, temp=37.0)


def summary(alerts: list[Alert]) -> list[tuple[str, str]]:
    return [(a.rule, a.severity.label) for a in alerts]


def test_the_pump_rules_are_registered():
    assert RULES == [refill_alerts, alarm_alerts, eri_alerts, itb_dose_alerts, itb_monitoring_alerts,
                     volume_alerts, check_due_alerts, post_refill_alerts]


def test_no_pump_no_pump_alerts():
    s = snap(None)
    for rule in (refill_alerts, alarm_alerts, eri_alerts, itb_monitoring_alerts):
        assert rule(s, REFILL_AT + timedelta(days=95), T) == []
    assert refill_alerts(snap(PumpState(pump())), REFILL_AT, T) == []  # a pump never refilled


# --- pump.refill_due and pump.empty -----------------------------------------------------------------


def test_the_example_dates_the_rules_rely_on():
    d = pump_dates(refill(), T, LONDON)
    assert (d.alarm_at, d.empty_at, d.refill_by) == (ALARM_AT, EMPTY_AT, REFILL_BY)


@pytest.mark.parametrize("now", [REFILL_AT, REFILL_AT + timedelta(days=30), WARN_FROM - S])
def test_refill_due_is_quiet_until_seven_days_before_the_refill_by_date(now):
    assert refill_alerts(snap(state()), now, T) == []


def test_refill_due_warning_from_seven_days_before_the_refill_by_date():
    for now in (WARN_FROM, WARN_FROM + timedelta(days=3), OVERDUE_FROM - S):
        (a,) = refill_alerts(snap(state()), now, T)
        assert (a.rule, a.severity) == ("pump.refill_due", Severity.WARNING)
        assert a.since == WARN_FROM
    assert "Fri 03 Apr" in a.message and "alarm date − 7 days" in a.message
    assert "10 Apr 2026 11:00" in a.message  # the alarm time on the ward clock (BST)
    assert "Book the refill" in a.message
    assert a.key == "pump.refill_due:1:1" and a.source == SRC_PUMP
    assert a.values["refill_by"] == "2026-04-03" and a.values["refill_by_reason"] == "alarm date − 7 days"
    assert a.values["alarm_date"] == "2026-04-10" and a.values["empty_date"] == "2026-04-20"
    assert a.values["days_to_alarm"] == 90.0
    assert a.values["refilled_at"] == "2026-01-10T10:00+00:00"
    assert (a.values["volume_ml"], a.values["conc_mcg_ml"], a.values["daily_mcg"],
            a.values["alarm_ml"]) == (20, 2000, 400, 2)


def test_refill_due_urgent_from_two_days_before_the_alarm_date_with_a_short_buffer():
    from dataclasses import replace
    short = replace(T, pump_refill_buffer_days=1)  # refill by 9 Apr: not yet passed on 8 Apr
    assert refill_alerts(snap(state()), URGENT_FROM - S, short)[0].severity is Severity.WARNING
    (a,) = refill_alerts(snap(state()), URGENT_FROM, short)
    assert (a.rule, a.severity) == ("pump.refill_due", Severity.URGENT)
    assert a.since == URGENT_FROM
    assert "alarm date is 10 Apr 2026 11:00" in a.message and "Refill TODAY" in a.message
    assert a.key == "pump.refill_due:1:1"  # the same occurrence, now at a higher severity


def test_refill_overdue_is_urgent_once_the_refill_by_date_has_passed():
    """clinical-rules §10: the day after the refill-by date, pump.refill_due becomes
    pump.refill_overdue (urgent), naming the day it became overdue."""
    (a,) = refill_alerts(snap(state()), OVERDUE_FROM - S, T)
    assert (a.rule, a.severity) == ("pump.refill_due", Severity.WARNING)
    for now in (OVERDUE_FROM, ALARM_AT - S, ALARM_AT, ALARM_AT + timedelta(days=5), EMPTY_AT - S):
        (a,) = refill_alerts(snap(state()), now, T)
        assert (a.rule, a.severity) == ("pump.refill_overdue", Severity.URGENT)
        assert a.since == OVERDUE_FROM and a.key == "pump.refill_overdue:1:1"
        assert "OVERDUE since Sat 04 Apr" in a.message and "refill by Fri 03 Apr" in a.message
        assert a.values["overdue_since"] == "2026-04-04" and "Refill TODAY" in a.message
        assert ("alarm date passed" in a.message) is (now >= ALARM_AT)
        assert ("watch for withdrawal" in a.message) is (now >= ALARM_AT)
    (a,) = refill_alerts(snap(state()), EMPTY_AT, T)
    assert a.rule == "pump.empty"


def test_pump_empty_is_an_emergency_once_the_reservoir_is_calculated_empty():
    for now in (EMPTY_AT, EMPTY_AT + timedelta(days=10)):
        (a,) = refill_alerts(snap(state()), now, T)
        assert (a.rule, a.severity) == ("pump.empty", Severity.EMERGENCY)
        assert a.since == EMPTY_AT and a.key == "pump.empty:1:1"
        assert "EMPTY since 20 Apr 2026 11:00" in a.message and "withdrawal" in a.message
        assert "Call the ITB team" in a.message


def test_pump_empty_offers_a_bridge_but_not_after_a_stop_for_a_serious_reaction():
    """clinical-rules §10: after such a stop no message offers baclofen back."""
    (ongoing,) = refill_alerts(snap(state()), EMPTY_AT, T)
    assert "oral baclofen or benzodiazepine bridge per prescriber" in ongoing.message
    stop = Order(2, 1, OrderAction.STOP, Route.INTRATHECAL, REFILL_AT + timedelta(days=5),
                 stop_reason="serious_adverse_reaction", prescriber="Dr Khan")
    (stopped,) = refill_alerts(snap(state(), versions=(itb(), stop)), EMPTY_AT, T)
    assert stopped.rule == "pump.empty" and "bridge" not in stopped.message
    assert "check for withdrawal signs; do not restart without the prescriber." in stopped.message


def test_only_the_last_refill_counts():
    second = refill(REFILL_AT + timedelta(days=80), rid=2)
    assert refill_alerts(snap(state(refill(), second)), EMPTY_AT, T) == []


def test_refill_due_names_the_drug_stability_limit_when_it_sets_the_date():
    slow = refill(daily=200)  # alarm after 180 days; the 90-day stability limit comes first
    limit = date(2026, 4, 10)
    now = datetime(2026, 4, 3, 0, 0, tzinfo=LONDON)
    (a,) = refill_alerts(snap(state(slow)), now, T)
    assert a.severity is Severity.WARNING and "drug stability limit" in a.message
    assert a.values["refill_by"] == limit.isoformat()
    assert refill_alerts(snap(state(slow)), now - S, T) == []


def test_refill_due_names_the_end_of_service_when_it_sets_the_date():
    p = pump(end_of_service=date(2026, 3, 1))
    now = datetime(2026, 2, 22, 0, 0, tzinfo=LONDON)
    (a,) = refill_alerts(snap(state(p=p)), now, T)
    assert a.severity is Severity.WARNING and "end of service" in a.message
    assert a.values["refill_by"] == "2026-03-01" and a.since == now
    assert refill_alerts(snap(state(p=p)), now - S, T) == []


def test_refill_due_warning_starts_at_ward_midnight_across_the_autumn_clock_change():
    """Refill-by Wed 28 Oct 2026 (GMT): the warning starts at 00:00 BST on 21 Oct (23:00 UTC on
    20 Oct), a calendar week before, not an hour later."""
    r = refill(local(2026, 8, 6))
    assert pump_dates(r, T, LONDON).refill_by == date(2026, 10, 28)
    start = datetime(2026, 10, 21, 0, 0, tzinfo=LONDON)
    assert refill_alerts(snap(state(r)), start - S, T) == []
    (a,) = refill_alerts(snap(state(r)), start + timedelta(minutes=30), T)
    assert a.severity is Severity.WARNING and a.since == start


def test_refill_due_warning_starts_at_ward_midnight_across_the_spring_clock_change():
    """Refill-by Thu 2 Apr 2026 (BST): the warning starts at 00:00 GMT on 26 Mar, not an hour early."""
    r = refill(local(2026, 1, 9))
    assert pump_dates(r, T, LONDON).refill_by == date(2026, 4, 2)
    start = datetime(2026, 3, 26, 0, 0, tzinfo=LONDON)
    assert refill_alerts(snap(state(r)), start - timedelta(minutes=30), T) == []
    (a,) = refill_alerts(snap(state(r)), start, T)
    assert a.severity is Severity.WARNING and a.since == start


def test_a_late_evening_refill_across_the_autumn_change_warns_a_full_week_before_a_full_buffer():
    r = refill(local(2026, 7, 31, 0, 30))  # alarm 23:30 GMT on Wed 28 Oct: refill by 21 Oct
    (a,) = refill_alerts(snap(state(r)), datetime(2026, 10, 14, 0, 0, tzinfo=LONDON), T)
    assert a.values["refill_by"] == "2026-10-21" and a.values["alarm_date"] == "2026-10-28"
    assert refill_alerts(snap(state(r)), datetime(2026, 10, 13, 23, 59, tzinfo=LONDON), T) == []


def test_refill_due_windows_are_settings():
    t = T.with_overrides({"pump.refill_due_warning_days": 10, "pump.alarm_urgent_days": 3})
    (a,) = refill_alerts(snap(state()), datetime(2026, 3, 24, 0, 0, tzinfo=LONDON), t)
    assert a.severity is Severity.WARNING
    assert refill_alerts(snap(state()), datetime(2026, 3, 23, 23, 59, tzinfo=LONDON), t) == []
    (a,) = refill_alerts(snap(state()), ALARM_AT - timedelta(days=3), t)
    assert a.severity is Severity.URGENT


# --- pump.alarm ---------------------------------------------------------------------------------------

HEARD = REFILL_AT + timedelta(days=88)  # 8 Apr 2026


def heard(kind: AlarmKind, at: datetime = HEARD, aid: int = 5) -> PumpAlarm:
    return PumpAlarm(aid, 1, kind, at, by="nurse1", note="tone heard at the bedside")


@pytest.mark.parametrize("kind, severity", [(AlarmKind.LOW_RESERVOIR, Severity.URGENT),
                                            (AlarmKind.ERI, Severity.URGENT),
                                            (AlarmKind.CRITICAL, Severity.EMERGENCY)])
def test_an_alarm_heard_raises_pump_alarm(kind, severity):
    (a,) = alarm_alerts(snap(state(alarms=(heard(kind),))), HEARD + H, T)
    assert (a.rule, a.severity) == ("pump.alarm", severity)
    assert a.since == HEARD and a.key == "pump.alarm:1:5" and a.source == SRC_ALARM
    assert a.values == {"kind": kind.value, "note": "tone heard at the bedside", "heard_by": "nurse1"}
    assert "08 Apr 2026 11:00" in a.message  # heard time on the ward clock (BST)
    if kind is AlarmKind.CRITICAL:
        assert "two-tone" in a.message and "withdrawal" in a.message
    else:
        assert "single tone" in a.message


def test_an_alarm_is_not_shown_before_it_was_heard():
    assert alarm_alerts(snap(state(alarms=(heard(AlarmKind.CRITICAL),))), HEARD - S, T) == []


def test_low_reservoir_alarm_is_cleared_by_a_later_refill_not_by_a_pump_update():
    alarms = (heard(AlarmKind.LOW_RESERVOIR),)
    later = refill(HEARD + H, rid=2)
    assert alarm_alerts(snap(state(refill(), later, alarms=alarms)), HEARD + 2 * H, T) == []
    updated = pump(updated_at=HEARD + H)
    assert len(alarm_alerts(snap(state(alarms=alarms, p=updated)), HEARD + 2 * H, T)) == 1


def _resolved(a: PumpAlarm, at: datetime) -> AlarmResolution:
    return AlarmResolution(1, a.id, at, "pump interrogated, motor restarted", "Dr Rao", "nurse1")


@pytest.mark.parametrize("kind", [AlarmKind.ERI, AlarmKind.CRITICAL])
def test_critical_and_eri_alarms_stay_until_the_itb_action_is_recorded(kind):
    """clinical-rules §10: neither a refill nor a change of the pump's details resolves them."""
    a = heard(kind)
    later = refill(HEARD + H, rid=2)
    updated = pump(updated_at=HEARD + H)
    (alert,) = alarm_alerts(snap(state(refill(), later, alarms=(a,), p=updated)), HEARD + 2 * H, T)
    assert alert.severity is (Severity.EMERGENCY if kind is AlarmKind.CRITICAL else Severity.URGENT)
    assert "ITB team's contact" in alert.message
    done = PumpState(pump(), (refill(), later), (a,), (_resolved(a, HEARD + 2 * H),))
    assert alarm_alerts(snap(done), HEARD + 3 * H, T) == []


def test_each_alarm_not_dealt_with_alerts_on_its_own():
    alarms = (heard(AlarmKind.LOW_RESERVOIR, HEARD, 5), heard(AlarmKind.CRITICAL, HEARD + H, 6))
    alerts = alarm_alerts(snap(state(alarms=alarms)), HEARD + 2 * H, T)
    assert summary(alerts) == [("pump.alarm", "urgent"), ("pump.alarm", "emergency")]
    assert [a.key for a in alerts] == ["pump.alarm:1:5", "pump.alarm:1:6"]


# --- pump.eri ------------------------------------------------------------------------------------------

END = date(2027, 6, 30)  # ERI about 90 days before: 1 Apr 2027; warning from 180 days before: 1 Jan


@pytest.mark.parametrize("p", [pump(end_of_service=END), pump(eri_date=date(2027, 4, 1))])
def test_pump_eri_warning_from_180_days_before_end_of_service_urgent_from_eri(p):
    s = snap(state(p=p))
    assert eri_alerts(s, datetime(2026, 12, 31, 23, 59, tzinfo=LONDON), T) == []
    (a,) = eri_alerts(s, datetime(2027, 1, 1, 0, 0, tzinfo=LONDON), T)
    assert (a.rule, a.severity) == ("pump.eri", Severity.WARNING)
    assert a.since == datetime(2027, 1, 1, 0, 0, tzinfo=LONDON) and a.source == SRC_ERI
    assert a.values == {"eri_date": "2027-04-01", "end_of_service": "2027-06-30",
                        "model": "SynchroMed II", "serial": "NGP123"}
    assert "Plan the replacement" in a.message
    (a,) = eri_alerts(s, datetime(2027, 3, 31, 23, 59, tzinfo=LONDON), T)
    assert a.severity is Severity.WARNING
    for now in (datetime(2027, 4, 1, 0, 0, tzinfo=LONDON), datetime(2027, 7, 15, 12, 0, tzinfo=LONDON)):
        (a,) = eri_alerts(s, now.astimezone(UTC), T)
        assert (a.rule, a.severity) == ("pump.eri", Severity.URGENT)
        assert a.since == datetime(2027, 4, 1, 0, 0, tzinfo=LONDON)  # BST midnight
        assert "replacement surgery is booked" in a.message
        assert a.key == "pump.eri:1:2027-04-01"


def test_pump_eri_is_quiet_without_dates_and_well_before_them():
    assert eri_alerts(snap(state(p=pump())), datetime(2027, 6, 1, tzinfo=UTC), T) == []
    assert eri_alerts(snap(state(p=pump(end_of_service=END))), datetime(2026, 6, 1, tzinfo=UTC), T) == []


def test_pump_eri_windows_are_settings():
    t = T.with_overrides({"pump.eri_warning_days": 200, "pump.eri_to_end_days": 60})
    s = snap(state(p=pump(end_of_service=END)))
    (a,) = eri_alerts(s, datetime(2026, 12, 12, 0, 0, tzinfo=LONDON), t)  # END - 200 days
    assert a.severity is Severity.WARNING and a.values["eri_date"] == "2027-05-01"
    assert eri_alerts(s, datetime(2026, 12, 11, 23, 59, tzinfo=LONDON), t) == []


# --- itb.dose_range and itb.dose_step --------------------------------------------------------------------

NOW = local(2026, 2, 1, 12)
CHANGE_AT = local(2026, 2, 1, 9)


@pytest.mark.parametrize("daily, fires", [(21.9, True), (22, False), (400, False), (1400, False),
                                          (1401, True), (5, True)])
def test_itb_dose_range_outside_22_to_1400_mcg_a_day(daily, fires):
    alerts = itb_dose_alerts(snap(versions=(itb(daily),)), NOW, T)
    if not fires:
        assert alerts == []
        return
    (a,) = alerts
    assert (a.rule, a.severity) == ("itb.dose_range", Severity.WARNING)
    assert a.values == {"daily_mcg": daily, "low": 22.0, "high": 1400.0}
    assert "22-1400 mcg/day" in a.message and a.source == SRC_ITB and a.since == ORDER_START


def test_itb_dose_rules_ignore_oral_and_stopped_orders():
    oral = Order(1, 1, OrderAction.START, Route.ORAL, ORDER_START, dose_mg=10,
                 times=("08:00", "14:00", "22:00"), frequency=Frequency.TDS)
    assert itb_dose_alerts(snap(versions=(oral,)), NOW, T) == []
    stop = Order(2, 1, OrderAction.STOP, Route.INTRATHECAL, CHANGE_AT, stop_reason="pump removed")
    assert itb_dose_alerts(snap(versions=(itb(5), stop)), NOW, T) == []


@pytest.mark.parametrize("before, after, fires", [
    (300, 420, False), (300, 421, True), (300, 240, False), (300, 239, True), (300, 330, False),
    (24, 33.6, False), (24, 19.2, False), (24, 33.7, True), (24, 19.1, True),
    (1000, 1400, False), (1000, 1401, True),
])
def test_itb_dose_step_over_plus_40_or_under_minus_20_percent(before, after, fires):
    versions = (itb(before), change(after, CHANGE_AT))
    steps = [a for a in itb_dose_alerts(snap(versions=versions), NOW, T) if a.rule == "itb.dose_step"]
    assert len(steps) == (1 if fires else 0)
    if fires:
        (a,) = steps
        assert a.severity is Severity.WARNING and a.since == CHANGE_AT and a.key == "itb.dose_step:1:2"
        assert a.values["previous_mcg"] == before and a.values["daily_mcg"] == after
        if after > before:
            assert "increase" in a.message and "drowsiness" in a.message
        else:
            assert "reduction" in a.message and "withdrawal" in a.message


def test_itb_dose_step_shows_only_during_the_monitoring_period_after_the_change():
    versions = (itb(300), change(500, CHANGE_AT))
    period = timedelta(hours=float(T.itb_monitor_after_change_hours))
    assert period == timedelta(hours=24)
    assert itb_dose_alerts(snap(versions=versions), CHANGE_AT - S, T) == []  # the old order in force
    (a,) = itb_dose_alerts(snap(versions=versions), CHANGE_AT, T)
    assert a.values["change_pct"] == pytest.approx(66.7)
    assert len(itb_dose_alerts(snap(versions=versions), CHANGE_AT + period - S, T)) == 1
    assert itb_dose_alerts(snap(versions=versions), CHANGE_AT + period, T) == []


def test_itb_dose_step_compares_with_the_intrathecal_order_before():
    oral = Order(1, 1, OrderAction.START, Route.ORAL, ORDER_START, dose_mg=20,
                 times=("08:00", "14:00", "22:00"), frequency=Frequency.TDS)
    assert itb_dose_alerts(snap(versions=(oral, itb(50, CHANGE_AT, oid=2))), NOW, T) == []
    three = (itb(100), change(130, CHANGE_AT - timedelta(days=3)), change(190, CHANGE_AT, oid=3))
    (a,) = itb_dose_alerts(snap(versions=three), NOW, T)  # 130 -> 190 is +46 %
    assert a.values["previous_mcg"] == 130 and a.values["change_pct"] == pytest.approx(46.2)


def test_itb_step_edges_are_settings():
    t = T.with_overrides({"itb.step_up_pct": 30, "itb.step_down_pct": 10})
    assert len(itb_dose_alerts(snap(versions=(itb(300), change(400, CHANGE_AT))), NOW, t)) == 1
    assert len(itb_dose_alerts(snap(versions=(itb(300), change(260, CHANGE_AT))), NOW, t)) == 1
    assert itb_dose_alerts(snap(versions=(itb(300), change(390, CHANGE_AT))), NOW, t) == []


# --- monitoring.overdue after a refill or a dose change -----------------------------------------------

EVERY = timedelta(hours=float(T.itb_monitor_every_hours))
PERIOD = timedelta(hours=float(T.itb_monitor_after_change_hours))


def test_the_monitoring_settings():
    assert (EVERY, PERIOD) == (timedelta(hours=4), timedelta(hours=24))


def test_observations_due_every_4_hours_after_a_refill():
    s = snap(state())
    assert itb_monitoring_alerts(s, REFILL_AT - S, T) == []
    assert itb_monitoring_alerts(s, REFILL_AT + EVERY, T) == []  # due, not yet overdue
    (a,) = itb_monitoring_alerts(s, REFILL_AT + EVERY + S, T)
    assert (a.rule, a.severity) == ("monitoring.overdue", Severity.WARNING)
    assert a.since == REFILL_AT + EVERY and a.source == SRC_MONITOR
    assert a.key == "monitoring.overdue:1:itbrefill1"
    assert a.values == {"due": "2026-01-10T14:00+00:00", "after": "refill"}
    assert "intrathecal refill at 10 Jan 2026 10:00" in a.message and "every 4 h" in a.message


def test_a_set_of_vitals_resets_the_clock_and_the_period_ends_after_24_hours():
    taken = (vitals(REFILL_AT + 3 * H, 1),)
    s = snap(state(), observations=taken)
    assert itb_monitoring_alerts(s, REFILL_AT + 7 * H, T) == []
    (a,) = itb_monitoring_alerts(s, REFILL_AT + 7 * H + S, T)
    assert a.since == REFILL_AT + 7 * H
    late = snap(state(), observations=(vitals(REFILL_AT + 19 * H, 2),))
    assert len(itb_monitoring_alerts(late, REFILL_AT + 23 * H + S, T)) == 1
    assert itb_monitoring_alerts(late, REFILL_AT + PERIOD, T) == []  # period over
    last = snap(state(), observations=(vitals(REFILL_AT + 20 * H, 3),))
    assert itb_monitoring_alerts(last, REFILL_AT + PERIOD - S, T) == []  # next due after the period


def test_observations_without_vital_signs_or_from_before_do_not_count():
    sedation = Observation(4, 1, REFILL_AT + H, poss=Poss.AWAKE)
    before = vitals(REFILL_AT - H, 5)
    s = snap(state(), observations=(before, sedation))
    (a,) = itb_monitoring_alerts(s, REFILL_AT + 5 * H, T)
    assert a.since == REFILL_AT + EVERY


def test_observations_due_after_an_intrathecal_dose_change_not_after_a_start():
    versions = (itb(300), change(330, CHANGE_AT))
    s = snap(None, versions=versions)
    (a,) = itb_monitoring_alerts(s, CHANGE_AT + EVERY + S, T)
    assert a.values["after"] == "dose change" and a.key == "monitoring.overdue:1:itbchange2"
    assert itb_monitoring_alerts(snap(None, versions=(itb(300, CHANGE_AT),)), CHANGE_AT + 5 * H, T) == []


def test_the_latest_refill_or_change_sets_the_clock():
    versions = (itb(300), change(330, REFILL_AT + 2 * H))
    s = snap(state(), versions=versions)
    assert itb_monitoring_alerts(s, REFILL_AT + 6 * H, T) == []  # due 4 h after the change
    (a,) = itb_monitoring_alerts(s, REFILL_AT + 6 * H + S, T)
    assert a.values["after"] == "dose change"


def test_monitoring_counts_elapsed_hours_across_the_spring_clock_change():
    r = refill(local(2026, 3, 28, 23))  # 23:00 GMT; clocks go forward at 01:00 GMT on 29 Mar
    (a,) = itb_monitoring_alerts(snap(state(r)), r.refilled_at + EVERY + S, T)
    assert a.values["due"] == "2026-03-29T04:00+01:00"  # 4 h later by the clock on the wall: 04:00 BST
    assert "Observations overdue since 29 Mar 04:00" in a.message


# --- withdrawal watches for intrathecal therapy (dose_alerts._itb_watches) --------------------------

WATCH = timedelta(hours=float(T.withdrawal_watch_hours))


def pump_watches(s: PatientSnapshot, now: datetime) -> list[tuple[str, str, datetime]]:
    return [(w.kind, w.key, w.started) for w in withdrawal_watches(s, now, T)]


def test_an_intrathecal_dose_reduction_starts_a_48_hour_watch():
    assert WATCH == timedelta(hours=48)
    s = snap(None, versions=(itb(400), change(300, CHANGE_AT)))
    assert pump_watches(s, CHANGE_AT - S) == []
    assert pump_watches(s, CHANGE_AT) == [("reduction", "itbdown2", CHANGE_AT)]
    assert pump_watches(s, CHANGE_AT + WATCH - S) == [("reduction", "itbdown2", CHANGE_AT)]
    assert pump_watches(s, CHANGE_AT + WATCH) == []
    (w,) = withdrawal_watches(s, CHANGE_AT + H, T)
    assert w.values == {"previous_mcg": 400, "daily_mcg": 300}
    assert w.reason == "intrathecal dose reduced from 400 to 300 mcg/day"


def test_an_intrathecal_dose_increase_starts_no_watch():
    s = snap(None, versions=(itb(300), change(400, CHANGE_AT)))
    assert pump_watches(s, CHANGE_AT + H) == []
    assert withdrawal_watch_alerts(s, CHANGE_AT + H, T) == []


def test_withdrawal_watch_alert_for_an_intrathecal_reduction():
    s = snap(None, versions=(itb(400), change(300, CHANGE_AT)))
    (a,) = withdrawal_watch_alerts(s, CHANGE_AT + H, T)
    assert (a.rule, a.severity) == ("withdrawal.watch", Severity.WARNING)
    assert a.since == CHANGE_AT and a.source == SRC_WATCH and a.key == "withdrawal.watch:1:itbdown2"
    assert "intrathecal dose reduced from 400 to 300 mcg/day" in a.message
    assert "until 03 Feb 09:00" in a.message and "every 4 h" in a.message


def test_a_critical_alarm_not_dealt_with_starts_a_watch_for_48_hours():
    s = snap(state(refill(daily=200), alarms=(heard(AlarmKind.CRITICAL),)))  # alarm date far off
    assert pump_watches(s, HEARD - S) == []
    assert pump_watches(s, HEARD) == [("pump", "alarm5", HEARD)]
    assert pump_watches(s, HEARD + WATCH - S) == [("pump", "alarm5", HEARD)]
    assert pump_watches(s, HEARD + WATCH) == []
    (a,) = withdrawal_watch_alerts(s, HEARD + H, T)
    assert (a.rule, a.severity, a.since) == ("withdrawal.watch", Severity.WARNING, HEARD)
    assert a.key == "withdrawal.watch:1:alarm5" and "critical pump alarm heard" in a.message
    assert a.values == {"alarm": "critical"}


@pytest.mark.parametrize("kind", [AlarmKind.LOW_RESERVOIR, AlarmKind.ERI])
def test_single_tone_alarms_start_no_watch(kind):
    s = snap(state(refill(daily=200), alarms=(heard(kind),)))
    assert pump_watches(s, HEARD + H) == []


def test_a_reservoir_calculated_empty_starts_a_watch_for_48_hours():
    s = snap(state())
    assert pump_watches(s, EMPTY_AT - S) == [("pump", "alarmdate1", ALARM_AT)]  # refill overdue
    assert pump_watches(s, EMPTY_AT) == [("pump", "empty1", EMPTY_AT)]
    assert pump_watches(s, EMPTY_AT + WATCH - S) == [("pump", "empty1", EMPTY_AT)]
    assert pump_watches(s, EMPTY_AT + WATCH) == []
    (a,) = withdrawal_watch_alerts(s, EMPTY_AT + H, T)
    assert (a.rule, a.since, a.key) == ("withdrawal.watch", EMPTY_AT, "withdrawal.watch:1:empty1")
    assert "pump reservoir calculated empty" in a.message and a.values == {"refill_id": 1}
    assert a.source == SRC_WATCH
    # the watch and pump.empty agree on when the reservoir ran out
    (empty,) = refill_alerts(s, EMPTY_AT + H, T)
    assert empty.rule == "pump.empty" and empty.since == a.since


def test_reduction_and_pump_problem_watches_stand_side_by_side():
    versions = (itb(400), change(300, EMPTY_AT - H))
    s = snap(state(), versions=versions)
    keys = [a.key for a in withdrawal_watch_alerts(s, EMPTY_AT + H, T)]
    assert keys == ["withdrawal.watch:1:itbdown2", "withdrawal.watch:1:empty1"]


# --- issue 18: refill overdue watch, reconciliation, pump events, post-refill watch ----------------


def test_the_withdrawal_watch_runs_from_the_alarm_date_until_a_late_refill_plus_the_watch():
    """clinical-rules §10: refill overdue → from the alarm date a withdrawal watch runs."""
    assert pump_watches(snap(state()), ALARM_AT - S) == []
    late = refill(ALARM_AT + timedelta(days=2), rid=2)  # refilled after the alarm date, not empty
    s = snap(state(refill(), late))
    assert pump_watches(s, ALARM_AT) == [("pump", "alarmdate1", ALARM_AT)]
    assert pump_watches(s, late.refilled_at + WATCH - S) == [("pump", "alarmdate1", ALARM_AT)]
    assert pump_watches(s, late.refilled_at + WATCH) == []
    (a,) = withdrawal_watch_alerts(s, ALARM_AT + H, T)
    assert a.key == "withdrawal.watch:1:alarmdate1" and "alarm date passed" in a.message
    in_time = refill(ALARM_AT - H, rid=2)  # refilled before the alarm date: no watch
    assert pump_watches(snap(state(refill(), in_time)), ALARM_AT + H) == []


def _refilled(withdrawn: float | None, days: float = 30, conc: float = 500,
              daily: float = 100) -> tuple[Refill, Refill]:
    first = Refill(1, 1, REFILL_AT, 20, conc, daily, 2, by="nurse1", witness="nurse2")
    second = Refill(2, 1, REFILL_AT + timedelta(days=days), 20, conc, daily, 2, by="nurse1",
                    witness="nurse2", withdrawn_ml=withdrawn)
    return first, second


@pytest.mark.parametrize(("withdrawn", "raised"), [
    (14.0, False), (14.87, False), (13.13, False),  # 6 mL due: limit 0.87 mL (14.5 %)
    (14.88, True), (13.12, True), (None, False)])
def test_volume_discrepancy_at_the_limit(withdrawn, raised):
    first, second = _refilled(withdrawn)
    found = volume_alerts(snap(state(first, second)), second.refilled_at + H, T)
    assert bool(found) is raised
    if raised:
        (a,) = found
        assert (a.rule, a.severity, a.since) == ("pump.volume_discrepancy", Severity.URGENT,
                                                 second.refilled_at)
        assert "14.0 mL expected" in a.message and "ITB team" in a.message
        assert ("over-infusing" in a.message) is (withdrawn < 14)
        assert ("catheter" in a.message) is (withdrawn > 14)
        assert a.values["limit_ml"] == 0.87 and a.key == "pump.volume_discrepancy:1:2"


def test_volume_discrepancy_stays_until_an_interrogation_after_the_refill():
    first, second = _refilled(10.0)
    before = PumpEvent(1, 1, EventKind.INTERROGATION, second.refilled_at - H)
    after = PumpEvent(2, 1, EventKind.INTERROGATION, second.refilled_at + 2 * H)
    s = snap(PumpState(pump(), (first, second), events=(before,)))
    assert volume_alerts(s, second.refilled_at + 3 * H, T)
    s = snap(PumpState(pump(), (first, second), events=(before, after)))
    assert volume_alerts(s, second.refilled_at + H, T)  # not yet interrogated at that moment
    assert volume_alerts(s, second.refilled_at + 3 * H, T) == []


@pytest.mark.parametrize("kind", [EventKind.MRI, EventKind.HYPERBARIC])
def test_pump_check_due_after_mri_or_hyperbaric_until_an_interrogation(kind):
    at = REFILL_AT + timedelta(days=5)
    event = PumpEvent(3, 1, kind, at, by="nurse1", note="1.5 T scan")
    assert check_due_alerts(snap(PumpState(pump(), (refill(),), events=(event,))), at - S, T) == []
    (a,) = check_due_alerts(snap(PumpState(pump(), (refill(),), events=(event,))), at, T)
    assert (a.rule, a.severity, a.since) == ("pump.check_due", Severity.URGENT, at)
    assert "interrogate" in a.message and a.key == "pump.check_due:1:3"
    earlier = PumpEvent(4, 1, EventKind.INTERROGATION, at - H)
    assert check_due_alerts(snap(PumpState(pump(), events=(earlier, event))), at + H, T)
    checked = PumpEvent(5, 1, EventKind.INTERROGATION, at)  # at the same moment: counts
    s = snap(PumpState(pump(), events=(event, checked)))
    assert check_due_alerts(s, at + H, T) == []


def test_an_interrogation_alone_raises_nothing():
    s = snap(PumpState(pump(), events=(PumpEvent(1, 1, EventKind.INTERROGATION, REFILL_AT),)))
    assert check_due_alerts(s, REFILL_AT + H, T) == []


def sedation_set(at: datetime, oid: int = 1) -> Observation:
    return Observation(oid, 1, at, rr=16, spo2=97, on_oxygen=False, sbp=120, hr=70,
                       acvpu=Acvpu.ALERT, temp=37.0, poss=Poss.AWAKE)


def test_post_refill_watch_hourly_for_four_hours():
    """clinical-rules §10: sedation, RR and NEWS2 hourly for 4 h after every refill."""
    s = snap(state())
    assert post_refill_due(s, REFILL_AT - S, T) is None
    assert post_refill_due(s, REFILL_AT, T) == (REFILL_AT + H, REFILL_AT + 4 * H)
    assert post_refill_alerts(s, REFILL_AT + H, T) == []  # due, not yet overdue
    (a,) = post_refill_alerts(s, REFILL_AT + H + S, T)
    assert (a.rule, a.severity, a.since) == ("monitoring.overdue", Severity.WARNING,
                                             REFILL_AT + H)
    assert a.key == "monitoring.overdue:1:postrefill1" and "Post-refill check" in a.message
    assert post_refill_due(s, REFILL_AT + 4 * H, T) is None  # the watch is over
    # a check with sedation moves the next one an hour on; vital signs alone do not
    checked = snap(state(), observations=(sedation_set(REFILL_AT + 50 * timedelta(minutes=1)),))
    assert post_refill_due(checked, REFILL_AT + H + S, T)[0] == REFILL_AT + 110 * timedelta(  # type: ignore[index]
        minutes=1)
    assert post_refill_alerts(checked, REFILL_AT + H + S, T) == []
    vitals_only = snap(state(), observations=(vitals(REFILL_AT + 50 * timedelta(minutes=1)),))
    assert post_refill_alerts(vitals_only, REFILL_AT + H + S, T)
    late = snap(state(), observations=(sedation_set(REFILL_AT + 3 * H + 30 * timedelta(minutes=1)),))
    assert post_refill_due(late, REFILL_AT + 3 * H + 40 * timedelta(minutes=1), T) is None
