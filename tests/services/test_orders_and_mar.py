"""Orders, recording, corrections and the MAR on real SQLite files."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from tests import typed
from tests.conftest import ADMIN_PASSWORD, act_as, acting, database_state, pw
from ward_app.domain.errors import InvalidInput, Refused
from ward_app.domain.mar import Outcome, State
from ward_app.services import mar, orders
from ward_app.services.admin import add_user, init_ward
from ward_app.services.alerts import ward_alerts
from ward_app.services.context import Actor
from ward_app.services.patients import NewPatient, add_patient
from ward_app.storage import audit


class Clock:
    def __init__(self, moment: datetime):
        self.moment = moment

    def __call__(self) -> datetime:
        return self.moment

    def set(self, text: str, zone) -> None:
        self.moment = datetime.fromisoformat(text).replace(tzinfo=zone).astimezone(UTC)


@pytest.fixture
def clock():
    return Clock(datetime(2026, 11, 25, 7, 0, tzinfo=UTC))


@pytest.fixture
def ward7(tmp_path, clock):
    """Users by id: 1 admin, 2 nurse.okafor, 3 charge.silva, 4 pharm.chen, 5 nurse.jones. The
    charge nurse admits, the pharmacist prescribes (``tds``, ``PHARMACIST``) and the ward acts as
    nurse.jones, who records doses."""
    ctx = init_ward(tmp_path / "w.db", ward="Ward 7", tz="Europe/London",
                    admin_password=ADMIN_PASSWORD, clock=clock)
    add_user(ctx, "nurse.okafor", "nurse", pw("nurse.okafor"))
    add_user(ctx, "charge.silva", "charge_nurse", pw("charge.silva"))
    add_user(ctx, PHARMACIST, "pharmacist", pw(PHARMACIST))
    add_user(ctx, "nurse.jones", "nurse", pw("nurse.jones"))
    with acting(ctx, "charge.silva"):
        add_patient(ctx, NewPatient(mrn="RX1", name="Test Patient", dob=date(1970, 1, 1), bed="1"))
        add_patient(ctx, NewPatient(mrn="RX2", name="Pump Patient", dob=date(1980, 1, 1), bed="2"))
    act_as(ctx, "nurse.jones")
    yield ctx
    ctx.close()


PHARMACIST = "pharm.chen"


def tds(ctx, **kw):
    """Prescribed by the pharmacist, whoever is acting otherwise."""
    with acting(ctx, PHARMACIST):
        return typed.add_order(ctx, typed.OrderText(mrn="RX1", route="oral", dose_mg=10,
                                                     freq="TDS", **kw))


def test_the_issue_example_end_to_end(ward7, clock):
    tds(ward7)
    zone = ward7.zone
    clock.set("2026-11-25T08:20", zone)
    assert ward_alerts(ward7) == []
    clock.set("2026-11-25T08:45", zone)
    assert [(a.rule, a.severity.label) for a in ward_alerts(ward7)] == [("dose.late", "warning")]
    clock.set("2026-11-25T10:05", zone)
    assert [(a.rule, a.severity.label) for a in ward_alerts(ward7)] == [("dose.missed", "urgent")]
    clock.set("2026-11-25T10:10", zone)
    # missed, and the 14:00 dose is not more than 4 h away: no catching up (clinical-rules §9)
    before = database_state(ward7.path)
    with pytest.raises(Refused, match="next dose is due at 14:00, in 3 h 50 min.*never two doses"):
        typed.give(ward7, "RX1", "08:00")
    assert database_state(ward7.path) == before
    clock.set("2026-11-25T09:55", zone)  # the same dose, while it could still be caught up
    done = typed.give(ward7, "RX1", "08:00")
    assert done.outcome is Outcome.GIVEN_LATE
    assert ward_alerts(ward7) == []
    row = ward7.db.execute("SELECT outcome, dose_mg, due_at FROM administrations").fetchone()
    assert row == ("given_late", 10.0, "2026-11-25T08:00:00+00:00")


def test_routes_fix_their_units(ward7):
    act_as(ward7, PHARMACIST)
    before = database_state(ward7.path)
    with pytest.raises(InvalidInput, match="in mg per dose, not mcg/day"):
        typed.add_order(ward7, typed.OrderText(mrn="RX1", route="oral", daily_mcg=300, freq="TDS"))
    with pytest.raises(InvalidInput, match="mcg/day, not mg"):
        typed.add_order(ward7, typed.OrderText(mrn="RX2", route="intrathecal", dose_mg=300,
                                                witness="nurse.okafor"))
    with pytest.raises(InvalidInput, match="needs a witness"):
        typed.add_order(ward7, typed.OrderText(mrn="RX2", route="intrathecal", daily_mcg=300))
    with pytest.raises(InvalidInput, match="different user"):
        typed.add_order(ward7, typed.OrderText(mrn="RX2", route="intrathecal", daily_mcg=300,
                                                witness=PHARMACIST))
    with pytest.raises(InvalidInput, match="TDS means 3 dose times"):
        tds(ward7, times="08:00,20:00")
    with pytest.raises(InvalidInput, match="positive"):
        typed.add_order(ward7, typed.OrderText(mrn="RX1", route="oral", dose_mg=0, freq="OD"))
    assert database_state(ward7.path) == before
    itb = typed.add_order(ward7, typed.OrderText(mrn="RX2", route="intrathecal", daily_mcg=300,
                                                  witness="nurse.okafor"))
    assert itb.describe() == "intrathecal 300 mcg/day"


def test_daily_maximum_needs_an_override_which_is_recorded(ward7):
    act_as(ward7, PHARMACIST)
    with pytest.raises(Refused, match="90 mg/day is above the 80 mg/day maximum") as info:
        typed.add_order(ward7, typed.OrderText(mrn="RX1", route="oral", dose_mg=30, freq="TDS"))
    assert info.value.rule == "dose.max_daily"
    text = typed.OrderText(mrn="RX1", route="oral", dose_mg=30, freq="TDS",
                           indication="alcohol_use_disorder",
                           override_reason="AUD protocol, Dr Rahman")
    before = database_state(ward7.path)
    with pytest.raises(orders.CautionsToAcknowledge, match="90 mg/day is above") as shown:
        typed.add_order(ward7, text)  # the caution is shown at order time...
    assert [c.rule for c in shown.value.cautions] == ["dose.max_daily"]
    assert database_state(ward7.path) == before
    made = typed.add_order(ward7, replace(text, ack_warnings=True))  # ...and acknowledged
    assert made.override_reason == "AUD protocol, Dr Rahman"
    assert [c.rule for c in made.cautions] == ["dose.max_daily"]
    (alert,) = [a for a in ward_alerts(ward7) if a.rule == "dose.max_daily"]
    assert "AUD protocol, Dr Rahman" in alert.message


def test_a_change_is_a_new_version_from_its_start(ward7, clock):
    first = tds(ward7)
    second = tds(ward7, times="09:00,15:00,21:00",
                 start=datetime(2026, 11, 26, 12, tzinfo=UTC))
    assert second.supersedes_id == first.id and second.action.value == "change"
    rows = ward7.db.execute("SELECT id, action, dose_mg FROM orders ORDER BY id").fetchall()
    assert rows == [(first.id, "start", 10.0), (second.id, "change", 10.0)]
    clock.set("2026-11-26T23:00", ward7.zone)
    _, entries = typed.mar_day(ward7, "RX1", date(2026, 11, 26))
    assert [e.due.astimezone(ward7.zone).strftime("%H:%M") for e in entries] == [
        "08:00", "15:00", "21:00"]
    with pytest.raises(InvalidInput, match="before the latest order version"):
        tds(ward7, start=datetime(2026, 11, 26, 11, tzinfo=UTC))


def test_stopping_is_refused_unless_for_a_serious_adverse_reaction(ward7, clock):
    tds(ward7)
    before = database_state(ward7.path)
    with acting(ward7, PHARMACIST):
        with pytest.raises(Refused, match="Reduce it gradually instead: plan a taper") as info:
            typed.stop_order(ward7, "RX1", "no_longer_needed", "Dr Khan")
        assert info.value.rule == "order.stop_abrupt"
        with pytest.raises(InvalidInput, match="Name the prescriber") as missing:
            typed.stop_order(ward7, "RX1", "serious_adverse_reaction")
        assert missing.value.field == "prescriber"
    assert database_state(ward7.path) == before
    clock.set("2026-11-25T09:00", ward7.zone)
    typed.give(ward7, "RX1", "08:00")
    with acting(ward7, PHARMACIST):
        typed.stop_order(ward7, "RX1", "serious_adverse_reaction", "Dr Khan")
    alerts = ward_alerts(ward7)
    assert [a.rule for a in alerts] == ["withdrawal.watch"]
    clock.set("2026-11-25T12:00", ward7.zone)
    assert [a.rule for a in ward_alerts(ward7)] == ["withdrawal.watch"]
    clock.set("2026-11-25T16:00", ward7.zone)
    # no 14:00 dose is due; the 4-hourly withdrawal check (due 13:00) is overdue
    late = ward_alerts(ward7)
    assert sorted(a.rule for a in late) == ["monitoring.overdue", "withdrawal.watch"]
    assert "Withdrawal check overdue since 25 Nov 13:00" in next(
        a.message for a in late if a.rule == "monitoring.overdue")
    with acting(ward7, PHARMACIST), pytest.raises(InvalidInput, match="no baclofen order in force"):
        typed.stop_order(ward7, "RX1", "serious_adverse_reaction", "Dr Khan")


def test_recording_rules(ward7, clock):
    tds(ward7)
    clock.set("2026-11-25T08:10", ward7.zone)
    with pytest.raises(InvalidInput, match="No dose of MRN RX1 is due at 09:00.*08:00, 14:00, 22:00"):
        typed.give(ward7, "RX1", "09:00")
    with pytest.raises(Refused, match="says 10 mg at 08:00, not 20 mg"):
        typed.give(ward7, "RX1", "08:00", dose_mg=20)
    with pytest.raises(Refused, match="not due for 13 h 50 min"):
        typed.give(ward7, "RX1", "2026-11-25T22:00")
    done = typed.give(ward7, "RX1", "08:00", note="with breakfast")
    assert done.outcome is Outcome.GIVEN
    with pytest.raises(mar.AlreadyRecorded, match="already recorded .*Mark entered in error") as info:
        typed.give(ward7, "RX1", "08:00")
    assert info.value.field == "due" and info.value.record_id == done.record_id
    with pytest.raises(InvalidInput, match="already recorded"):
        typed.omit(ward7, "RX1", "08:00", "refused")
    with pytest.raises(InvalidInput, match="The note is needed: say why") as info:
        typed.omit(ward7, "RX1", "14:00", "other")
    assert info.value.field == "note"
    held = typed.omit(ward7, "RX1", "14:00", "other", note="too drowsy, POSS 3", held=True)
    assert held.outcome is Outcome.HELD
    refused = typed.omit(ward7, "RX1", "22:00", "refused")
    assert refused.outcome is Outcome.REFUSED
    entries = audit.entries(ward7.db, patient_id=1)
    assert [e["action"] for e in entries[:3]] == ["dose.refused", "dose.held", "dose.given"]


def test_a_correction_keeps_the_original_and_reopens_the_dose(ward7, clock):
    tds(ward7)
    clock.set("2026-11-25T08:05", ward7.zone)
    first = typed.give(ward7, "RX1", "08:00")
    clock.set("2026-11-25T08:20", ward7.zone)
    fix = mar.correct_record(ward7, first.record_id, "wrong patient")
    with pytest.raises(InvalidInput, match="already marked entered in error"):
        mar.correct_record(ward7, first.record_id, "again")
    with pytest.raises(InvalidInput, match="itself a correction"):
        mar.correct_record(ward7, fix.record_id, "nope")
    with pytest.raises(InvalidInput, match="no dose record 999"):
        mar.correct_record(ward7, 999, "nope")
    with pytest.raises(InvalidInput, match="Say why"):
        mar.correct_record(ward7, first.record_id, " ")
    _, entries = typed.mar_day(ward7, "RX1")
    morning = [e for e in entries if e.due.astimezone(ward7.zone).hour == 8]
    assert [(e.state, e.corrected) for e in morning] == [(State.GIVEN, True), (State.DUE, False)]
    assert "wrong patient" in morning[0].correction_reason
    assert morning[0].to_json(ward7.zone)["state"] == "entered_in_error"
    clock.set("2026-11-25T08:25", ward7.zone)
    again = typed.give(ward7, "RX1", "08:00")
    _, entries = typed.mar_day(ward7, "RX1")
    morning = [e for e in entries if e.due.astimezone(ward7.zone).hour == 8]
    assert [(e.id, e.corrected) for e in morning] == [(first.record_id, True),
                                                      (again.record_id, False)]
    rows = ward7.db.execute("SELECT id, outcome, corrects_id FROM administrations ORDER BY id")
    assert rows.fetchall() == [(1, "given", None), (2, "entered_in_error", 1), (3, "given", None)]


def test_intrathecal_bolus_needs_a_witness(ward7):
    with acting(ward7, PHARMACIST):
        typed.add_order(ward7, typed.OrderText(mrn="RX2", route="intrathecal", daily_mcg=300,
                                                witness="nurse.okafor"))
    with pytest.raises(InvalidInput, match="needs a witness"):
        typed.bolus(ward7, "RX2", 50, None)
    done = typed.bolus(ward7, "RX2", 50, "nurse.okafor")
    row = ward7.db.execute("SELECT dose_mcg, witness_id, recorded_by FROM administrations WHERE id=?",
                           [done.record_id]).fetchone()
    assert row == (50.0, 2, 5)  # witnessed by nurse.okafor, given by nurse.jones
    with pytest.raises(Refused, match="no intrathecal order"):
        typed.bolus(ward7, "RX1", 50, "nurse.okafor")


def test_a_witness_is_recorded_for_oral_doses_when_given(ward7, clock):
    tds(ward7)
    clock.set("2026-11-25T08:00", ward7.zone)
    ward7.actor = Actor(2, "nurse.okafor", "nurse")
    with pytest.raises(InvalidInput, match="different user"):
        typed.give(ward7, "RX1", "08:00", witness="nurse.okafor")
    typed.give(ward7, "RX1", "08:00", witness="charge.silva")
    assert ward7.db.execute("SELECT recorded_by, witness_id FROM administrations").fetchone() == (2, 3)


@pytest.mark.parametrize("tz, spring, autumn", [
    ("Europe/London", date(2026, 3, 29), date(2026, 10, 25)),
    ("America/New_York", date(2026, 3, 8), date(2026, 11, 1)),
])
def test_mar_on_daylight_saving_days(tmp_path, tz, spring, autumn):
    moment = [datetime(2026, 1, 1, 12, tzinfo=UTC)]
    ctx = init_ward(tmp_path / "dst.db", ward="W", tz=tz, admin_password=ADMIN_PASSWORD,
                    clock=lambda: moment[0])
    for name, role in (("charge.silva", "charge_nurse"), (PHARMACIST, "pharmacist"),
                       ("nurse.jones", "nurse")):
        add_user(ctx, name, role, pw(name))
    with acting(ctx, "charge.silva"):
        add_patient(ctx, NewPatient(mrn="RX1", name="A B", dob=date(1970, 1, 1), bed="1"))
    with acting(ctx, PHARMACIST):
        typed.add_order(ctx, typed.OrderText(mrn="RX1", route="oral", dose_mg=5,
                                              times="01:30,02:30,08:00,22:00"))
    act_as(ctx, "nurse.jones")
    for day in (spring, autumn):
        moment[0] = datetime.combine(day + timedelta(days=1), datetime.min.time(), tzinfo=UTC)
        _, entries = typed.mar_day(ctx, "RX1", day)
        local = [e.due.astimezone(ctx.zone).strftime("%H:%M") for e in entries]
        assert local[-2:] == ["08:00", "22:00"]
        assert len(entries) == len({e.due for e in entries})
        if day == spring and tz == "America/New_York":
            assert local == ["01:30", "03:00", "08:00", "22:00"]  # 02:30 is in the gap
        if day == spring and tz == "Europe/London":
            assert local == ["02:00", "02:30", "08:00", "22:00"]  # 01:30 is in the gap
        if day == autumn:
            assert local == ["01:30", "02:30", "08:00", "22:00"]  # 01:30 once, not twice
        # Give every dose at least 4 h after the last one given (the minimum interval); record
        # the others as not given (asleep): then nothing is missed that day.
        last = None
        for e in entries:
            moment[0] = e.due + timedelta(minutes=5)
            if last is not None and moment[0] - last < timedelta(hours=4):
                typed.omit(ctx, "RX1", e.due.isoformat(), "asleep")
                continue
            assert typed.give(ctx, "RX1", e.due.isoformat()).outcome is Outcome.GIVEN
            last = moment[0]
    ctx.close()


def test_a_clock_time_means_the_nearest_such_dose(ward7, clock):
    tds(ward7, start=datetime(2026, 11, 24, 7, tzinfo=UTC))
    clock.set("2026-11-25T00:30", ward7.zone)
    assert typed.give(ward7, "RX1", "22:00").due == datetime(2026, 11, 24, 22, tzinfo=UTC)
    clock.set("2026-11-25T08:10", ward7.zone)
    assert typed.omit(ward7, "RX1", "14:00", "away").due == datetime(2026, 11, 25, 14, tzinfo=UTC)


def test_a_record_stays_on_the_mar_when_the_order_times_change_after_it(ward7, clock):
    """Nothing recorded disappears: a dose given, then the order's times changed so that its due
    time is no longer in the schedule, still shows on the MAR (and in mar --json)."""
    tds(ward7)
    clock.set("2026-11-25T13:20", ward7.zone)  # given early, before lunch
    typed.give(ward7, "RX1", "14:00", override=mar.Override(reason="going to theatre"))
    act_as(ward7, PHARMACIST)
    tds(ward7, times="09:00,15:00,21:00", start=datetime(2026, 11, 25, 13, 30, tzinfo=UTC))
    act_as(ward7, "nurse.okafor")
    _, entries = typed.mar_day(ward7, "RX1", date(2026, 11, 25))
    shown = [(e.due.astimezone(ward7.zone).strftime("%H:%M"), e.state.value) for e in entries]
    assert ("14:00", "given") in shown and ("15:00", "due") in shown
