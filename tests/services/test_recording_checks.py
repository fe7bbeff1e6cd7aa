"""The checks at the moment a dose is recorded and the prescribing cautions (clinical-rules §9),
at their boundaries, through the services on real SQLite files; every refusal writes nothing.
Then, as properties of the pure checks (domain/dose_checks.py), what a nurse trying random
recordings can never get past: the rolling daily total and the minimum interval."""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests import typed
from tests.conftest import ADMIN_PASSWORD, acting, database_state, pw
from tests.services.test_orders_and_mar import Clock
from ward_app.domain import dose_checks
from ward_app.domain.dose_checks import Safe, Situation, Stop
from ward_app.domain.errors import InvalidInput, Refused
from ward_app.domain.mar import Outcome, Record, effective_records, given_outcome
from ward_app.domain.orders import Frequency, Order, OrderAction, Route
from ward_app.domain.rules import Thresholds
from ward_app.domain.schedule import DueDose, due_doses
from ward_app.services import mar, orders
from ward_app.services.admin import add_user, init_ward
from ward_app.services.context import open_context
from ward_app.services.observations import correct_observation
from ward_app.services.patients import NewPatient, add_patient
from ward_app.storage import audit

PHARMACIST = "pharm.chen"
SECOND = "nurse.okafor"  # user 2: the second nurse who confirms an override
NURSE = "nurse.jones"  # user 5: records the doses
DAY = "2026-11-25"  # Europe/London is on UTC in November: ward time is UTC


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime(2026, 11, 25, 7, 0, tzinfo=UTC))


@pytest.fixture(scope="module")
def _template(tmp_path_factory) -> Path:
    """The ward, built once for the module (passwords are slow to hash) and copied for each test.
    Users by id: 1 admin, 2 nurse.okafor, 3 charge.silva, 4 pharm.chen, 5 nurse.jones; RX1 (for
    oral orders) and RX2 (a pump patient), admitted before every act time the tests give."""
    path = tmp_path_factory.mktemp("checks") / "template.db"
    return build_template(path, ((SECOND, "nurse"), ("charge.silva", "charge_nurse"),
                                 (PHARMACIST, "pharmacist"), (NURSE, "nurse")),
                          datetime(2026, 3, 1, tzinfo=UTC))


def build_template(path: Path, users: tuple[tuple[str, str], ...], at: datetime) -> Path:
    """A ward with ``users`` (name, role) after its admin, and RX1 (for oral orders) and RX2 (a
    pump patient) admitted by the charge nurse at ``at``: built once per module and copied."""
    ctx = init_ward(path, ward="Ward 7", tz="Europe/London", admin_password=ADMIN_PASSWORD,
                    clock=lambda: at)
    try:
        for name, role in users:
            add_user(ctx, name, role, pw(name))
        with acting(ctx, "charge.silva"):
            add_patient(ctx, NewPatient(mrn="RX1", name="Test Patient", dob=date(1970, 1, 1),
                                        bed="1"))
            add_patient(ctx, NewPatient(mrn="RX2", name="Pump Patient", dob=date(1980, 1, 1),
                                        bed="2"))
    finally:
        ctx.close()
    return path


@pytest.fixture
def ward7(tmp_path, clock, _template):
    """A fresh copy of the template ward acting as nurse.jones, on the ``clock``."""
    path = tmp_path / "w.db"
    shutil.copyfile(_template, path)
    ctx = open_context(path, clock=clock, user=NURSE)
    yield ctx
    ctx.close()


def at(ctx, clock: Clock, when: str) -> None:
    """Move the act clock to ``when``: 'HH:MM[:SS]' on DAY, or a full ward-time ISO."""
    clock.set(when if "T" in when else f"{DAY}T{when}", ctx.zone)


def prescribe(ctx, *, mrn: str = "RX1", dose_mg: float = 10, freq: str | None = "TDS",
              times: str | None = None, start: datetime | None = None, ack: bool = False) -> Order:
    """An oral order written by the pharmacist, whoever is acting otherwise."""
    with acting(ctx, PHARMACIST):
        return typed.add_order(ctx, typed.OrderText(mrn=mrn, route="oral", dose_mg=dose_mg,
                                                     freq=freq, times=times, start=start,
                                                     ack_warnings=ack))


def override(ctx, reason: str | None, second: str | None = None,
             password: str | None = None) -> mar.Override:
    return mar.Override(reason=reason, witness_id=typed.uid(ctx, second, "override-witness"),
                        witness_password=password if password is not None
                        else typed.typed_password(second))


def give(ctx, clock: Clock, due: str, when: str, *, mrn: str = "RX1",
         over: mar.Override | None = None) -> mar.Recorded:
    """Give the dose due at ``due`` (as ``at`` reads it) at ``when``."""
    at(ctx, clock, when)
    return typed.give(ctx, mrn, due if "T" in due else f"{DAY}T{due}", override=over)


def due_at(ctx, due: str) -> datetime:
    return datetime.fromisoformat(due if "T" in due else f"{DAY}T{due}").replace(
        tzinfo=ctx.zone).astimezone(UTC)


