"""The dose rules on plain snapshots: late, missed, daily maximum, withdrawal watch, NPO."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

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
    assert alert.values == {"due": "2026-11-25T08:00+00:00", "dose_mg": 10, "minutes_overdue": 125}
    assert "clinical-rules §2" in alert.source and "Give it now" in alert.message
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
    assert withdrawal_watch_alerts(s, day(9) + timedelta(hours=49), T) == []
    assert dose_alerts(s, day(16), T) == []  # no doses are due after the stop


def test_nil_by_mouth_on_oral_baclofen_is_urgent_but_not_on_enteral():
    (npo,) = npo_alerts(snap(flags=(Flag.NPO,)), day(9), T)
    assert (npo.rule, npo.severity) == ("route.npo", Severity.URGENT)
    assert "enteral" in npo.message
    assert npo_alerts(snap(order=oral(route=Route.ENTERAL), flags=(Flag.NPO,)), day(9), T) == []
    assert npo_alerts(snap(), day(9), T) == []
