"""Tapers on real SQLite files: the issue's example, refusals, applying it to the MAR, the daily
withdrawal check, cancelling it, and the pregnancy note."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from tests import typed
from tests.conftest import ADMIN_PASSWORD, act_as, acting, database_state, pw
from tests.services.test_orders_and_mar import Clock
from ward_app.domain.alerts import Severity
from ward_app.domain.errors import InvalidInput, Refused
from ward_app.services.admin import add_user, init_ward
from ward_app.services.alerts import ward_alerts
from ward_app.services.patients import NewPatient, add_patient

START = date(2026, 12, 1)


@pytest.fixture
def clock():
    return Clock(datetime(2026, 11, 25, 9, 0, tzinfo=UTC))


@pytest.fixture
def ward7(tmp_path, clock):
    ctx = init_ward(tmp_path / "w.db", ward="Ward 7", tz="Europe/London",
                    admin_password=ADMIN_PASSWORD, clock=clock)
    add_user(ctx, "nurse.jones", "nurse", pw("nurse.jones"))
    add_user(ctx, "charge.silva", "charge_nurse", pw("charge.silva"))
    add_user(ctx, "pharm.chen", "pharmacist", pw("pharm.chen"))
    with acting(ctx, "charge.silva"):
        add_patient(ctx, NewPatient(mrn="RX1", name="Łukasz Żółć", dob=date(1980, 1, 1), bed="1"))
        add_patient(ctx, NewPatient(mrn="RX2", name="Pump Patient", dob=date(1980, 1, 1), bed="2"))
    act_as(ctx, "pharm.chen")  # orders and tapers are the pharmacist's
    typed.add_order(ctx, typed.OrderText(mrn="RX1", route="oral", dose_mg=20, freq="TDS"))
    typed.add_order(ctx, typed.OrderText(mrn="RX2", route="intrathecal", daily_mcg=300,
                                          witness="nurse.jones"))
    yield ctx
    ctx.close()


def params(**kw):
    return typed.TaperText(**{"mrn": "RX1", "start": START, **kw})


def test_the_issues_example(ward7):
    plan = typed.taper_preview(ward7, params(step_mg=5, every_days=3)).plan
    by_day = {d.day: d for d in plan.days}
    assert by_day[1].date == START and by_day[1].daily_mg == 55
    assert [by_day[n].daily_mg for n in (1, 3, 4, 6, 7)] == [55, 55, 50, 50, 45]
    assert all(by_day[n].daily_mg == 5 for n in (31, 32, 33))
    assert by_day[34].daily_mg == 0 and plan.days[-1].day == 34 and plan.length_days == 33
    for d in plan.days:
        assert sum(mg for _t, mg in d.doses) == d.daily_mg
        assert all(mg % 5 == 0 for _t, mg in d.doses)  # tablets: 5 mg amounts
    # one dose time at a time, midday first, the night dose last
    assert by_day[1].doses == (("08:00", 20), ("14:00", 15), ("22:00", 20))
    assert by_day[4].doses == (("08:00", 15), ("14:00", 15), ("22:00", 20))
    assert by_day[7].doses == (("08:00", 15), ("14:00", 15), ("22:00", 15))
    j = plan.to_json()
    assert j["end_date"] == "2027-01-03" and j["days"] == 33
    assert j["steps"][0] == {"date": "2026-12-01", "day": 1, "daily_mg": 55.0, "doses": [
        {"time": "08:00", "mg": 20.0}, {"time": "14:00", "mg": 15.0}, {"time": "22:00", "mg": 20.0}]}


@pytest.mark.parametrize("kw, error, message", [
    ({"step_mg": 2.5}, InvalidInput, "cannot be given: tablets give 5 mg steps"),
    ({"step_mg": 25}, InvalidInput, "larger than the largest single dose (20 mg)"),
    ({"step_mg": 20, "every_days": 1}, Refused, "never faster than 7 days"),
    ({"every_days": 40}, InvalidInput, "A step every 40 days is out of range"),
    ({"step_pct": 80}, InvalidInput, "A step of 80 % is out of range"),
    ({"start": date(2026, 11, 1)}, InvalidInput, "is in the past"),
])
def test_refusals_say_what_to_change(ward7, kw, error, message):
    import re
    with pytest.raises(error, match=re.escape(message)) as info:
        typed.taper_preview(ward7, params(**kw))
    assert "--" not in str(info.value)
    if error is InvalidInput:  # the field the command line and the window name their own way
        assert info.value.field == next(iter(kw)).replace("_", "-")


def test_intrathecal_is_refused_and_solution_allows_small_steps(ward7):
    with pytest.raises(Refused, match="specialist decision"):
        typed.taper_preview(ward7, params(mrn="RX2"))
    plan = typed.taper_preview(ward7, params(step_mg=2, every_days=2, form="solution")).plan
    assert plan.days[0].daily_mg == 58 and plan.form.value == "solution"


def test_a_high_starting_dose_slows_down(ward7):
    typed.add_order(ward7, typed.OrderText(mrn="RX1", route="oral", dose_mg=25, freq="QDS",
                                            override_reason="agreed with the spasticity team",
                                            ack_warnings=True))
    plan = typed.taper_preview(ward7, params(step_mg=5, every_days=3)).plan
    assert plan.slowed and any("High starting dose" in n for n in plan.notes)
    first = plan.steps()
    assert first[1].day - first[0].day == 6  # 95 mg/day: above 60, six days between steps
    at_60 = next(d for d in first if d.daily_mg == 60)
    after = first[first.index(at_60) + 1]
    assert after.day - at_60.day == 3  # at or below 60: the usual three days


def test_pregnancy_note_against_the_delivery_date(ward7):
    with acting(ward7, "charge.silva"):
        typed.set_patient(ward7, "RX1", set_flags=["pregnancy"], delivery_date=date(2026, 12, 20))
    notes = typed.taper_preview(ward7, params()).plan.notes
    assert any("AFTER the expected delivery date (20 Dec 2026)" in n for n in notes)


def test_apply_changes_the_mar_day_by_day_and_starts_a_daily_check(ward7, clock):
    before = database_state(ward7.path)
    with pytest.raises(InvalidInput, match="prescriber"):
        typed.taper_apply(ward7, params(), "")
    assert database_state(ward7.path) == before
    _p, taper_id = typed.taper_apply(ward7, params(), "Dr Khan")
    clock.moment = datetime(2026, 12, 1, 7, 0, tzinfo=UTC)
    _patient, day1 = typed.mar_day(ward7, "RX1", START)
    assert [(e.due.strftime("%H:%M"), e.dose_mg) for e in day1] == [
        ("08:00", 20), ("14:00", 15), ("22:00", 20)]
    _patient, day31 = typed.mar_day(ward7, "RX1", START + timedelta(days=30))
    assert sum(e.dose_mg for e in day31) == 5 and len(day31) == 1  # only the night dose left
    _patient, day34 = typed.mar_day(ward7, "RX1", START + timedelta(days=33))
    assert day34 == []
    # (nothing was recorded since 25 Nov in this test, so there is a missed-dose watch too)
    watch = next(a for a in ward_alerts(ward7) if a.rule == "withdrawal.watch" and "taper" in a.key)
    assert watch.severity is Severity.INFO and "every 24 h" in watch.message
    clock.moment = datetime(2026, 12, 2, 0, 30, tzinfo=UTC)
    assert any(a.rule == "monitoring.overdue" and "oral taper" in a.message
               for a in ward_alerts(ward7))
    with acting(ward7, "nurse.jones"):
        typed.add_observation(ward7, typed.ObsText(
            mrn="RX1", rr=16, spo2=97, on_oxygen=False, sbp=120, hr=70, acvpu="A", temp=36.8,
            signs_checked=True))
    assert not any(a.rule == "monitoring.overdue" and "oral taper" in a.message
                   for a in ward_alerts(ward7))
    with pytest.raises(Refused, match="taper is already planned"):
        typed.taper_preview(ward7, params(start=date(2026, 12, 3)))
    with pytest.raises(Refused, match="cancel the taper first"):
        typed.add_order(ward7, typed.OrderText(mrn="RX1", route="oral", dose_mg=10, freq="TDS"))


def test_cancel_restores_the_full_order_from_the_chosen_time(ward7, clock):
    typed.taper_apply(ward7, params(), "Dr Khan")
    clock.moment = datetime(2026, 12, 10, 9, 0, tzinfo=UTC)
    with pytest.raises(InvalidInput, match="reason"):
        typed.taper_cancel(ward7, "RX1", "")
    restored = typed.taper_cancel(ward7, "RX1", "spasms returned, prescriber review",
                             datetime(2026, 12, 10, 12, 0, tzinfo=UTC))
    assert restored.dose_mg == 20 and restored.daily_mg == 60
    _p, day10 = typed.mar_day(ward7, "RX1", date(2026, 12, 10))
    assert [(e.due.strftime("%H:%M"), e.dose_mg) for e in day10] == [
        ("08:00", 15), ("14:00", 20), ("22:00", 20)]  # tapered at 08:00, full from 12:00
    _p, later = typed.mar_day(ward7, "RX1", date(2027, 1, 10))
    assert [e.dose_mg for e in later] == [20, 20, 20]  # the taper's stop no longer counts
    with pytest.raises(InvalidInput, match="no taper in progress"):
        typed.taper_cancel(ward7, "RX1", "again")
    clock.moment = datetime(2026, 12, 10, 13, 0, tzinfo=UTC)
    assert not any(a.rule == "withdrawal.watch" and "taper" in a.key for a in ward_alerts(ward7))


def test_the_taper_sheet_prints_the_wards_number_from_the_setting(ward7):
    """clinical-rules §10: the ward's number where the sheet says whom to call, when it is set."""
    from ward_app.services.reports import taper_sheet

    preview = typed.taper_preview(ward7, params())
    assert taper_sheet(ward7, preview, "Dr Khan").phone == ""
    with acting(ward7, "admin"):
        typed.set_setting(ward7, "contact.phone", "020 7946 0471")
    assert taper_sheet(ward7, preview, "Dr Khan").phone == "020 7946 0471"