def refused(ctx, kind: type[Exception], call, *, logins: bool = False, match: str | None = None):
    """``call()`` raises ``kind`` and the database is as it was (``logins``: but the failed
    password's audit row and count)."""
    before = database_state(ctx.path, but_logins=logins)
    with pytest.raises(kind, match=match) as info:
        call()
    assert database_state(ctx.path, but_logins=logins) == before
    return info.value


def hard_stop(ctx, call, rule: str, match: str | None = None) -> Refused:
    exc = refused(ctx, Refused, call, match=match)
    assert not isinstance(exc, mar.NeedsOverride), exc
    assert exc.rule == rule, (exc.rule, str(exc))
    return exc


def soft_stop(ctx, call, rules: list[str], match: str | None = None) -> mar.NeedsOverride:
    exc = refused(ctx, mar.NeedsOverride, call, match=match)
    assert [f.rule for f in exc.findings] == rules, str(exc)
    assert all(f.stop is Stop.SOFT for f in exc.findings)
    assert exc.rule == rules[0]
    return exc


def stored(ctx, record_id: int) -> tuple:
    row = ctx.db.execute("SELECT outcome, flags, override_reason, override_by FROM administrations "
                         "WHERE id = ?", [record_id]).fetchone()
    return row[0], json.loads(row[1]), row[2], row[3]


def entry(ctx, due: datetime) -> mar.MarEntry:
    _, entries = typed.mar_day(ctx, "RX1", due.astimezone(ctx.zone).date())
    (found,) = [e for e in entries if e.due == due and not e.corrected]
    return found


def observe(ctx, clock: Clock, when: str, mrn: str = "RX1", **values) -> int:
    at(ctx, clock, when)
    return typed.add_observation(ctx, typed.ObsText(mrn=mrn, **values)).observation.id


# --- Early, on time, late ---------------------------------------------------------------------

@pytest.mark.parametrize("when", ["13:30:00", "13:45", "14:00", "14:30:00"])
def test_within_30_min_of_due_either_side_is_on_time_and_unflagged(ward7, clock, when):
    prescribe(ward7)
    at(ward7, clock, when)
    assert mar.check_dose(ward7, 1, due_at(ward7, "14:00")) == []
    done = give(ward7, clock, "14:00", when)
    assert (done.outcome, done.flags) == (Outcome.GIVEN, ())
    assert stored(ward7, done.record_id) == ("given", [], None, None)


@pytest.mark.parametrize("when", ["14:30:01", "14:31"])
def test_after_30_min_past_due_it_is_given_late(ward7, clock, when):
    prescribe(ward7)
    done = give(ward7, clock, "14:00", when)
    assert (done.outcome, done.flags) == (Outcome.GIVEN_LATE, ())
    assert entry(ward7, due_at(ward7, "14:00")).state.value == "given_late"


@pytest.mark.parametrize("when, early", [("13:29:59", "30 min"), ("13:29", "31 min"),
                                         ("12:30", "1 h 30 min"), ("12:00:00", "2 h")])
def test_30_min_to_2_h_early_is_a_soft_stop(ward7, clock, when, early):
    prescribe(ward7)
    exc = soft_stop(ward7, lambda: give(ward7, clock, "14:00", when), ["dose.early"],
                    match=f"The 14:00 dose is {early} early")
    assert not exc.second_user and dose_checks.safe_choice(exc.findings) is Safe.WAIT
    assert exc.findings[0].flag == "given_early"
    assert "Wait until 13:30" in str(exc) and "give the reason" in str(exc)
    # what the record dialog shows before saving is the same finding, and writes nothing
    before = database_state(ward7.path)
    assert [f.rule for f in mar.check_dose(ward7, 1, due_at(ward7, "14:00"))] == ["dose.early"]
    assert database_state(ward7.path) == before


@pytest.mark.parametrize("when", ["11:59:59", "11:59", "09:00"])
def test_more_than_2_h_early_is_a_hard_stop_even_with_a_reason(ward7, clock, when):
    prescribe(ward7)
    hard_stop(ward7, lambda: give(ward7, clock, "14:00", when), "dose.too_early",
              match="record it against the dose it really was")
    exc = hard_stop(ward7, lambda: give(ward7, clock, "14:00", when,
                                        over=override(ward7, "patient going to theatre")),
                    "dose.too_early")
    assert "cannot be recorded as given" in str(exc)


