"""The dose rules on plain snapshots: late, missed, daily maximum, withdrawal watch, NPO."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from ward_app.domain.alerts import PatientSnapshot, Severity
from ward_app.domain.dose_alerts import (
    dose_alerts,
    max_daily_alerts,
    npo_alerts,
    withdrawal_watch_alerts,
)
from ward_app.domain.mar import Outcome, Record
from ward_app.domain.orders import Frequency, Order, OrderAction, Route
from ward_app.domain.patient import Flag, Patient
from ward_app.domain.rules import Thresholds

LONDON = ZoneInfo("Europe/London")
T = Thresholds.defaults()
START = datetime(2026, 11, 20, 0, 0, tzinfo=UTC)
TDS = ("08:00", "14:00", "22:00")


def patient(*flags: Flag) -> Patient:
    return Patient(1, "RX1", "Ann Example", date(1960, 1, 1), "3", "Ward 7", flags=frozenset(flags))


def oral(dose: float = 10, times=TDS, override: str | None = None, route=Route.ORAL) -> Order:
    return Order(1, 1, OrderAction.START, route, START, dose_mg=dose, times=times,
                 frequency=Frequency.TDS, override_reason=override)


def rec(rid: int, due: datetime, outcome: Outcome = Outcome.GIVEN) -> Record:
    return Record(rid, 1, 1, due, outcome, 10, None, None, None, None, due, due, "nurse")


def snap(*records: Record, order: Order | None = None, flags=()) -> PatientSnapshot:
    return PatientSnapshot(patient(*flags), (order or oral(),), tuple(records), LONDON)


def day(hh: int, mm: int = 0) -> datetime:
    return datetime(2026, 11, 25, hh, mm, tzinfo=UTC)  # GMT in November: UTC == ward time


def given_until(until: datetime) -> list[Record]:
    """Every dose from START given on time, up to (not including) ``until``."""
    out, rid, t = [], 1, START
    while t < until:
        for clock in TDS:
            hh, mm = map(int, clock.split(":"))
            due = t.replace(hour=hh, minute=mm)
            if due < until:
                out.append(rec(rid, due))
                rid += 1
        t += timedelta(days=1)
    return out


def rules_at(now: datetime, *records: Record) -> list[tuple[str, str]]:
    s = snap(*records)
    return [(a.rule, a.severity.label) for a in dose_alerts(s, now, T)]


def test_the_issue_example():
    history = given_until(day(8))
    assert rules_at(day(8, 20), *history) == []
    assert rules_at(day(8, 45), *history) == [("dose.late", "warning")]
    assert rules_at(day(10, 5), *history) == [("dose.missed", "urgent")]
    late = rec(999, day(8), Outcome.GIVEN_LATE)
    assert rules_at(day(10, 10), *history, late) == []


def test_alert_carries_values_since_and_source():
    history = given_until(day(8))
    (alert,) = dose_alerts(snap(*history), day(10, 5), T)
    assert alert.since == day(10)
    assert alert.values == {"due": "2026-11-25T08:00+00:00", "dose_mg": 10, "minutes_overdue": 125,
                            "next_due": "2026-11-25T14:00+00:00"}
    assert "clinical-rules §2" in alert.source
    assert alert.key == f"dose.missed:1:{day(8).isoformat()}"
    assert alert.to_json(LONDON)["since"] == "2026-11-25T10:00:00+00:00"


def test_yesterdays_missed_dose_says_which_day():
    history = given_until(day(8) - timedelta(hours=10))  # 22:00 yesterday not recorded
    alerts = dose_alerts(snap(*history, rec(500, day(8))), day(9), T)
    assert [a.rule for a in alerts] == ["dose.missed"]
    assert "24 Nov 22:00" in alerts[0].message


def test_doses_beyond_the_look_back_stop_alerting():
    now = START + timedelta(days=3, hours=12)  # nothing ever recorded
    alerts = dose_alerts(snap(), now, T)
    dues = sorted(datetime.fromisoformat(a.values["due"]) for a in alerts)
    assert dues and dues[0] >= now - timedelta(hours=24)
    assert len(alerts) == 3  # only the last 24 hours' doses


def test_max_daily_warning_and_urgent_with_override_shown():
    assert max_daily_alerts(snap(order=oral(20)), day(9), T) == []  # 60 mg/day
    assert max_daily_alerts(snap(order=oral(20, times=("08:00", "12:00", "16:00", "22:00"))),
                            day(9), T) == []  # exactly 80 mg/day is allowed
    (warn,) = max_daily_alerts(snap(order=oral(30, override="AUD protocol")), day(9), T)
    assert (warn.rule, warn.severity) == ("dose.max_daily", Severity.WARNING)
    assert "AUD protocol" in warn.message and warn.values["daily_mg"] == 90
    (urgent,) = max_daily_alerts(snap(order=oral(40, override="AUD protocol")), day(9), T)
    assert urgent.severity is Severity.URGENT and urgent.values["limit_mg"] == 100


def test_two_consecutive_missed_or_omitted_doses_start_a_withdrawal_watch():
    history = given_until(day(8) - timedelta(hours=10))
    one_omitted = [*history, rec(900, day(8) - timedelta(hours=10), Outcome.REFUSED)]
    assert withdrawal_watch_alerts(snap(*one_omitted, rec(901, day(8))), day(11), T) == []
    # 22:00 refused, 08:00 missed: a watch from when 08:00 became missed (10:00).
    (watch,) = withdrawal_watch_alerts(snap(*one_omitted), day(11), T)
    assert watch.rule == "withdrawal.watch" and watch.since == day(10)
    assert watch.values["states"] == ["refused", "missed"]
    assert "every 4 h" in watch.message
    # 48 hours later the watch is over (and later doses were given).
    later = [*one_omitted, *[r for r in given_until(day(8) + timedelta(days=3)) if r.due > day(8)]]
    assert withdrawal_watch_alerts(snap(*later), day(10) + timedelta(hours=47), T)
    assert withdrawal_watch_alerts(snap(*later), day(10) + timedelta(hours=49), T) == []


def test_an_abrupt_stop_for_a_serious_reaction_starts_a_watch():
    stop = Order(2, 1, OrderAction.STOP, Route.ORAL, day(9), stop_reason="serious_adverse_reaction",
                 prescriber="Dr Khan")
    s = PatientSnapshot(patient(), (oral(), stop), tuple(given_until(day(9))), LONDON)
    (watch,) = withdrawal_watch_alerts(s, day(12), T)
    assert "Dr Khan" in watch.message and watch.since == day(9)
    # clinical-rules §10: never "restore baclofen" after a stop for a serious adverse reaction
    assert "check for withdrawal signs" in watch.message
    assert watch.message.endswith("do not restart without the prescriber.")
    assert "restore" not in watch.message.lower()
    assert withdrawal_watch_alerts(s, day(9) + timedelta(hours=49), T) == []
    assert dose_alerts(s, day(16), T) == []  # no doses are due after the stop


def test_nil_by_mouth_on_oral_baclofen_is_urgent_but_not_on_enteral():
    (npo,) = npo_alerts(snap(flags=(Flag.NPO,)), day(9), T)
    assert (npo.rule, npo.severity) == ("route.npo", Severity.URGENT)
    assert "enteral" in npo.message
    assert npo_alerts(snap(order=oral(route=Route.ENTERAL), flags=(Flag.NPO,)), day(9), T) == []
    assert npo_alerts(snap(), day(9), T) == []


def test_a_watch_after_missed_doses_still_says_restore():
    history = given_until(day(8) - timedelta(hours=10))
    refused = rec(900, day(8) - timedelta(hours=10), Outcome.REFUSED)
    (watch,) = withdrawal_watch_alerts(snap(*history, refused), day(11), T)
    assert "ask the prescriber how to restore baclofen" in watch.message


def test_a_watch_after_missed_doses_then_a_serious_reaction_stop_never_says_restore():
    history = given_until(day(8) - timedelta(hours=10))
    refused = rec(900, day(8) - timedelta(hours=10), Outcome.REFUSED)
    stop = Order(2, 1, OrderAction.STOP, Route.ORAL, day(10, 30),
                 stop_reason="serious_adverse_reaction", prescriber="Dr Khan")
    s = PatientSnapshot(patient(), (oral(), stop), (*history, refused), LONDON)
    watches = withdrawal_watch_alerts(s, day(11), T)
    assert len(watches) == 2
    assert all("restore" not in w.message and "do not restart without the prescriber" in w.message
               for w in watches)


# --- The 30-minute boundary (clinical-rules §9) ---------------------------------------------------


def test_exactly_the_window_after_due_is_not_yet_late():
    history = given_until(day(8))
    at = day(8, 30)
    assert rules_at(at - timedelta(seconds=1), *history) == []
    assert rules_at(at, *history) == []
    assert rules_at(at + timedelta(seconds=1), *history) == [("dose.late", "warning")]
    assert rules_at(at + timedelta(minutes=1), *history) == [("dose.late", "warning")]
    (late,) = dose_alerts(snap(*history), at + timedelta(minutes=1), T)
    assert late.since == at  # late from (after) 08:30


# --- Late and missed wording: the next dose and no doubling (clinical-rules §9) -------------------


def test_missed_dose_names_the_next_dose_and_the_no_doubling_rule():
    history = given_until(day(8))
    (alert,) = dose_alerts(snap(*history), day(10, 50), T)
    assert alert.rule == "dose.missed"
    assert ("Next dose due 14:00 (in 3 h 10 min). Give this one now only if the next is more than "
            "4 h away; otherwise record it as omitted and give the next on time — never two doses "
            "to make up for one.") in alert.message
    assert "prescriber" in alert.message
    assert "Give it now" not in alert.message and "give it now" not in alert.message


def test_late_dose_names_the_next_dose_and_the_no_doubling_rule():
    history = given_until(day(8))
    (alert,) = dose_alerts(snap(*history), day(8, 45), T)
    assert alert.rule == "dose.late"
    assert "Next dose due 14:00 (in 5 h 15 min)" in alert.message
    assert "never two doses to make up for one" in alert.message


def test_catch_up_wording_follows_the_minimum_interval_setting():
    history = given_until(day(8))
    t = T.with_overrides({"dose.min_interval_hours": 3})
    (alert,) = dose_alerts(snap(*history), day(10, 50), t)
    assert "more than 3 h away" in alert.message


def test_a_missed_dose_when_the_next_is_already_due_says_record_it_omitted():
    qds = oral(times=("08:00", "09:00", "16:00"))  # 09:00 comes before 08:00 is 2 h late
    history = [r for r in given_until(day(8)) if r.due.hour in (8, 14, 22)]  # only TDS slots
    s = PatientSnapshot(patient(), (qds,), tuple(history), LONDON)
    alerts = [a for a in dose_alerts(s, day(9, 5), T) if a.values["due"].endswith("08:00+00:00")]
    (alert,) = alerts
    assert alert.rule == "dose.missed"
    assert "The next dose (09:00) is already due: record this one as omitted" in alert.message
    assert "Give this one now" not in alert.message


def test_a_missed_dose_with_no_next_dose_says_so():
    stop = Order(2, 1, OrderAction.STOP, Route.ORAL, day(9), stop_reason="taper finished",
                 prescriber="Dr Khan")
    s = PatientSnapshot(patient(), (oral(), stop), tuple(given_until(day(8))), LONDON)
    (alert,) = dose_alerts(s, day(10, 5), T)
    assert alert.rule == "dose.missed" and alert.values["next_due"] is None
    assert "No next dose is scheduled" in alert.message
    assert "never two doses to make up for one" in alert.message


# --- Nil by mouth: the flag or an omission for it (clinical-rules §5, §10) ------------------------


def nbm(rid: int, due: datetime, outcome: Outcome = Outcome.OMITTED,
        reason: str = "nil_by_mouth") -> Record:
    return Record(rid, 1, 1, due, outcome, None, None, reason, None, None, due, due, "nurse")


def test_a_dose_omitted_for_nil_by_mouth_raises_route_npo_without_the_flag():
    history = given_until(day(8))
    (npo,) = npo_alerts(snap(*history, nbm(900, day(8))), day(9), T)
    assert (npo.rule, npo.severity) == ("route.npo", Severity.URGENT)
    assert npo.since == day(8) and npo.key == "route.npo:1:1"
    assert "nil by mouth (08:00)" in npo.message
    assert "(a) baclofen oral solution (liquid) via an enteral tube" in npo.message
    assert "IV baclofen is not licensed in many countries; ask the prescriber" in npo.message
    assert npo.values == {"order_id": 1, "oral_daily_mg": 30,
                          "nil_by_mouth_doses": ["2026-11-25T08:00+00:00"]}


def test_the_bridging_figure_shows_only_where_iv_baclofen_is_available():
    history = given_until(day(8))
    t = T.with_overrides({"bridge.iv_available": True})
    (npo,) = npo_alerts(snap(*history, nbm(900, day(8))), day(9), t)
    assert ("intravenous baclofen at 80 % of the oral daily dose = 24 mg/day (calculated: the "
            "prescriber decides)") in npo.message
    assert "not licensed" not in npo.message
    assert npo.values["oral_daily_mg"] == 30 and npo.values["iv_daily_mg"] == 24


@pytest.mark.parametrize("record", [
    nbm(900, day(8), Outcome.HELD),  # held for nil by mouth
    nbm(900, day(8), Outcome.REFUSED),
])
def test_any_not_given_outcome_for_nil_by_mouth_counts(record):
    assert npo_alerts(snap(*given_until(day(8)), record), day(9), T)


def test_omissions_for_other_reasons_or_given_doses_do_not_raise_route_npo():
    history = given_until(day(8))
    assert npo_alerts(snap(*history, nbm(900, day(8), reason="vomiting")), day(9), T) == []
    assert npo_alerts(snap(*history, nbm(900, day(8), Outcome.GIVEN)), day(9), T) == []
    error = Record(901, 1, 1, day(8), Outcome.ENTERED_IN_ERROR, None, None, "wrong patient", None,
                   900, day(8), day(8), "nurse")
    assert npo_alerts(snap(*history, nbm(900, day(8)), error), day(9), T) == []


def test_a_nil_by_mouth_omission_stops_alerting_after_the_look_back():
    s = snap(*given_until(day(8)), nbm(900, day(8)))
    assert npo_alerts(s, day(8) + timedelta(hours=24), T)
    assert npo_alerts(s, day(8) + timedelta(hours=24, seconds=1), T) == []


def test_a_nil_by_mouth_omission_on_an_enteral_order_or_after_a_stop_raises_nothing():
    history = given_until(day(8))
    enteral = snap(*history, nbm(900, day(8)), order=oral(route=Route.ENTERAL))
    assert npo_alerts(enteral, day(9), T) == []
    stop = Order(2, 1, OrderAction.STOP, Route.ORAL, day(8, 30), stop_reason="x")
    stopped = PatientSnapshot(patient(), (oral(), stop), (*history, nbm(900, day(8))), LONDON)
    assert npo_alerts(stopped, day(9), T) == []


def test_the_flag_and_an_omission_make_one_alert():
    (npo,) = npo_alerts(snap(*given_until(day(8)), nbm(900, day(8)), flags=(Flag.NPO,)), day(9), T)
    assert npo.message.startswith("Nil by mouth on oral baclofen.")
    assert npo.values["nil_by_mouth_doses"] == ["2026-11-25T08:00+00:00"]