def test_the_live_taper_is_the_plan_as_applied_until_it_ends_or_is_cancelled(ward7, clock):
    """The chart shows an applied taper before its day 1 (issue 16) and reprints its sheet."""
    from ward_app.services.tapers import live_taper

    rx1 = typed.pid(ward7, "RX1")
    assert live_taper(ward7, rx1) is None
    applied, _taper_id = typed.taper_apply(ward7, params(), "Dr Khan")
    live = live_taper(ward7, rx1)
    assert live is not None and not live.started and live.prescriber == "Dr Khan"
    assert live.plan.days == applied.plan.days and live.plan.times == applied.plan.times
    assert live.plan.start_daily_mg == applied.plan.start_daily_mg == 60
    assert live.preview.order.describe() == applied.order.describe()
    with acting(ward7, "nurse.jones"):  # a read: every role sees it
        assert live_taper(ward7, rx1) is not None
    assert live_taper(ward7, rx1, datetime(2026, 12, 2, 9, 0, tzinfo=UTC)).started
    ended = datetime.combine(applied.plan.end_date, datetime.min.time(), tzinfo=UTC) + timedelta(
        hours=1)
    assert live_taper(ward7, rx1, ended) is None
    clock.moment = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
    typed.taper_cancel(ward7, "RX1", "spasms returned")
    assert live_taper(ward7, rx1) is None


def test_cancel_keeps_the_cautions_the_prescriber_acknowledged(ward7, clock):
    with acting(ward7, "charge.silva"):
        typed.set_patient(ward7, "RX1", set_flags=["epilepsy"])
    clock.moment = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
    order = typed.add_order(ward7, typed.OrderText(mrn="RX1", route="oral", dose_mg=20, freq="TDS",
                                                   ack_warnings=True))
    assert order.cautions  # epilepsy: a caution the prescriber acknowledged
    typed.taper_apply(ward7, params(), "Dr Khan")
    clock.moment = datetime(2026, 12, 10, 9, 0, tzinfo=UTC)
    restored = typed.taper_cancel(ward7, "RX1", "spasms returned")
    assert restored.cautions == order.cautions