def test_an_early_dose_given_with_a_reason_is_given_and_flagged(ward7, clock):
    prescribe(ward7)
    refused(ward7, InvalidInput, lambda: give(ward7, clock, "14:00", "12:00",
                                              over=override(ward7, "bad\x07reason")),
            match="control characters")
    soft_stop(ward7, lambda: give(ward7, clock, "14:00", "12:00", over=override(ward7, "   ")),
              ["dose.early"])  # a blank reason is no reason
    done = give(ward7, clock, "14:00", "12:00", over=override(ward7, "going to theatre at 13:00"))
    assert (done.outcome, done.flags) == (Outcome.GIVEN, ("given_early",))
    assert stored(ward7, done.record_id) == ("given", ["given_early"], "going to theatre at 13:00",
                                             None)
    e = entry(ward7, due_at(ward7, "14:00"))
    assert (e.flags, e.override_reason, e.override_by) == (("given_early",),
                                                          "going to theatre at 13:00", None)
    assert e.flag_text() == "GIVEN EARLY: going to theatre at 13:00"
    shown = e.to_json(ward7.zone)
    assert (shown["state"], shown["flags"], shown["override_reason"], shown["override_by"]) == (
        "given", ["given_early"], "going to theatre at 13:00", None)
    detail = audit.entries(ward7.db, patient_id=1)[0]["detail"]
    assert (detail["flags"], detail["override_reason"], detail["checks"]) == (
        ["given_early"], "going to theatre at 13:00", ["dose.early"])


def test_a_reason_for_a_dose_on_time_raises_no_flag(ward7, clock):
    prescribe(ward7)
    done = give(ward7, clock, "14:00", "14:00", over=override(ward7, "no check to override"))
    assert stored(ward7, done.record_id)[:2] == ("given", [])


# --- Catching up --------------------------------------------------------------------------------

def test_a_late_dose_is_given_only_while_the_next_is_more_than_4_h_away(ward7, clock):
    prescribe(ward7)
    at(ward7, clock, "10:00")
    (finding,) = mar.check_dose(ward7, 1, due_at(ward7, "08:00"))
    assert (finding.rule, finding.stop, finding.safe) == ("dose.catch_up", Stop.HARD, Safe.OMIT)
    exc = hard_stop(ward7, lambda: give(ward7, clock, "08:00", "10:00"), "dose.catch_up",
                    match="next dose is due at 14:00, in 4 h: a missed dose is given only when "
                          "the next is more than 4 h away")
    assert "never two doses to make up for one" in str(exc)
    hard_stop(ward7, lambda: give(ward7, clock, "08:00", "10:00",
                                  over=override(ward7, "patient asked")), "dose.catch_up")
    done = give(ward7, clock, "08:00", "09:59")  # the next is 4 h 01 min away
    assert (done.outcome, done.flags) == (Outcome.GIVEN_LATE, ())


@pytest.mark.parametrize("when", ["14:00", "14:30", "15:00"])
def test_no_catching_up_once_the_next_dose_is_due(ward7, clock, when):
    prescribe(ward7)
    hard_stop(ward7, lambda: give(ward7, clock, "08:00", when), "dose.catch_up",
              match=r"the next dose \(14:00\) is already due")


def test_the_last_dose_of_the_day_caught_up_overnight(ward7, clock):
    prescribe(ward7)
    hard_stop(ward7, lambda: give(ward7, clock, "22:00", "2026-11-26T04:00"), "dose.catch_up")
    assert give(ward7, clock, "22:00", "2026-11-26T03:59").outcome is Outcome.GIVEN_LATE


# --- Minimum interval ---------------------------------------------------------------------------

def test_doses_on_time_4_h_apart_pass_even_when_given_closer(ward7, clock):
    prescribe(ward7, freq=None, times="08:00,12:00,18:00")
    assert give(ward7, clock, "08:00", "08:25").flags == ()
    at(ward7, clock, "11:40")  # 3 h 15 min after, but both on time: they count at 08:00 and 12:00
    assert mar.check_dose(ward7, 1, due_at(ward7, "12:00")) == []
    assert give(ward7, clock, "12:00", "11:40").flags == ()


def test_an_early_dose_counts_when_given_exactly_4_h_is_allowed(ward7, clock):
    prescribe(ward7, freq=None, times="08:00,12:00,18:00")
    give(ward7, clock, "08:00", "07:00", over=override(ward7, "early round"))  # counts at 07:00
    at(ward7, clock, "11:00")
    assert [f.rule for f in mar.check_dose(ward7, 1, due_at(ward7, "12:00"))] == ["dose.early"]
    at(ward7, clock, "10:59")
    assert [f.rule for f in mar.check_dose(ward7, 1, due_at(ward7, "12:00"))] == [
        "dose.early", "dose.min_interval"]


