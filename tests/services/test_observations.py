"""Observations, NEWS2 alerts, withdrawal, renal, acknowledgements and corrections on real SQLite."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest

from tests import typed
from tests.conftest import ADMIN_PASSWORD, acting, database_state, pw
from tests.services.test_orders_and_mar import Clock
from ward_app.domain.alerts import Severity
from ward_app.domain.errors import InvalidInput
from ward_app.services import observations as obs
from ward_app.services.admin import add_user, init_ward
from ward_app.services.alerts import acknowledge, ward_alerts
from ward_app.services.context import Actor
from ward_app.services.patients import NewPatient, add_patient
from ward_app.storage import audit

VITALS_7 = {"rr": 25, "spo2": 95, "on_oxygen": False, "sbp": 100, "hr": 95, "acvpu": "A",
            "temp": 37.0}  # RR 3 + SpO2 1 + air 0 + SBP 2 + HR 1 + A 0 + temp 0 = 7
CALM = {"rr": 16, "spo2": 97, "on_oxygen": False, "sbp": 128, "hr": 72, "acvpu": "A", "temp": 36.8}


@pytest.fixture
def clock():
    return Clock(datetime(2026, 11, 25, 9, 0, tzinfo=UTC))


@pytest.fixture
def ward7(tmp_path, clock):
    ctx = init_ward(tmp_path / "w.db", ward="Ward 7", tz="Europe/London",
                    admin_password=ADMIN_PASSWORD, clock=clock)
    nurse = add_user(ctx, "nurse.okafor", "nurse", pw("nurse.okafor"))
    add_user(ctx, "nurse.jones", "nurse", pw("nurse.jones"))
    add_user(ctx, "charge.silva", "charge_nurse", pw("charge.silva"))
    add_user(ctx, "pharm.chen", "pharmacist", pw("pharm.chen"))
    with acting(ctx, "charge.silva"):
        add_patient(ctx, NewPatient(mrn="RX1", name="Oral Patient", dob=date(1970, 1, 1), bed="1"))
        add_patient(ctx, NewPatient(mrn="RX2", name="Łukasz Żółć", dob=date(1980, 1, 1), bed="2"))
    with acting(ctx, "pharm.chen"):
        typed.add_order(ctx, typed.OrderText(mrn="RX1", route="oral", dose_mg=10, freq="TDS"))
        typed.add_order(ctx, typed.OrderText(mrn="RX2", route="intrathecal", daily_mcg=450,
                                              start=clock() - timedelta(days=1),
                                              witness="nurse.jones"))
    ctx.actor = Actor(nurse, "nurse.okafor", "nurse")
    yield ctx
    ctx.close()


def rules(ctx, mrn=None, **kw):
    pid = None
    if mrn:
        from ward_app.services.patients import get_patient
        pid = get_patient(ctx, mrn).id
    return {a.rule: a for a in ward_alerts(ctx, patient_id=pid, **kw)}


def test_vitals_scoring_7_raise_news2_emergency_and_nothing_else_from_news2(ward7):
    done = typed.add_observation(ward7, typed.ObsText(mrn="RX1", **VITALS_7))
    assert done.score is not None and done.score.complete and done.score.total == 7
    found = rules(ward7, "RX1")
    assert found["news2.emergency"].severity is Severity.EMERGENCY
    assert "news2.urgent" not in found and "news2.single_3" not in found
    assert found["news2.emergency"].values["news2"] == 7
    assert "emergency" in found["news2.emergency"].message.lower()
    assert any(a.rule == "news2.emergency" for a in done.alerts)
    entry = audit.entries(ward7.db, patient_id=done.patient.id, limit=1)[0]
    assert (entry["action"], entry["user"], entry["detail"]["news2"]) == ("obs.add", "nurse.okafor", 7)


def test_an_incomplete_set_is_stored_and_shown_as_incomplete_not_low(ward7):
    done = typed.add_observation(ward7, typed.ObsText(mrn="RX1", rr=16, hr=72))
    assert done.score is not None and not done.score.complete
    assert "incomplete" in done.score.text() and "SpO2" in done.score.text()
    rows = obs.history(ward7, done.patient, ward7.now() - timedelta(hours=1),
                       ward7.now() + timedelta(minutes=1))
    assert len(rows) == 1 and rows[0].observation.rr == 16 and rows[0].observation.spo2 is None


@pytest.mark.parametrize("field, value, message", [
    ("rr", 81, "Respiration rate 81 is out of range: allowed 0 to 80"),
    ("spo2", 49, "SpO2 49 is out of range: allowed 50 to 100"),
    ("sbp", 301, "Systolic BP 301 is out of range: allowed 40 to 300"),
    ("hr", 19, "Pulse 19 is out of range: allowed 20 to 250"),
    ("temp", 44.5, "Temperature 44.5 is out of range: allowed 30 to 44"),
    ("temp", 368, "Temperature 368 is out of range"),
    ("acvpu", "X", "'X' is not allowed: use one of A, C, V, P, U"),
    ("mas", "5", "'5' is not a Modified Ashworth score"),
])
def test_bad_values_are_refused_naming_the_field_and_nothing_is_stored(ward7, field, value, message):
    before = database_state(ward7.path)
    with pytest.raises(InvalidInput, match=re.escape(message)) as info:
        typed.add_observation(ward7, typed.ObsText(mrn="RX1", **{**CALM, field: value}))
    assert info.value.field == field and "--" not in str(info.value)
    assert database_state(ward7.path) == before


def test_nothing_to_record_and_times_out_of_bounds_are_refused(ward7, clock):
    with pytest.raises(InvalidInput, match="Nothing to record"):
        typed.add_observation(ward7, typed.ObsText(mrn="RX1"))
    with pytest.raises(InvalidInput, match="in the future"):
        typed.add_observation(ward7, typed.ObsText(mrn="RX1", **CALM,
                                                      taken_at=clock() + timedelta(hours=1)))
    with pytest.raises(InvalidInput, match="up to 24 hours"):
        typed.add_observation(ward7, typed.ObsText(mrn="RX1", **CALM,
                                                      taken_at=clock() - timedelta(hours=25)))


def test_a_late_withdrawal_sign_on_intrathecal_is_an_emergency_with_the_dysreflexia_hint(ward7):
    with acting(ward7, "charge.silva"):
        typed.set_patient(ward7, "RX2", sci_level="T4")
    typed.add_observation(ward7, typed.ObsText(mrn="RX2", signs=("fever",)))
    alert = rules(ward7, "RX2")["withdrawal.late"]
    assert alert.severity is Severity.EMERGENCY
    assert "restore baclofen" in alert.message and "dysreflexia" in alert.message


def test_early_signs_are_urgent_on_intrathecal_and_raised_for_high_risk_patients(ward7):
    typed.add_observation(ward7, typed.ObsText(mrn="RX2", signs=("pruritus",)))
    assert rules(ward7, "RX2")["withdrawal.early"].severity is Severity.URGENT
    with acting(ward7, "charge.silva"):
        typed.set_patient(ward7, "RX2", set_flags=["previous_withdrawal"])  # ITB high-risk: one step up
    raised = rules(ward7, "RX2")["withdrawal.early"]
    assert raised.severity is Severity.EMERGENCY
    assert "Raised one step: intrathecal high-risk patient" in raised.message
    typed.add_observation(ward7, typed.ObsText(mrn="RX1", signs=("pruritus",)))
    assert rules(ward7, "RX1")["withdrawal.early"].severity is Severity.WARNING  # oral


def test_egfr_25_raises_renal_avoid_and_sedation_with_renal_impairment_goes_up_a_step(ward7):
    typed.add_lab(ward7, "RX1", egfr=25)
    assert rules(ward7, "RX1")["renal.avoid"].severity is Severity.URGENT
    typed.add_observation(ward7, typed.ObsText(mrn="RX1", poss="3"))
    sedation = rules(ward7, "RX1")["toxicity.sedation"]
    assert sedation.severity is Severity.EMERGENCY and sedation.values["renal_impairment"] is True
    typed.add_lab(ward7, "RX1", egfr=75)
    found = rules(ward7, "RX1")
    assert "renal.avoid" not in found and found["toxicity.sedation"].severity is Severity.URGENT


def test_acknowledging_is_recorded_and_audited_and_a_worse_alert_is_raised_again(ward7, clock):
    typed.add_observation(ward7, typed.ObsText(mrn="RX1", poss="3"))
    alert = rules(ward7, "RX1")["toxicity.sedation"]
    assert not alert.acknowledged
    done = acknowledge(ward7, alert.id, "  Dr Khan informed;   next dose held ")
    assert done.acknowledged_by == "nurse.okafor" and done.ack_note == "Dr Khan informed; next dose held"
    again = rules(ward7, "RX1")["toxicity.sedation"]
    assert again.acknowledged and again.ack_note == "Dr Khan informed; next dose held"
    entry = audit.entries(ward7.db, limit=1)[0]
    assert entry["action"] == "alert.ack" and entry["detail"]["rule"] == "toxicity.sedation"
    # the same observation, now with renal impairment: the alert is worse -> raised again
    typed.add_lab(ward7, "RX1", egfr=20)
    worse = rules(ward7, "RX1")["toxicity.sedation"]
    assert worse.severity is Severity.EMERGENCY and not worse.acknowledged
    # acknowledged alerts sort after unacknowledged ones of the same severity
    with pytest.raises(InvalidInput, match="no active alert 12345"):
        acknowledge(ward7, 12345)


def test_correcting_an_observation_clears_its_alerts_and_keeps_the_original(ward7, clock):
    done = typed.add_observation(ward7, typed.ObsText(mrn="RX1", **VITALS_7))
    assert "news2.emergency" in rules(ward7, "RX1")
    before = database_state(ward7.path)
    with pytest.raises(InvalidInput, match="reason"):
        obs.correct_observation(ward7, done.observation.id, "")
    assert database_state(ward7.path) == before
    obs.correct_observation(ward7, done.observation.id, "typed RR 25 for 15")
    assert "news2.emergency" not in rules(ward7, "RX1")
    rows = obs.history(ward7, done.patient, clock() - timedelta(hours=1), clock() + timedelta(hours=1))
    assert [(r.observation.id, r.entered_in_error, r.correction_reason) for r in rows] == [
        (done.observation.id, True, "typed RR 25 for 15")]
    with pytest.raises(InvalidInput, match="already marked entered in error"):
        obs.correct_observation(ward7, done.observation.id, "again")


def test_rebound_spasticity_is_measured_against_the_patients_own_baseline(ward7, clock):
    typed.add_observation(ward7, typed.ObsText(mrn="RX2", mas="1+"))
    clock.moment += timedelta(hours=4)
    typed.add_observation(ward7, typed.ObsText(mrn="RX2", mas="2"))
    assert "withdrawal.rebound_spasticity" not in rules(ward7, "RX2")
    clock.moment += timedelta(hours=4)
    typed.add_observation(ward7, typed.ObsText(mrn="RX2", mas="3"))
    alert = rules(ward7, "RX2")["withdrawal.rebound_spasticity"]
    assert (alert.values["baseline"], alert.values["mas"], alert.severity) == ("1+", "3", Severity.URGENT)


def test_next_observation_is_due_on_the_schedule_the_last_news2_sets(ward7, clock):
    patient = typed.add_observation(ward7, typed.ObsText(mrn="RX1", **CALM)).patient
    assert obs.next_obs_due(ward7, patient) == clock() + timedelta(hours=12)
    assert "monitoring.overdue" not in rules(ward7, "RX1")
    clock.moment += timedelta(hours=12, minutes=1)
    overdue = rules(ward7, "RX1")["monitoring.overdue"]
    assert overdue.severity is Severity.WARNING and "take a full set now" in overdue.message
    typed.add_observation(ward7, typed.ObsText(mrn="RX1", **{**CALM, "rr": 22}))  # NEWS2 2
    assert obs.next_obs_due(ward7, patient) == clock() + timedelta(hours=4)
    assert "monitoring.overdue" not in rules(ward7, "RX1")


def test_observations_survive_reopening_the_database(ward7, tmp_path):
    typed.add_observation(ward7, typed.ObsText(mrn="RX1", **CALM, signs_checked=True,
                                                  note="Settled, no itching"))
    from ward_app.services.context import open_context
    other = open_context(ward7.path, user="nurse.jones", clock=ward7.clock)
    try:
        from ward_app.services.patients import get_patient
        rows = obs.history(other, get_patient(other, "RX1"), other.now() - timedelta(hours=1),
                           other.now() + timedelta(hours=1))
        o = rows[0].observation
        assert (o.rr, o.spo2, o.on_oxygen, o.signs_checked, o.note, o.by) == (
            16, 97, False, True, "Settled, no itching", "nurse.okafor")
        assert rows[0].score is not None and rows[0].score.total == 0
    finally:
        other.close()
