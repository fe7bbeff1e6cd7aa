"""Pumps on real SQLite files: the issue's example, refusals, witnessed order changes, alarms, the
escalation of refill alerts as the dates approach, and the board's refill-by column."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest

from tests import typed
from tests.conftest import ADMIN_PASSWORD, acting, database_state, pw
from tests.services.test_orders_and_mar import Clock
from ward_app.domain.alerts import Severity
from ward_app.domain.errors import InvalidInput, Refused
from ward_app.domain.pump import EventKind
from ward_app.services import pumps as svc
from ward_app.services.admin import add_user, init_ward
from ward_app.services.alerts import ward_alerts
from ward_app.services.board import ward_board
from ward_app.services.context import Actor
from ward_app.services.patients import NewPatient, add_patient
from ward_app.storage import audit

REFILLED = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)


@pytest.fixture
def clock():
    return Clock(REFILLED)


@pytest.fixture
def ward7(tmp_path, clock):
    ctx = init_ward(tmp_path / "w.db", ward="Ward 7", tz="Europe/London",
                    admin_password=ADMIN_PASSWORD, clock=clock)
    nurse = add_user(ctx, "nurse.okafor", "nurse", pw("nurse.okafor"))
    add_user(ctx, "nurse.jones", "nurse", pw("nurse.jones"))
    add_user(ctx, CHARGE, "charge_nurse", pw(CHARGE))
    add_user(ctx, PHARMACIST, "pharmacist", pw(PHARMACIST))
    with acting(ctx, CHARGE):
        add_patient(ctx, NewPatient(mrn="RX2", name="Pump Patient", dob=date(1980, 1, 1), bed="2"))
    with acting(ctx, PHARMACIST):
        typed.add_order(ctx, typed.OrderText(mrn="RX2", route="intrathecal", daily_mcg=400,
                                              witness="nurse.jones"))
    with acting(ctx, CHARGE):
        typed.set_pump(ctx, "RX2", model="SynchroMed II 20 mL", reservoir_ml=20,
                     implant_date=date(2023, 1, 10), eri_date=date(2029, 5, 1))
    ctx.actor = Actor(nurse, "nurse.okafor", "nurse")  # refills, alarms
    yield ctx
    ctx.close()


CHARGE = "charge.silva"  # admits, records pump details
PHARMACIST = "pharm.chen"  # prescribes


def refill(ctx, **kw):
    fields = {"mrn": "RX2", "volume_ml": 20, "conc_mcg_ml": 2000, "daily_mcg": 400,
              "witness": "nurse.jones", **kw}
    return typed.refill_pump(ctx, typed.RefillText(**fields))


def pump_rules(ctx):
    return {a.rule: a for a in ward_alerts(ctx) if a.rule.startswith(("pump.", "itb."))}


def test_the_issues_example(ward7):
    done = refill(ward7, alarm_ml=2)
    d = done.dates
    assert d.days_to_alarm == 90 and d.alarm_at == REFILLED + timedelta(days=90)
    assert d.empty_at == REFILLED + timedelta(days=100)
    assert d.refill_by == (REFILLED + timedelta(days=83)).date()
    assert d.refill_by_reason == "alarm date − 7 days"
    assert (done.refill.by, done.refill.witness) == ("nurse.okafor", "nurse.jones")
    entry = audit.entries(ward7.db, limit=1)[0]
    assert entry["action"] == "pump.refill" and entry["user"] == "nurse.okafor"


def test_alerts_escalate_as_the_dates_approach(ward7, clock):
    refill(ward7)
    day = lambda n: REFILLED + timedelta(days=n)  # noqa: E731
    clock.moment = day(75)
    assert pump_rules(ward7) == {}
    clock.moment = day(76) + timedelta(hours=1)  # refill-by (day 83) within 7 days
    assert pump_rules(ward7)["pump.refill_due"].severity is Severity.WARNING
    clock.moment = day(84) + timedelta(hours=1)  # the refill-by date (day 83) has passed
    due = pump_rules(ward7)["pump.refill_overdue"]
    assert due.severity is Severity.URGENT and "Refill TODAY" in due.message
    assert "OVERDUE since" in due.message and "pump.refill_due" not in pump_rules(ward7)
    clock.moment = day(95)
    assert "passed" in pump_rules(ward7)["pump.refill_overdue"].message
    clock.moment = day(100) + timedelta(minutes=1)
    found = pump_rules(ward7)
    assert found["pump.empty"].severity is Severity.EMERGENCY and "pump.refill_due" not in found
    assert any(a.rule == "withdrawal.watch" for a in ward_alerts(ward7))
    refill(ward7)  # a new refill clears them
    assert pump_rules(ward7) == {}


def test_a_refill_without_a_witness_or_witnessed_by_the_same_user_is_refused(ward7):
    before = database_state(ward7.path)
    but_logins = database_state(ward7.path, but_logins=True)
    with pytest.raises(InvalidInput, match="needs a witness"):
        refill(ward7, witness=None)
    with pytest.raises(InvalidInput, match="different user"):
        refill(ward7, witness="nurse.okafor")
    with pytest.raises(InvalidInput, match="no user 'nobody'"):
        refill(ward7, witness="nobody")
    assert database_state(ward7.path) == before
    with pytest.raises(Refused, match="witness password"):  # audited, counts toward a lockout
        refill(ward7, witness_password="wrong password")
    assert database_state(ward7.path, but_logins=True) == but_logins
    assert audit.entries(ward7.db, limit=1)[0]["action"] == "witness.failed"
    assert refill(ward7, witness_password=pw("nurse.jones")).refill.witness == "nurse.jones"


@pytest.mark.parametrize("change, error, message", [
    ({"volume_ml": 21}, InvalidInput, "more than the reservoir holds (20 mL)"),
    ({"conc_mcg_ml": 1500}, InvalidInput, "not a concentration the ward stocks"),
    ({"daily_mcg": 450}, Refused, "does not match the order: the intrathecal order is 400"),
    ({"alarm_ml": 20}, InvalidInput, "must be less than the volume"),
    ({"volume_ml": -1}, InvalidInput, "positive"),
])
def test_a_refill_that_does_not_add_up_is_refused_and_nothing_is_written(ward7, change, error,
                                                                          message):
    before = database_state(ward7.path)
    with pytest.raises(error, match=re.escape(message)):
        refill(ward7, **change)
    assert database_state(ward7.path) == before


def test_a_refill_can_change_the_order_in_the_same_witnessed_action(ward7, clock):
    clock.moment += timedelta(hours=1)
    with pytest.raises(Refused, match="needs a pharmacist"):  # a nurse witness cannot prescribe
        refill(ward7, daily_mcg=600, change_order=True)
    # the witness's name as typed, with a stray space: the same pharmacist, who may prescribe
    done = refill(ward7, daily_mcg=600, change_order=True, witness=f" {PHARMACIST.upper()} ")
    assert done.order is not None and done.order.daily_mcg == 600
    assert done.refill.witness == PHARMACIST
    found = pump_rules(ward7)
    assert found["itb.dose_step"].values["change_pct"] == 50.0  # over +40 %: a warning
    # observations are due after a refill or dose change
    clock.moment += timedelta(hours=4, minutes=1)
    overdue = [a for a in ward_alerts(ward7) if a.rule == "monitoring.overdue"]
    assert overdue and "after the intrathecal" in overdue[0].message
    clock.moment += timedelta(days=1)
    assert "itb.dose_step" not in pump_rules(ward7)  # past the monitoring period


def test_alarms_are_urgent_or_emergency_until_dealt_with(ward7, clock):
    refill(ward7)
    clock.moment += timedelta(days=3)
    typed.record_alarm(ward7, "RX2", "low_reservoir", "single tone")
    assert pump_rules(ward7)["pump.alarm"].severity is Severity.URGENT
    typed.record_alarm(ward7, "RX2", "critical")
    alarms = [a for a in ward_alerts(ward7) if a.rule == "pump.alarm"]
    assert sorted(a.severity for a in alarms) == [Severity.URGENT, Severity.EMERGENCY]
    with pytest.raises(InvalidInput, match="not a pump alarm"):
        typed.record_alarm(ward7, "RX2", "beeping")
    clock.moment += timedelta(hours=1)
    refill(ward7)  # resolves the low-reservoir alarm, not the critical one (clinical-rules §10)
    (left,) = [a for a in ward_alerts(ward7) if a.rule == "pump.alarm"]
    assert left.severity is Severity.EMERGENCY and left.values["kind"] == "critical"


def test_eri_warning_then_urgent(ward7, clock):
    with acting(ward7, CHARGE):
        typed.set_pump(ward7, "RX2", eri_date=date(2027, 3, 1))  # end of service about 30 May 2027
    assert "pump.eri" not in pump_rules(ward7)
    clock.moment = datetime(2026, 12, 2, 9, tzinfo=UTC)  # within 180 days of end of service
    assert pump_rules(ward7)["pump.eri"].severity is Severity.WARNING
    clock.moment = datetime(2027, 3, 1, 9, tzinfo=UTC)
    assert pump_rules(ward7)["pump.eri"].severity is Severity.URGENT


def test_pump_set_validation_and_no_pump(ward7):
    with acting(ward7, CHARGE):
        with pytest.raises(InvalidInput, match="reservoir of 500 mL is out of range") as info:
            typed.set_pump(ward7, "RX2", reservoir_ml=500)
        assert info.value.field == "reservoir-ml"
        with pytest.raises(InvalidInput, match="Nothing to change"):
            typed.set_pump(ward7, "RX2")
        add_patient(ward7, NewPatient(mrn="RX3", name="No Pump", dob=date(1980, 1, 1), bed="3"))
    with pytest.raises(InvalidInput, match="No pump is recorded for MRN RX3"):
        typed.refill_pump(ward7, typed.RefillText("RX3", 20, 2000, 400, "nurse.jones"))


def test_the_board_shows_the_refill_by_date_highlighted_when_due(ward7, clock):
    refill(ward7)
    row = next(r for r in ward_board(ward7) if r.mrn == "RX2")
    assert row.refill_by == date(2027, 2, 16) and row.refill_severity is None
    clock.moment = REFILLED + timedelta(days=80)
    row = next(r for r in ward_board(ward7) if r.mrn == "RX2")
    assert row.refill_severity is Severity.WARNING


def test_demo_ward_has_consistent_pump_histories(demo_ward):
    from ward_app.services.demo import PAST_ERI
    from ward_app.services.patients import list_patients

    rows = {r.name: r for r in ward_board(demo_ward)}
    pumps = [r for r in rows.values() if r.route == "intrathecal"]
    assert len(pumps) == 8 and all(r.refill_by is not None for r in pumps)
    due = [r for r in pumps if r.refill_severity is not None]
    assert due, "one pump is due for refill within the week"
    assert any(a.rule == "pump.eri" and a.name == PAST_ERI and a.severity >= Severity.URGENT
               for a in ward_alerts(demo_ward))
    for p in list_patients(demo_ward):
        view = svc.pump_view(demo_ward, p)
        if view is None:
            continue
        assert len(view.refills) >= 3
        for newer, older in zip(view.refills, view.refills[1:], strict=False):
            assert (newer.conc_mcg_ml, newer.daily_mcg) == (older.conc_mcg_ml, older.daily_mcg)
            from ward_app.domain.pump import pump_dates
            limit = pump_dates(older, demo_ward.thresholds(), demo_ward.zone).refill_by
            assert newer.refilled_at.astimezone(demo_ward.zone).date() <= limit


def test_past_the_drug_stability_limit_the_refill_is_overdue_and_urgent(ward7, clock):
    with acting(ward7, PHARMACIST):
        typed.add_order(ward7, typed.OrderText(mrn="RX2", route="intrathecal", daily_mcg=100,
                                                witness="nurse.jones", ack_warnings=True))
    done = refill(ward7, daily_mcg=100)  # 360 days of drug, but only 90 days' stability
    assert done.dates.refill_by_reason == "drug stability limit"
    clock.moment = REFILLED + timedelta(days=85)
    assert pump_rules(ward7)["pump.refill_due"].severity is Severity.WARNING
    clock.moment = REFILLED + timedelta(days=91, hours=1)
    overdue = pump_rules(ward7)["pump.refill_overdue"]
    assert overdue.severity is Severity.URGENT and "OVERDUE" in overdue.message
    assert "drug stability limit" in overdue.message


def test_the_withdrawal_watch_after_an_empty_reservoir_outlasts_the_refill(ward7, clock):
    refill(ward7)
    clock.moment = REFILLED + timedelta(days=100, hours=2)  # ran dry 2 h ago
    refill(ward7)
    watches = [a for a in ward_alerts(ward7) if a.rule == "withdrawal.watch"]
    assert watches and "calculated empty" in watches[0].message
    clock.moment += timedelta(hours=45)  # 47 h after it ran dry
    assert any(a.rule == "withdrawal.watch" for a in ward_alerts(ward7))
    clock.moment += timedelta(hours=2)
    assert not any(a.rule == "withdrawal.watch" for a in ward_alerts(ward7))


# --- issue 18 -------------------------------------------------------------------------------------


def _alarm_id(ctx, kind):
    view = svc.pump_view(ctx, typed_patient(ctx))
    return next(a.id for a in view.alarms if a.kind.value == kind)


def typed_patient(ctx):
    from ward_app.services.patients import patient_by_id
    return patient_by_id(ctx, typed.pid(ctx, "RX2"))


def test_a_pump_details_edit_leaves_a_critical_alarm_and_its_emergency_active(ward7, clock):
    """Issue 18: `pump set --model ...` (a typo fix) cleared a two-tone critical alarm."""
    refill(ward7)
    clock.moment += timedelta(days=2)
    typed.record_alarm(ward7, "RX2", "critical", "two-tone at the bedside")
    clock.moment += timedelta(minutes=10)
    with acting(ward7, CHARGE):
        typed.set_pump(ward7, "RX2", model="SynchroMed II 20 mL (typo fixed)")
        typed.set_pump(ward7, "RX2", eri_date=date(2029, 6, 1))
    alarm = pump_rules(ward7)["pump.alarm"]
    assert alarm.severity is Severity.EMERGENCY and alarm.values["kind"] == "critical"
    view = svc.pump_view(ward7, typed_patient(ward7))
    assert [a.kind.value for a in view.alarms] == ["critical"]


@pytest.mark.parametrize("kind", ["critical", "eri"])
def test_critical_and_eri_alarms_are_resolved_only_with_the_itb_teams_contact(ward7, clock, kind):
    refill(ward7)
    clock.moment += timedelta(days=2)
    typed.record_alarm(ward7, "RX2", kind)
    aid = _alarm_id(ward7, kind)
    patient = typed.pid(ward7, "RX2")
    with pytest.raises(InvalidInput, match="ITB team's contact") as err:
        svc.resolve_alarm(ward7, patient, aid, "pump checked")
    assert err.value.field == "itb-team"
    with pytest.raises(InvalidInput) as err:
        svc.resolve_alarm(ward7, patient, aid, "  ", "Dr Rao")
    assert err.value.field == "action"
    assert "pump.alarm" in pump_rules(ward7)
    clock.moment += timedelta(minutes=30)
    done = svc.resolve_alarm(ward7, patient, aid, "pump interrogated, restarted", "Dr Rao (ITB)")
    assert (done.by, done.itb_contact) == ("nurse.okafor", "Dr Rao (ITB)")
    assert "pump.alarm" not in pump_rules(ward7)
    with pytest.raises(Refused, match="already resolved"):
        svc.resolve_alarm(ward7, patient, aid, "again", "Dr Rao")
    entry = audit.entries(ward7.db, limit=1)[0]
    assert entry["action"] == "pump.resolve"
    (line,) = svc.pump_view(ward7, typed_patient(ward7)).alarm_history
    assert "pump interrogated, restarted" in line.resolution and "Dr Rao (ITB)" in line.resolution
    assert "nurse.okafor" in line.resolution and line.resolved_at == clock.moment


def test_a_low_reservoir_alarm_is_resolved_by_the_refill_and_history_says_so(ward7, clock):
    refill(ward7)
    clock.moment += timedelta(days=80)
    typed.record_alarm(ward7, "RX2", "low_reservoir")
    aid = _alarm_id(ward7, "low_reservoir")
    with pytest.raises(Refused, match="resolved by the refill"):
        svc.resolve_alarm(ward7, typed.pid(ward7, "RX2"), aid, "refilled", "Dr Rao")
    clock.moment += timedelta(hours=1)
    refill(ward7, withdrawn_ml=4)
    assert "pump.alarm" not in pump_rules(ward7)
    (line,) = svc.pump_view(ward7, typed_patient(ward7)).alarm_history
    assert "refill" in line.resolution and line.resolved_at == clock.moment


@pytest.mark.parametrize(("reservoir", "conc", "daily", "days", "expected", "limit"), [
    (20, 500, 100, 30, 14.0, 0.87),
    (20, 2000, 400, 60, 8.0, 1.74),
    (40, 500, 300, 60, 4.0, 2.0),
    (40, 2000, 500, 60, 25.0, 2.0),
])
def test_refill_reconciliation_on_20_and_40_ml_pumps(ward7, clock, reservoir, conc, daily, days,
                                                     expected, limit):
    with acting(ward7, CHARGE):
        typed.set_pump(ward7, "RX2", reservoir_ml=reservoir)
    if daily != 400:
        with acting(ward7, PHARMACIST):
            typed.add_order(ward7, typed.OrderText(mrn="RX2", route="intrathecal", daily_mcg=daily,
                                                    witness="nurse.jones", ack_warnings=True))
    refill(ward7, volume_ml=reservoir, conc_mcg_ml=conc, daily_mcg=daily)
    clock.moment += timedelta(days=days)
    preview = svc.expected_residual(ward7, typed.pid(ward7, "RX2"), expected + limit)
    assert preview is not None and (preview.expected_ml, preview.limit_ml) == (expected, limit)
    assert not preview.discrepant
    done = refill(ward7, volume_ml=reservoir, conc_mcg_ml=conc, daily_mcg=daily,
                  withdrawn_ml=expected + limit)  # at the limit: no alert
    assert done.reconciliation is not None and not done.reconciliation.discrepant
    assert done.refill.withdrawn_ml == expected + limit
    assert "pump.volume_discrepancy" not in pump_rules(ward7)
    clock.moment += timedelta(days=days)
    done = refill(ward7, volume_ml=reservoir, conc_mcg_ml=conc, daily_mcg=daily,
                  withdrawn_ml=expected - limit - 0.1)  # less back: over-infusion
    assert done.reconciliation is not None and done.reconciliation.discrepant
    alert = pump_rules(ward7)["pump.volume_discrepancy"]
    assert alert.severity is Severity.URGENT and "over-infusing" in alert.message
    svc.record_event(ward7, typed.pid(ward7, "RX2"), EventKind.INTERROGATION, "ITB team checked")
    assert "pump.volume_discrepancy" not in pump_rules(ward7)


def test_a_withdrawn_volume_that_cannot_be_is_refused(ward7):
    refill(ward7)
    with pytest.raises(InvalidInput) as err:
        refill(ward7, withdrawn_ml=25)
    assert err.value.field == "withdrawn-ml" and "--" not in str(err.value)


def test_the_post_refill_watch_is_due_now_and_outstanding(ward7, clock):
    from ward_app.services.worklist import due_now

    refill(ward7)
    clock.moment += timedelta(minutes=10)
    (item,) = [i for i in due_now(ward7) if i.kind == "post-refill check"]
    assert item.due == REFILLED + timedelta(hours=1) and item.state == "due soon"
    assert "sedation" in item.what.lower()
    clock.moment = REFILLED + timedelta(hours=1, minutes=5)
    (item,) = [i for i in due_now(ward7) if i.kind == "post-refill check"]
    assert item.state == "overdue"
    assert any(a.key.endswith("postrefill1") for a in ward_alerts(ward7))
    clock.moment = REFILLED + timedelta(hours=4)
    assert not [i for i in due_now(ward7) if i.kind == "post-refill check"]


def test_mri_raises_check_due_until_an_interrogation(ward7, clock):
    refill(ward7)
    patient = typed.pid(ward7, "RX2")
    clock.moment += timedelta(days=3)
    event = svc.record_event(ward7, patient, EventKind.MRI, "1.5 T brain MRI")
    assert event.by == "nurse.okafor"
    assert pump_rules(ward7)["pump.check_due"].severity is Severity.URGENT
    clock.moment += timedelta(hours=2)
    svc.record_event(ward7, patient, EventKind.INTERROGATION)
    assert "pump.check_due" not in pump_rules(ward7)
    assert audit.entries(ward7.db, limit=1)[0]["action"] == "pump.event"
    assert [e.kind for e in svc.pump_view(ward7, typed_patient(ward7)).events] == [
        EventKind.INTERROGATION, EventKind.MRI]


def test_the_board_and_handover_say_overdue_since(ward7, clock):
    from ward_app.services.handover import build_handover

    refill(ward7)
    clock.moment = REFILLED + timedelta(days=84, hours=1)  # refill by day 83
    row = next(r for r in ward_board(ward7) if r.mrn == "RX2")
    assert row.refill_overdue_since == row.refill_by + timedelta(days=1)
    assert row.refill_severity is Severity.URGENT
    with acting(ward7, CHARGE):
        h = build_handover(ward7)
    (line,) = h.summary.refills_due
    assert line.overdue_since == row.refill_overdue_since
    text = " ".join(a.what for p in h.patients for a in p.actions)
    assert f"OVERDUE since {line.overdue_since:%a %d %b}" in text
    assert any("OVERDUE since" in o for o in h.outstanding)