def test_closer_than_the_minimum_interval_needs_a_reason_and_a_second_nurse(ward7, clock):
    prescribe(ward7, freq=None, times="08:00,11:00,20:00")
    give(ward7, clock, "08:00", "08:00")
    call = lambda over=None: give(ward7, clock, "11:00", "11:00", over=over)  # noqa: E731
    exc = soft_stop(ward7, call, ["dose.min_interval"],
                    match="A dose of 10 mg was given at 08:00, 3 h ago")
    assert exc.second_user and dose_checks.safe_choice(exc.findings) is Safe.WAIT
    assert "second nurse confirms with their password" in str(exc)
    # a reason, but no second nurse
    missing = refused(ward7, InvalidInput, lambda: call(override(ward7, "severe spasms")))
    assert missing.field == "override-witness" and "second nurse must confirm" in str(missing)
    # the second nurse's password is wrong: refused, and only the failed password is audited
    before = len(audit.entries(ward7.db))
    wrong = refused(ward7, Refused, lambda: call(override(ward7, "severe spasms", SECOND,
                                                          "not-their-password")), logins=True)
    assert wrong.rule == "witness.password" and SECOND in str(wrong)
    after = audit.entries(ward7.db)
    assert [e["action"] for e in after[:len(after) - before]] == ["witness.failed"]
    assert ward7.db.execute("SELECT count(*) FROM administrations").fetchone() == (1,)
    # the right password: given, flagged, with who confirmed it
    done = call(override(ward7, "severe spasms, Dr Khan agreed", SECOND))
    assert (done.outcome, done.flags) == (Outcome.GIVEN, ("given_too_soon",))
    assert stored(ward7, done.record_id) == ("given", ["given_too_soon"],
                                             "severe spasms, Dr Khan agreed", 2)
    e = entry(ward7, due_at(ward7, "11:00"))
    assert (e.flags, e.override_by) == (("given_too_soon",), SECOND)
    assert e.flag_text() == ("GIVEN WITHIN THE MINIMUM INTERVAL: severe spasms, Dr Khan agreed, "
                             "confirmed by nurse.okafor")
    detail = audit.entries(ward7.db, patient_id=1)[0]["detail"]
    assert (detail["flags"], detail["override_by"]) == (["given_too_soon"], 2)


def test_the_acting_nurse_cannot_confirm_their_own_override(ward7, clock):
    prescribe(ward7, freq=None, times="08:00,11:00,20:00")
    give(ward7, clock, "08:00", "08:00")
    exc = refused(ward7, InvalidInput, lambda: give(ward7, clock, "11:00", "11:00",
                                                    over=override(ward7, "spasms", NURSE)))
    assert "different user" in str(exc)


# --- Daily total --------------------------------------------------------------------------------

def test_an_order_change_that_adds_a_dose_to_the_day_meets_the_daily_total(ward7, clock):
    prescribe(ward7)  # 10 mg TDS: 30 mg/day
    give(ward7, clock, "08:00", "08:00")
    give(ward7, clock, "14:00", "14:00")
    at(ward7, clock, "14:30")  # the doses move to 18:00 and 22:00 (and 02:00) from now
    prescribe(ward7, freq=None, times="02:00,18:00,22:00")
    give(ward7, clock, "18:00", "18:00")  # 08:00 + 14:00 + 18:00 = 30 mg
    at(ward7, clock, "22:00")
    (finding,) = mar.check_dose(ward7, 1, due_at(ward7, "22:00"))
    assert (finding.rule, finding.stop, finding.safe) == ("dose.daily_total", Stop.HARD, Safe.OMIT)
    exc = hard_stop(ward7, lambda: give(ward7, clock, "22:00", "22:00"), "dose.daily_total",
                    match="would make 40 mg within 24 h")
    assert "the order's daily total is 30 mg" in str(exc)
    hard_stop(ward7, lambda: give(ward7, clock, "22:00", "22:00",
                                  over=override(ward7, "asked for it", SECOND)), "dose.daily_total")
    assert typed.omit(ward7, "RX1", f"{DAY}T22:00", "prescriber").outcome is Outcome.HELD


def test_a_missed_dose_caught_up_late_piles_up_on_the_next_day(ward7, clock):
    at(ward7, clock, "2026-11-24T07:00")
    prescribe(ward7)
    give(ward7, clock, "2026-11-24T08:00", "2026-11-24T08:00")
    give(ward7, clock, "2026-11-24T14:00", "2026-11-24T14:00")
    # last night's 22:00 dose caught up at 00:30: it counts at 00:30
    assert give(ward7, clock, "2026-11-24T22:00", "00:30").outcome is Outcome.GIVEN_LATE
    give(ward7, clock, "08:00", "08:00")
    give(ward7, clock, "14:00", "14:00")
    # [00:30, 00:30 + 24 h) would hold 00:30, 08:00, 14:00 and 22:00
    hard_stop(ward7, lambda: give(ward7, clock, "22:00", "22:00"), "dose.daily_total",
              match=r"40 mg within 24 h \(00:30 10 mg, 08:00 10 mg, 14:00 10 mg, 22:00 10 mg\)")
    hard_stop(ward7, lambda: give(ward7, clock, "22:00", "2026-11-26T00:29"), "dose.daily_total")
    # the windows are half-open: at 00:30 the caught-up dose has left the window
    done = give(ward7, clock, "22:00", "2026-11-26T00:30")
    assert (done.outcome, done.flags) == (Outcome.GIVEN_LATE, ())


def test_a_dose_given_late_but_before_missed_counts_at_its_due_time(ward7, clock):
    at(ward7, clock, "2026-11-24T07:00")
    prescribe(ward7)
    give(ward7, clock, "2026-11-24T08:00", "2026-11-24T08:00")
    give(ward7, clock, "2026-11-24T14:00", "2026-11-24T14:00")
    give(ward7, clock, "2026-11-24T22:00", "2026-11-24T23:59")  # late, not missed: counts at 22:00
    for due in ("08:00", "14:00", "22:00"):
        assert give(ward7, clock, due, due).flags == ()


def test_a_lower_dose_from_today_never_makes_yesterdays_doses_an_excess(ward7, clock):
    at(ward7, clock, "2026-11-24T07:00")
    prescribe(ward7, dose_mg=20)  # 60 mg/day
    for due in ("08:00", "14:00", "22:00"):
        give(ward7, clock, f"2026-11-24T{due}", f"2026-11-24T{due}")
    at(ward7, clock, "07:00")
    prescribe(ward7, dose_mg=5)  # 15 mg/day from today
    for due in ("08:00", "14:00", "22:00"):
        assert give(ward7, clock, due, due).outcome is Outcome.GIVEN


# --- Over-sedation ------------------------------------------------------------------------------

@pytest.mark.parametrize("when, values, rules", [
    ("10:00", {"poss": "3"}, ["dose.sedation_hold"]),  # exactly 4 h before: inclusive
    ("09:59", {"poss": "3"}, []),
    ("13:59", {"poss": "2"}, []),
    ("12:00", {"rr": 8}, ["dose.sedation_hold"]),
    ("12:00", {"rr": 9}, []),
    ("12:00", {"rass": -3}, ["dose.sedation_hold"]),
    ("12:00", {"rass": -2}, []),
    ("14:00", {"poss": "3"}, ["dose.sedation_hold"]),
])
def test_the_sedation_hold_window_and_thresholds(ward7, clock, when, values, rules):
    prescribe(ward7)
    observe(ward7, clock, when, **values)
    at(ward7, clock, "14:00")
    assert [f.rule for f in mar.check_dose(ward7, 1, due_at(ward7, "14:00"))] == rules
    if not rules:
        assert give(ward7, clock, "14:00", "14:00").flags == ()
        return
    exc = soft_stop(ward7, lambda: give(ward7, clock, "14:00", "14:00"), rules,
                    match="Over-sedated within the last 4 h")
    assert not exc.second_user and dose_checks.safe_choice(exc.findings) is Safe.HOLD
    assert "hold this dose" in str(exc)
    held = typed.omit(ward7, "RX1", f"{DAY}T14:00", "other", note="drowsy", held=True)
    assert held.outcome is Outcome.HELD


def test_given_despite_the_hold_with_a_reason_or_held(ward7, clock):
    prescribe(ward7)
    observe(ward7, clock, "12:00", rr=8, poss="3")
    exc = soft_stop(ward7, lambda: give(ward7, clock, "14:00", "14:00"), ["dose.sedation_hold"])
    assert "POSS 3 at 12:00; RR 8/min at 12:00" in str(exc)
    done = give(ward7, clock, "14:00", "14:00", over=override(ward7, "rousable, RR 12 now"))
    assert (done.outcome, done.flags) == (Outcome.GIVEN, ("given_despite_hold",))
    assert entry(ward7, due_at(ward7, "14:00")).flag_text() == (
        "GIVEN DESPITE A SEDATION HOLD: rousable, RR 12 now")


def test_an_early_dose_during_a_hold_carries_both_flags(ward7, clock):
    prescribe(ward7)
    observe(ward7, clock, "12:00", rass=-3)
    soft_stop(ward7, lambda: give(ward7, clock, "14:00", "13:00"),
              ["dose.early", "dose.sedation_hold"])
    done = give(ward7, clock, "14:00", "13:00", over=override(ward7, "before the scan"))
    assert stored(ward7, done.record_id)[1] == ["given_early", "given_despite_hold"]


def test_hard_stops_come_first_and_win_over_a_reason(ward7, clock):
    prescribe(ward7)
    observe(ward7, clock, "12:00", poss="4")
    at(ward7, clock, "13:00")
    found = mar.check_dose(ward7, 1, due_at(ward7, "14:00"))
    assert [(f.rule, f.stop) for f in found] == [("dose.sedation_stop", Stop.HARD),
                                                 ("dose.early", Stop.SOFT)]
    assert dose_checks.safe_choice(found) is Safe.HOLD  # hold before wait
    hard_stop(ward7, lambda: give(ward7, clock, "14:00", "13:00",
                                  over=override(ward7, "before the scan")), "dose.sedation_stop")


def test_a_corrected_sedation_score_no_longer_holds(ward7, clock):
    prescribe(ward7)
    wrong = observe(ward7, clock, "12:00", poss="3")
    correct_observation(ward7, wrong, "wrong patient's chart")
    at(ward7, clock, "14:00")
    assert mar.check_dose(ward7, 1, due_at(ward7, "14:00")) == []


@pytest.mark.parametrize("values", [{"poss": "4"}, {"rass": -4}, {"rass": -5}])
def test_somnolent_is_a_hard_stop_and_only_held_can_be_recorded(ward7, clock, values):
    prescribe(ward7)
    observe(ward7, clock, "11:00", **values)
    exc = hard_stop(ward7, lambda: give(ward7, clock, "14:00", "14:00"), "dose.sedation_stop",
                    match="only 'held' can be recorded")
    assert "Call the medical team now" in str(exc)
    hard_stop(ward7, lambda: give(ward7, clock, "14:00", "14:00",
                                  over=override(ward7, "family insists", SECOND)),
              "dose.sedation_stop")
    (finding,) = mar.check_dose(ward7, 1, due_at(ward7, "14:00"))
    assert finding.safe is Safe.HOLD
    held = typed.omit(ward7, "RX1", f"{DAY}T14:00", "other", note="POSS 4", held=True)
    assert held.outcome is Outcome.HELD


# --- Intrathecal bolus --------------------------------------------------------------------------

def pump_patient(ctx) -> None:
    with acting(ctx, PHARMACIST):
        typed.add_order(ctx, typed.OrderText(mrn="RX2", route="intrathecal", daily_mcg=300,
                                              witness=SECOND))


NEVER = "do not give the next dose"


def test_a_bolus_during_a_sedation_hold_has_the_pump_wording(ward7, clock):
    pump_patient(ward7)
    observe(ward7, clock, "12:00", mrn="RX2", poss="3")
    at(ward7, clock, "13:00")
    exc = refused(ward7, mar.NeedsOverride, lambda: typed.bolus(ward7, "RX2", 50, SECOND))
    assert [f.rule for f in exc.findings] == ["dose.sedation_hold"]
    assert exc.findings[0].flag == "bolus_despite_hold" and not exc.second_user
    text = str(exc)
    assert "hold the bolus" in text and "ITB-team review" in text
    assert "the ITB team may empty the pump reservoir" in text and "airway" in text
    assert NEVER not in text.lower() and "next dose" not in text.lower()
    done = typed.bolus(ward7, "RX2", 50, SECOND, override=mar.Override("ITB team asked for it"))
    assert done.flags == ("bolus_despite_hold",)
    assert stored(ward7, done.record_id) == ("given", ["bolus_despite_hold"],
                                             "ITB team asked for it", None)


def test_a_somnolent_pump_patient_gets_no_bolus(ward7, clock):
    pump_patient(ward7)
    observe(ward7, clock, "12:00", mrn="RX2", poss="4")
    at(ward7, clock, "13:00")
    for over in (None, mar.Override("asked for it")):
        exc = refused(ward7, Refused, lambda over=over: typed.bolus(ward7, "RX2", 50, SECOND,
                                                                     override=over))
        assert exc.rule == "dose.sedation_stop" and not isinstance(exc, mar.NeedsOverride)
        assert "no bolus" in str(exc) and "ITB-team review" in str(exc)
        assert NEVER not in str(exc).lower()


# --- Daylight saving ----------------------------------------------------------------------------

def test_doses_given_on_time_over_the_spring_clock_change_pass(ward7, clock):
    at(ward7, clock, "2026-03-28T07:00")
    prescribe(ward7)
    for due in ("2026-03-28T08:00", "2026-03-28T14:00", "2026-03-28T22:00",
                "2026-03-29T08:00", "2026-03-29T14:00"):
        assert give(ward7, clock, due, due).outcome is Outcome.GIVEN


# --- Prescribing cautions -----------------------------------------------------------------------

@pytest.mark.parametrize("egfr, rules", [(29, ["renal.avoid"]), (29.9, ["renal.avoid"]),
                                         (30, ["renal.reduce"]), (45, ["renal.reduce"]),
                                         (60, ["renal.reduce"]), (60.1, []), (61, [])])
def test_renal_bands_are_inclusive(ward7, egfr, rules):
    typed.add_lab(ward7, "RX1", egfr=egfr)
    with acting(ward7, PHARMACIST):
        text = typed.OrderText(mrn="RX1", route="oral", dose_mg=5, freq="TDS")
        assert [c.rule for c in orders.cautions_for(ward7, typed.new_order(ward7, text))] == rules
        if rules:
            before = database_state(ward7.path)
            with pytest.raises(orders.CautionsToAcknowledge) as info:
                typed.add_order(ward7, text)
            assert info.value.rule == "order.cautions"
            assert [c.rule for c in info.value.cautions] == rules
            assert database_state(ward7.path) == before
        else:
            assert typed.add_order(ward7, text).cautions == ()


def test_acknowledged_cautions_are_stored_with_the_order_version(ward7, clock):
    with acting(ward7, "charge.silva"):
        typed.set_patient(ward7, "RX1", set_flags=("dementia",))
    typed.add_lab(ward7, "RX1", egfr=None, dialysis=True)
    with acting(ward7, PHARMACIST):
        typed.add_comedication(ward7, "RX1", "Frisium 10 mg")
    text = typed.OrderText(mrn="RX1", route="oral", dose_mg=20, freq="TDS")
    with acting(ward7, PHARMACIST):
        exc = refused(ward7, orders.CautionsToAcknowledge, lambda: typed.add_order(ward7, text))
        assert [c.rule for c in exc.cautions] == ["flag.dementia", "renal.avoid", "interaction.cns"]
        assert "avoiding baclofen entirely in dementia" in str(exc)
        assert "Frisium 10 mg is a CNS depressant" in str(exc)
        made = typed.add_order(ward7, typed.OrderText(mrn="RX1", route="oral", dose_mg=20,
                                                       freq="TDS", ack_warnings=True))
    assert [c.rule for c in made.cautions] == ["flag.dementia", "renal.avoid", "interaction.cns"]
    (column,) = ward7.db.execute("SELECT acknowledged_cautions FROM orders WHERE id = ?",
                                 [made.id]).fetchone()
    assert [c["rule"] for c in json.loads(column)] == [c.rule for c in made.cautions]
    assert json.loads(column)[0]["message"] == made.cautions[0].message
    (last,) = [e for e in audit.entries(ward7.db, patient_id=1) if e["action"] == "order.start"]
    assert last["detail"]["cautions_acknowledged"] == ["flag.dementia", "renal.avoid",
                                                       "interaction.cns"]
    # the next version of the order is asked again: the cautions still apply
    at(ward7, clock, "09:00")
    with acting(ward7, PHARMACIST):
        refused(ward7, orders.CautionsToAcknowledge, lambda: typed.add_order(ward7, text))


@pytest.mark.parametrize("text, rules", [
    (dict(freq="OD"), ["order.once_daily"]),
    (dict(freq=None, times="08:00"), ["order.once_daily"]),
    (dict(freq="BD"), []),
])
def test_once_daily_is_a_caution(ward7, text, rules):
    with acting(ward7, PHARMACIST):
        new = typed.new_order(ward7, typed.OrderText(mrn="RX1", route="oral", dose_mg=5, **text))
        assert [c.rule for c in orders.cautions_for(ward7, new)] == rules


@pytest.mark.parametrize("daily, rules", [(300, []), (420, []), (423, ["itb.dose_step"]),
                                          (240, []), (237, ["itb.dose_step"])])
def test_an_intrathecal_step_beyond_plus_40_or_minus_20_percent(ward7, clock, daily, rules):
    pump_patient(ward7)
    at(ward7, clock, "09:00")
    with acting(ward7, PHARMACIST):
        new = typed.new_order(ward7, typed.OrderText(mrn="RX2", route="intrathecal",
                                                     daily_mcg=daily, witness=SECOND))
        assert [c.rule for c in orders.cautions_for(ward7, new)] == rules


# --- Properties of the pure checks ----------------------------------------------------------

T = Thresholds.defaults()
ZONE = ZoneInfo("Europe/London")
INTERVAL = timedelta(hours=float(T.dose_min_interval_hours))
#: Starts away from the clock changes (the spring one is the bug above), and one in summer time.
STARTS = [datetime(2026, 11, 23, tzinfo=UTC), datetime(2026, 7, 6, 23, tzinfo=UTC)]
SLOTS = [f"{h:02d}:{m:02d}" for h in range(24) for m in (0, 15, 30, 45)]


@st.composite
def orders_(draw) -> tuple[Order, datetime]:
    start = draw(st.sampled_from(STARTS))
    kind = draw(st.sampled_from(["TDS", "QDS", "custom"]))
    if kind == "custom":
        times = tuple(sorted(draw(st.sets(st.sampled_from(SLOTS), min_size=2, max_size=6))))
        freq = Frequency.CUSTOM
    else:
        times, freq = T.times_for(kind), Frequency(kind)
    mg = draw(st.sampled_from([2.5, 5.0, 10.0, 20.0]))
    return Order(id=1, patient_id=1, action=OrderAction.START, route=Route.ORAL, starts_at=start,
                 dose_mg=mg, times=tuple(times), frequency=freq), start


#: A try: which due dose, how many minutes from its due time, with an override (a reason and a
#: second nurse) or not; or marking a record entered in error.
attempts = st.lists(st.tuples(
    st.integers(0, 200),
    st.one_of(st.integers(-180, 480),
              st.sampled_from([-121, -120, -31, -30, 0, 30, 31, 119, 120, 121, 240, 241])),
    st.booleans(), st.integers(0, 19)), min_size=15, max_size=60)


@dataclass
class Nurse:
    """Tries to record doses; appends a record only when the checks let it through."""

    order: Order
    schedule: list[DueDose]
    doses: list[DueDose]  # the ones she tries: the first 3 days
    records: list[Record]

    def in_force(self, due: datetime) -> Record | None:
        return effective_records(self.records)[0].get(due)

    def attempt(self, pick: int, minutes: int, with_override: bool, correct: int) -> None:
        if correct == 0:  # now and then a given dose is marked entered in error
            given = dose_checks.given_records(self.records)
            if given:
                wrong = given[pick % len(given)]
                self.records.append(Record(
                    len(self.records) + 1, 1, 1, wrong.due, Outcome.ENTERED_IN_ERROR, None, None,
                    None, "wrong", wrong.id, wrong.administered_at, wrong.administered_at, "n"))
            return
        dose = self.doses[pick % len(self.doses)]
        if self.in_force(dose.due) is not None:
            return
        now = dose.due + timedelta(minutes=minutes)
        findings = dose_checks.check_give(Situation(
            dose=dose, now=now, schedule=self.schedule, records=tuple(self.records),
            observations=(), versions=(self.order,), zone=ZONE), T)
        if dose_checks.hard(findings):
            return
        softs = dose_checks.soft(findings)
        if softs and not with_override:
            return
        flags = tuple(dict.fromkeys(f.flag for f in softs if f.flag))
        self.records.append(Record(
            len(self.records) + 1, 1, 1, dose.due, given_outcome(dose.due, now,
                                                                  float(T.dose_window_min)),
            dose.dose_mg, None, None, None, None, now, now, "n", flags=flags))


def nurse_for(order: Order, start: datetime) -> Nurse:
    schedule = due_doses([order], start, start + timedelta(days=5), ZONE)
    doses = [d for d in schedule if d.due < start + timedelta(days=3)]
    return Nurse(order, schedule, doses, [])


@settings(max_examples=200, deadline=None, derandomize=True, database=None)
@given(orders_(), attempts)
def test_no_rolling_24_h_ever_holds_more_than_the_daily_total(made, tries):
    order, start = made
    nurse = nurse_for(order, start)
    for t in tries:
        nurse.attempt(*t)
    given_ = dose_checks.given_records(nurse.records)
    counted = sorted((dose_checks.counted_at(r.due, r.administered_at, T), r.dose_mg or 0.0)
                     for r in given_)
    limit = order.daily_mg or 0.0
    # a window holding the most doses starts at one of them
    for s, _ in counted:
        total = sum(mg for m, mg in counted if s <= m < s + timedelta(hours=24))
        assert total <= limit + 1e-9, (s, counted, limit)


@settings(max_examples=200, deadline=None, derandomize=True, database=None)
@given(orders_(), attempts)
def test_no_two_doses_closer_than_the_minimum_interval_unless_flagged(made, tries):
    order, start = made
    nurse = nurse_for(order, start)
    for t in tries:
        nurse.attempt(*t)
    given_ = sorted(dose_checks.given_records(nurse.records), key=lambda r: r.id)
    for i, first in enumerate(given_):
        for later in given_[i + 1:]:  # recorded after ``first``
            gap = abs(dose_checks.nominal_at(later.due, later.administered_at, T)
                      - dose_checks.nominal_at(first.due, first.administered_at, T))
            if gap < INTERVAL:
                assert "given_too_soon" in later.flags, (first, later)
    for r in given_:
        assert r.administered_at >= r.due - timedelta(minutes=float(T.dose_give_early_limit_min))
        early = r.administered_at < r.due - timedelta(minutes=float(T.dose_window_min))
        assert early == ("given_early" in r.flags)


@settings(max_examples=100, deadline=None, derandomize=True, database=None)
@given(orders_(), st.lists(st.integers(-30, 30), min_size=15, max_size=15))
def test_a_nurse_giving_every_dose_on_time_never_meets_a_hard_stop(made, offsets):
    order, start = made
    nurse = nurse_for(order, start)
    for dose, minutes in zip(nurse.doses, offsets * 4, strict=False):
        now = dose.due + timedelta(minutes=minutes)
        findings = dose_checks.check_give(Situation(
            dose=dose, now=now, schedule=nurse.schedule, records=tuple(nurse.records),
            observations=(), versions=(order,), zone=ZONE), T)
        assert dose_checks.hard(findings) == [], (dose, findings)
        nurse.records.append(Record(len(nurse.records) + 1, 1, 1, dose.due, Outcome.GIVEN,
                                    dose.dose_mg, None, None, None, None, now, now, "n"))


def test_a_late_dose_not_yet_missed_is_no_catch_up(tmp_path):
    """clinical-rules §9 speaks of a *missed* dose: a QDS 08:00 dose at 08:31 is late, not
    missed, and is given (the 12:00 dose then meets the minimum interval, not this one)."""
    from ward_app.domain.dose_checks import Situation, check_give
    from ward_app.domain.orders import Frequency, Order, OrderAction, Route
    from ward_app.domain.rules import Thresholds
    from ward_app.domain.schedule import due_doses

    start = datetime(2026, 11, 25, 0, 0, tzinfo=UTC)
    qds = Order(id=1, patient_id=1, action=OrderAction.START, route=Route.ORAL, starts_at=start,
                dose_mg=10, times=("08:00", "12:00", "16:00", "22:00"), frequency=Frequency.QDS)
    schedule = due_doses([qds], start, start + timedelta(days=2), UTC)
    dose = schedule[0]

    def at(moment: datetime) -> list[str]:
        return [f.rule for f in check_give(Situation(dose, moment, schedule, (), (), (qds,), UTC),
                                           Thresholds())]

    assert at(datetime(2026, 11, 25, 8, 31, tzinfo=UTC)) == []
    assert at(datetime(2026, 11, 25, 9, 59, tzinfo=UTC)) == []
    assert at(datetime(2026, 11, 25, 10, 0, tzinfo=UTC)) == ["dose.catch_up"]  # missed now
