"""The clinical alert rules (clinical-rules §3-§5) on plain snapshots: each rule fires and stays quiet."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from ward_app.domain.alerts import Alert, PatientSnapshot, Severity
from ward_app.domain.clinical_alerts import (
    DYSREFLEXIA_HINT,
    ITB_TOXICITY,
    RULES,
    SRC_POSS,
    SRC_TOX,
    monitoring_alerts,
    news2_alerts,
    observation_hours,
    renal_alerts,
    settled,
    toxicity_alerts,
    withdrawal_alerts,
    withdrawal_possible_alerts,
)
from ward_app.domain.mar import Outcome, Record
from ward_app.domain.observations import Acvpu, Observation, Poss, Sign
from ward_app.domain.orders import Frequency, Order, OrderAction, Route
from ward_app.domain.patient import Flag, Lab, Patient
from ward_app.domain.rules import Thresholds

LONDON = ZoneInfo("Europe/London")
T = Thresholds.defaults()
START = datetime(2026, 11, 20, 0, 0, tzinfo=UTC)
TDS = ("08:00", "14:00", "22:00")
NORMAL = dict(rr=16, spo2=97, on_oxygen=False, sbp=120, hr=70, acvpu=Acvpu.ALERT, temp=37.0)


def day(hh: int, mm: int = 0, d: int = 25) -> datetime:
    return datetime(2026, 11, d, hh, mm, tzinfo=UTC)  # GMT in November: UTC == ward time


NOW = day(12)
TAKEN = day(10)  # when the observations in most tests were taken
UNTIL = day(0, d=28)  # doses are recorded as given up to here


def patient(*flags: Flag, dob: date = date(1970, 1, 1), sci: str | None = None,
            surgery: date | None = None) -> Patient:
    return Patient(1, "RX1", "Ann Example", dob, "3", "Ward 7", sci_level=sci, surgery_date=surgery,
                   flags=frozenset(flags))


def oral(route: Route = Route.ORAL, start: datetime = START) -> Order:
    return Order(1, 1, OrderAction.START, route, start, dose_mg=10, times=TDS,
                 frequency=Frequency.TDS)


def itb() -> Order:
    return Order(1, 1, OrderAction.START, Route.INTRATHECAL, START, daily_mcg=300)


def stop(at: datetime, reason: str = "serious_adverse_reaction") -> Order:
    return Order(2, 1, OrderAction.STOP, Route.ORAL, at, stop_reason=reason, prescriber="Dr Khan")


def all_given(until: datetime = UNTIL) -> tuple[Record, ...]:
    """Every TDS dose from START given on time, so no withdrawal watch muddles a test."""
    out, rid, when = [], 1, START
    while when < until:
        for clock in TDS:
            hh, mm = map(int, clock.split(":"))
            due = when.replace(hour=hh, minute=mm)
            if due < until:
                out.append(Record(rid, 1, 1, due, Outcome.GIVEN, 10, None, None, None, None, due,
                                  due, "nurse"))
                rid += 1
        when += timedelta(days=1)
    return tuple(out)


def obs(oid: int = 1, at: datetime = TAKEN, **kw) -> Observation:
    return Observation(id=oid, patient_id=1, taken_at=at, **kw)


def vitals(oid: int = 1, at: datetime = TAKEN, **kw) -> Observation:
    """A full NEWS2 set (score 0) with some values changed."""
    return obs(oid, at, **{**NORMAL, **kw})


def snap(*observations: Observation, versions: tuple[Order, ...] | None = None,
         who: Patient | None = None, lab: Lab | None = None, baseline: str | None = None,
         comeds: tuple[str, ...] = (), records: tuple[Record, ...] | None = None,
         flag_since: dict[Flag, datetime] | None = None) -> PatientSnapshot:
    versions = (oral(),) if versions is None else versions
    return PatientSnapshot(who or patient(), versions, all_given() if records is None else records, LONDON,
                           flag_since=flag_since or {}, observations=tuple(observations),
                           baseline_mas=baseline, lab=lab, comeds=comeds)


def egfr(value: float | None, dialysis: bool = False) -> Lab:
    return Lab(day(6), value, dialysis, id=4)


def summary(alerts: list[Alert]) -> list[tuple[str, str]]:
    return [(a.rule, a.severity.label) for a in alerts]


# --- NEWS2 (clinical-rules §3) --------------------------------------------------------------------


def test_news2_0_raises_nothing():
    assert news2_alerts(snap(vitals()), NOW, T) == []
    assert news2_alerts(snap(), NOW, T) == []  # no observations at all


@pytest.mark.parametrize("kw, total", [
    (dict(hr=95), 1),  # the lower edge of the band
    (dict(hr=95, temp=38.5, rr=10), 3),  # 1+1+1, spread
    (dict(hr=95, temp=38.5, rr=10, spo2=95), 4),  # the upper edge
])
def test_news2_1_to_4_is_information_every_4_to_6_hours(kw, total):
    """clinical-rules §3, §10: NEWS2 1-4 raises news2.low (info)."""
    (alert,) = news2_alerts(snap(vitals(oid=7, **kw)), NOW, T)
    assert (alert.rule, alert.severity) == ("news2.low", Severity.INFO)
    assert alert.message.startswith(f"NEWS2 {total}: observations every 4–6 h")
    assert "tell the nurse in charge" in alert.message
    assert "next set due by 14:00" in alert.message  # taken 10:00 + news2.low_every_hours
    assert alert.values["news2"] == total and alert.key == "news2.low:1:7"


def test_news2_low_names_the_day_when_the_next_set_falls_tomorrow():
    (alert,) = news2_alerts(snap(vitals(at=day(22), hr=95)), day(22, 5), T)
    assert "next set due by 26 Nov 02:00" in alert.message


@pytest.mark.parametrize("kw, rule", [
    (dict(rr=8), "news2.single_3"),  # 3 in one parameter: not low
    (dict(rr=22, hr=115, temp=38.5), "news2.urgent"),  # 5: above the band
])
def test_news2_low_stops_at_a_single_3_and_at_5(kw, rule):
    assert [a.rule for a in news2_alerts(snap(vitals(**kw)), NOW, T)] == [rule]


def test_news2_single_3_is_a_warning_naming_the_parameter():
    (alert,) = news2_alerts(snap(vitals(oid=7, rr=8)), NOW, T)
    assert (alert.rule, alert.severity) == ("news2.single_3", Severity.WARNING)
    assert "Respiration rate" in alert.message  # plain English, not the field name
    assert "inform the medical team" in alert.message and "hourly" in alert.message
    assert alert.values["news2"] == 3 and alert.values["complete"] is True
    assert alert.values["scores"]["rr"] == 3
    assert alert.key == "news2.single_3:1:7" and alert.since == day(10)
    assert "NEWS2" in alert.source


def test_news2_single_3_in_consciousness():
    (alert,) = news2_alerts(snap(vitals(acvpu=Acvpu.CONFUSION)), NOW, T)
    assert alert.rule == "news2.single_3" and "Consciousness" in alert.message


@pytest.mark.parametrize("kw, total", [
    (dict(rr=22, hr=115, temp=38.5), 5),  # 2 + 2 + 1
    (dict(rr=25, hr=115, temp=38.5), 6),  # includes a 3: the 5-6 band wins, one alert
])
def test_news2_5_to_6_is_urgent(kw, total):
    (alert,) = news2_alerts(snap(vitals(**kw)), NOW, T)
    assert (alert.rule, alert.severity) == ("news2.urgent", Severity.URGENT)
    assert alert.values["news2"] == total
    assert "urgent review" in alert.message and "hourly" in alert.message
    assert alert.message.startswith(f"NEWS2 {total}:")


def test_news2_7_or_more_is_an_emergency():
    (alert,) = news2_alerts(snap(vitals(rr=25, sbp=95, hr=115)), NOW, T)
    assert (alert.rule, alert.severity) == ("news2.emergency", Severity.EMERGENCY)
    assert alert.values["news2"] == 7
    assert "emergency" in alert.message and "continuous monitoring" in alert.message


def test_news2_incomplete_sets_alert_on_what_is_already_recorded():
    partial = obs(rr=25, hr=135)  # 3 + 3, the rest not recorded
    (alert,) = news2_alerts(snap(partial), NOW, T)
    assert (alert.rule, alert.severity) == ("news2.urgent", Severity.URGENT)
    assert alert.values["complete"] is False
    assert alert.values["missing"] == ["spo2", "oxygen", "sbp", "acvpu", "temp"]
    assert "incomplete" in alert.message and "≥6" in alert.message
    (emergency,) = news2_alerts(snap(obs(rr=25, hr=135, acvpu=Acvpu.VOICE)), NOW, T)
    assert emergency.rule == "news2.emergency" and "incomplete" in emergency.message
    (single,) = news2_alerts(snap(obs(rr=8)), NOW, T)
    assert single.rule == "news2.single_3" and "incomplete" in single.message


def test_news2_incomplete_low_set_is_not_reported_as_low():
    # Nothing to alert on yet, but it is never shown as a reassuring score either.
    assert news2_alerts(snap(obs(hr=95)), NOW, T) == []


def test_news2_uses_the_latest_set_with_vital_signs():
    bad, good = vitals(1, day(8), rr=8), vitals(2, day(9))
    assert news2_alerts(snap(bad, good), NOW, T) == []
    sedation_only = obs(3, day(11), poss=Poss.AWAKE)
    (alert,) = news2_alerts(snap(good, vitals(4, day(10), rr=8), sedation_only), NOW, T)
    assert alert.rule == "news2.single_3"  # a sedation-only entry does not hide the last set


def test_news2_scale_2_only_for_hypercapnic_patients():
    low_sat = vitals(spo2=89)
    assert news2_alerts(snap(low_sat), NOW, T)[0].rule == "news2.single_3"
    assert news2_alerts(snap(low_sat, who=patient(Flag.HYPERCAPNIC)), NOW, T) == []


def test_news2_time_is_shown_in_ward_time():
    summer = datetime(2026, 6, 15, 9, 0, tzinfo=UTC)
    (alert,) = news2_alerts(snap(vitals(at=summer, rr=8)), summer + timedelta(minutes=5), T)
    assert alert.values["taken_at"] == "2026-06-15T10:00+01:00"


# --- Toxicity (clinical-rules §3, §4) -------------------------------------------------------------


def tox(*observations: Observation, **kw) -> list[tuple[str, str]]:
    return summary(toxicity_alerts(snap(*observations, **kw), NOW, T))


def test_poss_3_is_urgent_reduce_the_dose():
    (alert,) = toxicity_alerts(snap(obs(poss=Poss.FREQUENTLY_DROWSY)), NOW, T)
    assert (alert.rule, alert.severity) == ("toxicity.sedation", Severity.URGENT)
    assert "reduce the dose" in alert.message and "respiratory rate" in alert.message
    assert alert.values == {"poss": "3", "rass": None, "renal_impairment": False}
    assert alert.source == SRC_POSS


def test_poss_4_is_an_emergency_stop_the_dose():
    (alert,) = toxicity_alerts(snap(obs(poss=Poss.SOMNOLENT)), NOW, T)
    assert (alert.rule, alert.severity) == ("toxicity.sedation", Severity.EMERGENCY)
    assert "do not give the next baclofen dose" in alert.message
    assert "call the medical team now" in alert.message


@pytest.mark.parametrize("poss", [Poss.ASLEEP, Poss.AWAKE, Poss.SLIGHTLY_DROWSY])
def test_acceptable_poss_raises_nothing(poss):
    assert tox(obs(poss=poss)) == []


@pytest.mark.parametrize("rass, expected", [
    (-2, []), (-1, []), (0, []), (2, []),
    (-3, [("toxicity.sedation", "urgent")]),
    (-4, [("toxicity.sedation", "emergency")]),
    (-5, [("toxicity.sedation", "emergency")]),
])
def test_rass_instead_of_poss(rass, expected):
    assert tox(obs(rass=rass)) == expected


def test_worse_of_poss_and_rass_wins():
    assert tox(obs(poss=Poss.FREQUENTLY_DROWSY, rass=-4)) == [("toxicity.sedation", "emergency")]
    assert tox(obs(poss=Poss.SOMNOLENT, rass=-3)) == [("toxicity.sedation", "emergency")]


@pytest.mark.parametrize("kw, rule, value", [
    (dict(rr=8), "toxicity.respiratory", "Respiratory rate 8/min"),
    (dict(rr=4), "toxicity.respiratory", "Respiratory rate 4/min"),
    (dict(hr=40), "toxicity.bradycardia", "Pulse 40/min"),
    (dict(sbp=90), "toxicity.hypotension", "Systolic BP 90 mmHg"),
    (dict(temp=35.0), "toxicity.hypothermia", "Temperature 35 °C"),
    (dict(temp=35.04), "toxicity.hypothermia", "Temperature 35.04 °C"),  # NEWS2 rounds to 35.0
])
def test_toxicity_vital_signs_are_urgent(kw, rule, value):
    (alert,) = toxicity_alerts(snap(vitals(**kw)), NOW, T)
    assert (alert.rule, alert.severity) == (rule, Severity.URGENT)
    assert value in alert.message and "review" in alert.message
    assert alert.source == SRC_TOX
    (key,) = kw
    assert alert.values[key] == kw[key]


@pytest.mark.parametrize("kw", [dict(rr=9), dict(hr=41), dict(sbp=91), dict(temp=35.1),
                                dict(rr=30), dict(hr=140), dict(temp=39.5)])
def test_just_outside_the_toxicity_thresholds_raises_nothing(kw):
    assert tox(vitals(**kw)) == []


def test_hypotension_mentions_withdrawal_on_intrathecal_therapy():
    (alert,) = toxicity_alerts(snap(vitals(sbp=85)), NOW, T)
    assert "withdrawal" in alert.message


def test_unresponsive_is_coma_an_emergency():
    (alert,) = toxicity_alerts(snap(vitals(acvpu=Acvpu.UNRESPONSIVE)), NOW, T)
    assert (alert.rule, alert.severity) == ("toxicity.coma", Severity.EMERGENCY)
    assert "protect the airway" in alert.message and alert.values["acvpu"] == "U"


@pytest.mark.parametrize("acvpu", [Acvpu.CONFUSION, Acvpu.VOICE, Acvpu.PAIN])
def test_new_confusion_or_reduced_consciousness_is_urgent(acvpu):
    (alert,) = toxicity_alerts(snap(vitals(acvpu=acvpu)), NOW, T)
    assert (alert.rule, alert.severity) == ("toxicity.consciousness", Severity.URGENT)
    assert f"ACVPU {acvpu.value}" in alert.message and alert.values["acvpu"] == acvpu.value


def test_normal_observations_raise_no_toxicity():
    assert tox(vitals(poss=Poss.AWAKE, rass=0)) == []


def test_several_toxicity_signs_each_alert():
    found = tox(vitals(rr=6, hr=38, sbp=85, temp=34.8, acvpu=Acvpu.PAIN, poss=Poss.SOMNOLENT))
    assert found == [("toxicity.sedation", "emergency"), ("toxicity.respiratory", "urgent"),
                     ("toxicity.bradycardia", "urgent"), ("toxicity.hypotension", "urgent"),
                     ("toxicity.hypothermia", "urgent"), ("toxicity.consciousness", "urgent")]


def test_toxicity_still_counts_within_the_watch_after_a_stop():
    """A stop for a serious adverse reaction may be an overdose: baclofen is still in the body."""
    bad = obs(poss=Poss.SOMNOLENT, rr=6)
    assert {r for r, _ in tox(bad, versions=(oral(), stop(day(9))))} == {
        "toxicity.sedation", "toxicity.respiratory"}


def test_a_sedation_only_entry_does_not_hide_slow_breathing_in_the_vitals_before():
    vitals = Observation(id=1, patient_id=1, taken_at=day(9), rr=6, spo2=96, on_oxygen=False,
                         sbp=120, hr=70, acvpu=Acvpu.ALERT, temp=36.8)
    sedation_only = Observation(id=2, patient_id=1, taken_at=day(10), poss=Poss.AWAKE)
    alerts = toxicity_alerts(snap(vitals, sedation_only), NOW, T)
    assert [(a.rule, a.key.rsplit(":", 1)[-1]) for a in alerts] == [("toxicity.respiratory", "1")]


def test_no_toxicity_alerts_when_not_on_baclofen():
    bad = obs(poss=Poss.SOMNOLENT, rr=6)
    assert tox(bad, versions=()) == []
    # stopped 2 days 12 h ago: past the 48 h watch, baclofen is no longer a cause
    assert tox(bad, versions=(oral(), stop(day(0, d=23)))) == []
    later_start = Order(1, 1, OrderAction.START, Route.ORAL, day(0, d=26), dose_mg=10, times=TDS,
                        frequency=Frequency.TDS)
    assert tox(bad, versions=(later_start,)) == []


def test_only_the_latest_sedation_score_counts():
    assert tox(obs(1, day(9), poss=Poss.SOMNOLENT), obs(2, day(10), poss=Poss.AWAKE)) == []
    assert tox(obs(1, day(9), poss=Poss.AWAKE), obs(2, day(10), poss=Poss.SOMNOLENT)) == [
        ("toxicity.sedation", "emergency")]


@pytest.mark.parametrize("lab", [egfr(45), egfr(60), egfr(59.9), egfr(20),
                                 egfr(None, dialysis=True), egfr(80, dialysis=True)])
def test_renal_impairment_raises_toxicity_one_step(lab):
    (alert,) = toxicity_alerts(snap(obs(poss=Poss.FREQUENTLY_DROWSY), lab=lab), NOW, T)
    assert alert.severity is Severity.EMERGENCY  # urgent raised one step
    assert "Renal impairment" in alert.message and "haemodialysis" in alert.message
    assert alert.values["renal_impairment"] is True
    (rr,) = toxicity_alerts(snap(vitals(rr=7), lab=lab), NOW, T)
    assert rr.severity is Severity.EMERGENCY


@pytest.mark.parametrize("lab", [None, egfr(60.1), egfr(90), egfr(None)])
def test_normal_renal_function_does_not_raise_toxicity(lab):
    (alert,) = toxicity_alerts(snap(obs(poss=Poss.FREQUENTLY_DROWSY), lab=lab), NOW, T)
    assert alert.severity is Severity.URGENT and "Renal" not in alert.message
    assert alert.values["renal_impairment"] is False


def test_emergency_toxicity_stays_emergency_with_renal_impairment():
    (alert,) = toxicity_alerts(snap(obs(poss=Poss.SOMNOLENT), lab=egfr(20)), NOW, T)
    assert alert.severity is Severity.EMERGENCY


def test_renal_raise_follows_the_threshold_setting():
    stricter = T.with_overrides({"renal.reduce_below_egfr": 70})
    (alert,) = toxicity_alerts(snap(obs(poss=Poss.FREQUENTLY_DROWSY), lab=egfr(65)), NOW, stricter)
    assert alert.severity is Severity.EMERGENCY


ALL_TOXICITY = vitals(rr=6, hr=38, sbp=85, temp=34.8, acvpu=Acvpu.PAIN, poss=Poss.SOMNOLENT)


@pytest.mark.parametrize("observation", [
    ALL_TOXICITY, vitals(acvpu=Acvpu.UNRESPONSIVE), obs(poss=Poss.FREQUENTLY_DROWSY),
    obs(rass=-3), obs(rass=-5)])
def test_toxicity_on_intrathecal_therapy_names_the_itb_team_never_the_next_dose(observation):
    """clinical-rules §9: pump-specific wording for every toxicity alert."""
    alerts = toxicity_alerts(snap(observation, versions=(itb(),)), NOW, T)
    assert alerts
    for alert in alerts:
        text = alert.message.lower()
        assert ITB_TOXICITY.lower() in text, alert.rule
        assert "emergency medical and itb-team review; support airway and breathing; the itb " \
               "team may empty the pump reservoir" in text
        assert "next dose" not in text and "next baclofen dose" not in text
        assert "do not give" not in text and "give the next" not in text


def test_toxicity_severities_do_not_change_with_the_route():
    oral_found = toxicity_alerts(snap(ALL_TOXICITY), NOW, T)
    pump_found = toxicity_alerts(snap(ALL_TOXICITY, versions=(itb(),)), NOW, T)
    assert summary(oral_found) == summary(pump_found)
    assert all("ITB" not in a.message for a in oral_found)


def test_toxicity_after_an_intrathecal_stop_keeps_the_pump_wording():
    stopped = (itb(), Order(3, 1, OrderAction.STOP, Route.INTRATHECAL, day(9),
                            stop_reason="serious_adverse_reaction", prescriber="Dr Khan"))
    (alert,) = toxicity_alerts(snap(obs(poss=Poss.SOMNOLENT), versions=stopped), NOW, T)
    assert ITB_TOXICITY in alert.message and "next" not in alert.message


# --- Withdrawal (clinical-rules §3, §4) -----------------------------------------------------------


def checked(*signs: Sign, oid: int = 5, at: datetime = TAKEN, **kw) -> Observation:
    return obs(oid, at, signs=frozenset(signs), signs_checked=True, **kw)


def test_early_sign_on_oral_baclofen_is_a_warning():
    (alert,) = withdrawal_alerts(snap(checked(Sign.PRURITUS)), NOW, T)
    assert (alert.rule, alert.severity) == ("withdrawal.early", Severity.WARNING)
    assert "Itching without a rash" in alert.message
    assert "Check the last doses" in alert.message and "medical review" in alert.message
    assert "pump" not in alert.message
    assert alert.values["signs"] == ["pruritus"] and alert.values["route"] == "oral"
    assert alert.key == "withdrawal.early:1:5" and alert.since == day(10)


def test_early_sign_on_enteral_baclofen_is_a_warning():
    (alert,) = withdrawal_alerts(snap(checked(Sign.SWEATING), versions=(oral(Route.ENTERAL),)),
                                 NOW, T)
    assert (alert.rule, alert.severity) == ("withdrawal.early", Severity.WARNING)


def test_early_sign_on_intrathecal_baclofen_is_urgent_check_the_pump():
    (alert,) = withdrawal_alerts(snap(checked(Sign.HYPOTENSION, Sign.TACHYCARDIA, sbp=88),
                                      versions=(itb(),)), NOW, T)
    assert (alert.rule, alert.severity) == ("withdrawal.early", Severity.URGENT)
    assert "pump reservoir, alarms and catheter" in alert.message
    assert "Low blood pressure" in alert.message and "Fast heart rate" in alert.message
    assert alert.values["signs"] == ["hypotension", "tachycardia"] and alert.values["sbp"] == 88


@pytest.mark.parametrize("sign", [Sign.FEVER, Sign.ALTERED_MENTAL_STATE, Sign.HALLUCINATIONS,
                                  Sign.REBOUND_SPASTICITY, Sign.RIGIDITY, Sign.SEIZURE])
@pytest.mark.parametrize("order", [oral(), itb()])
def test_any_late_sign_is_an_emergency(sign, order):
    (alert,) = withdrawal_alerts(snap(checked(sign), versions=(order,)), NOW, T)
    assert (alert.rule, alert.severity) == ("withdrawal.late", Severity.EMERGENCY)
    assert "potentially fatal for intrathecal therapy" in alert.message
    assert "restore baclofen" in alert.message and "benzodiazepine bridge" in alert.message
    assert alert.values["signs"] == [sign.value]


def test_late_and_early_signs_give_one_emergency_listing_all():
    (alert,) = withdrawal_alerts(snap(checked(Sign.PRURITUS, Sign.SEIZURE, Sign.FEVER)), NOW, T)
    assert alert.rule == "withdrawal.late"
    assert alert.values["signs"] == ["fever", "seizure", "pruritus"]  # late first
    assert "Itching without a rash" in alert.message and "Seizure" in alert.message


def test_a_checklist_with_no_signs_raises_nothing():
    assert withdrawal_alerts(snap(checked()), NOW, T) == []
    assert withdrawal_alerts(snap(vitals()), NOW, T) == []


def test_no_withdrawal_alerts_for_a_patient_never_on_baclofen():
    assert withdrawal_alerts(snap(checked(Sign.SEIZURE), versions=(), records=()), NOW, T) == []
    assert withdrawal_alerts(snap(obs(mas="4"), baseline="0", versions=(), records=()), NOW, T) == []
    tomorrow = Order(1, 1, OrderAction.START, Route.INTRATHECAL, day(9, d=26), daily_mcg=300)
    assert withdrawal_alerts(snap(checked(Sign.SEIZURE), versions=(tomorrow,)), NOW, T) == []


def test_withdrawal_after_a_stop_still_alerts_on_the_route_that_was_stopped():
    versions = (oral(), stop(day(9)))
    (alert,) = withdrawal_alerts(snap(checked(Sign.ANXIETY), versions=versions), NOW, T)
    assert (alert.rule, alert.severity) == ("withdrawal.early", Severity.WARNING)
    assert alert.values["route"] == "oral"
    switched = (itb(), Order(3, 1, OrderAction.STOP, Route.INTRATHECAL, day(9), stop_reason="x"))
    (alert,) = withdrawal_alerts(snap(checked(Sign.ANXIETY), versions=switched), NOW, T)
    assert alert.severity is Severity.URGENT and alert.values["route"] == "intrathecal"


@pytest.mark.parametrize("level, hint", [("C5", True), ("T1", True), ("T6", True), ("T7", False),
                                         ("L1", False), (None, False)])
def test_dysreflexia_hint_for_spinal_cord_injury_at_t6_or_above(level, hint):
    for sign in (Sign.HYPOTENSION, Sign.FEVER):
        (alert,) = withdrawal_alerts(snap(checked(sign), who=patient(sci=level), versions=(itb(),)),
                                     NOW, T)
        assert (DYSREFLEXIA_HINT in alert.message) is hint
        assert ("dysreflexia" in alert.message) is hint


def test_a_later_late_sign_check_supersedes_an_earlier_early_one():
    before, after = checked(Sign.SWEATING, oid=1, at=day(8)), checked(Sign.FEVER, oid=2, at=day(9))
    assert summary(withdrawal_alerts(snap(before, after), NOW, T)) == [("withdrawal.late", "emergency")]


def test_a_late_sign_stays_when_a_later_check_finds_only_early_signs():
    """clinical-rules §10: signs stay listed until acknowledged; the later early signs show too."""
    late, early = checked(Sign.FEVER, oid=2, at=day(9)), checked(Sign.SWEATING, oid=3, at=day(10))
    alerts = withdrawal_alerts(snap(late, early), NOW, T)
    assert summary(alerts) == [("withdrawal.late", "emergency"), ("withdrawal.early", "warning")]
    assert [a.key for a in alerts] == ["withdrawal.late:1:2", "withdrawal.early:1:3"]
    assert all(a.values["clean_check_at"] is None for a in alerts)


def test_only_the_latest_check_of_a_kind_is_listed():
    first, second = checked(Sign.SWEATING, oid=1, at=day(8)), checked(Sign.ANXIETY, oid=2, at=day(9))
    (alert,) = withdrawal_alerts(snap(first, second), NOW, T)
    assert alert.key == "withdrawal.early:1:2" and alert.values["signs"] == ["anxiety"]


@pytest.mark.parametrize("sign, rule", [(Sign.FEVER, "withdrawal.late"),
                                        (Sign.PRURITUS, "withdrawal.early")])
def test_signs_stay_after_a_later_clean_checklist_and_say_when_it_was(sign, rule):
    found, clean = checked(sign, oid=2, at=day(9)), checked(oid=3, at=day(11))
    (alert,) = withdrawal_alerts(snap(found, clean), NOW, T)
    assert alert.rule == rule and alert.since == day(9)
    assert alert.values["clean_check_at"] == "2026-11-25T11:00+00:00"
    assert "acknowledges it with a note" in alert.message
    (before,) = withdrawal_alerts(snap(found), NOW, T)  # before the clean check was made
    assert before.values["clean_check_at"] is None and "acknowledges" not in before.message


def test_vital_signs_without_the_checklist_are_not_a_clean_check():
    (alert,) = withdrawal_alerts(snap(checked(Sign.FEVER, oid=2, at=day(9)), vitals(3, day(11))),
                                 NOW, T)
    assert alert.values["clean_check_at"] is None


def test_settled_needs_an_acknowledgement_with_a_note_and_a_clean_check():
    (open_alert,) = withdrawal_alerts(snap(checked(Sign.FEVER, oid=2, at=day(9))), NOW, T)
    (cleaned,) = withdrawal_alerts(snap(checked(Sign.FEVER, oid=2, at=day(9)),
                                        checked(oid=3, at=day(11))), NOW, T)
    noted = {"acknowledged_by": "nurse", "ack_note": "Dr Khan reviewed; pump checked"}
    assert settled(replace(cleaned, **noted))
    assert not settled(cleaned)  # not acknowledged
    assert not settled(replace(cleaned, acknowledged_by="nurse"))  # no note
    assert not settled(replace(open_alert, **noted))  # no clean check since the signs
    news = Alert("news2.low", Severity.INFO, "", NOW, "", 1, "", "", "", "k",
                 {"clean_check_at": "x"}, "nurse", "note")
    assert not settled(news)  # only withdrawal-sign alerts


@pytest.mark.parametrize("hours_ago, listed", [(71, True), (71.99, True), (72, False), (80, False)])
def test_the_withdrawal_episode_lasts_72_hours(hours_ago, listed):
    """clinical-rules §10: signs stay for withdrawal.episode_hours at most."""
    found = checked(Sign.FEVER, oid=2, at=NOW - timedelta(hours=hours_ago))
    spasm = obs(4, NOW - timedelta(hours=hours_ago), mas="4")
    alerts = withdrawal_alerts(snap(found, spasm, baseline="1"), NOW, T)
    assert bool(alerts) is listed and len(alerts) in (0, 2)
    longer = T.with_overrides({"withdrawal.episode_hours": 96})
    assert len(withdrawal_alerts(snap(found, spasm, baseline="1"), NOW, longer)) == 2


def test_observations_are_needed_back_a_whole_episode():
    assert observation_hours(T) >= 72
    assert observation_hours(T.with_overrides({"withdrawal.episode_hours": 120})) == 120


@pytest.mark.parametrize("baseline, now_mas, steps", [
    ("0", "1+", 2), ("1", "2", 2), ("1+", "3", 2), ("2", "4", 2), ("0", "4", 5), ("1", "3", 3),
])
def test_rebound_spasticity_two_or_more_steps_above_baseline(baseline, now_mas, steps):
    (alert,) = withdrawal_alerts(snap(obs(9, mas=now_mas), baseline=baseline), NOW, T)
    assert (alert.rule, alert.severity) == ("withdrawal.rebound_spasticity", Severity.WARNING)
    assert alert.values == {"baseline": baseline, "mas": now_mas, "steps": steps,
                            "clean_check_at": None}
    assert f"Modified Ashworth {baseline} to {now_mas}" in alert.message
    assert "medical review" in alert.message and "pump" not in alert.message
    assert alert.key == "withdrawal.rebound_spasticity:1:9"


@pytest.mark.parametrize("baseline, now_mas", [
    ("1", "1+"), ("1+", "2"), ("0", "1"), ("2", "3"), ("3", "4"), ("2", "2"), ("4", "0"), ("2", "1"),
])
def test_spasticity_within_one_step_of_baseline_is_not_rebound(baseline, now_mas):
    assert withdrawal_alerts(snap(obs(mas=now_mas), baseline=baseline), NOW, T) == []


def test_rebound_spasticity_on_intrathecal_therapy_is_urgent_check_the_pump():
    (alert,) = withdrawal_alerts(snap(obs(mas="3"), baseline="1", versions=(itb(),)), NOW, T)
    assert alert.severity is Severity.URGENT and "pump" in alert.message


def test_rebound_needs_a_baseline_and_stays_after_spasticity_settles():
    assert withdrawal_alerts(snap(obs(mas="4")), NOW, T) == []  # no baseline recorded
    settling = (obs(1, day(8), mas="4"), obs(2, day(9), mas="1+"))
    (alert,) = withdrawal_alerts(snap(*settling, baseline="1"), NOW, T)
    assert alert.values["mas"] == "4" and alert.values["clean_check_at"] == "2026-11-25T09:00+00:00"
    assert "acknowledges it with a note" in alert.message
    rising = (obs(1, day(8), mas="1+"), obs(2, day(9), mas="3"), obs(3, day(10), rr=16))
    (alert,) = withdrawal_alerts(snap(*rising, baseline="1"), NOW, T)
    assert alert.values["mas"] == "3" and alert.since == day(9)
    assert alert.values["clean_check_at"] is None
    twice = (obs(1, day(8), mas="3"), obs(2, day(9), mas="4"))
    (alert,) = withdrawal_alerts(snap(*twice, baseline="1"), NOW, T)
    assert alert.key == "withdrawal.rebound_spasticity:1:2"  # the latest risen score


# --- After a stop for a serious adverse reaction (clinical-rules §10) ------------------------------


def test_late_signs_after_a_stop_for_a_serious_reaction_never_say_restore():
    versions = (oral(), stop(day(9)))
    (alert,) = withdrawal_alerts(snap(checked(Sign.SEIZURE), versions=versions), NOW, T)
    assert alert.rule == "withdrawal.late" and alert.severity is Severity.EMERGENCY
    assert "restore" not in alert.message.lower() and "bridge" not in alert.message
    assert "do not restart without the prescriber" in alert.message
    assert "Urgent medical review" in alert.message


def test_late_signs_after_an_ordinary_stop_still_say_restore():
    versions = (oral(), stop(day(9), reason="no longer needed"))
    (alert,) = withdrawal_alerts(snap(checked(Sign.SEIZURE), versions=versions), NOW, T)
    assert "restore baclofen" in alert.message


def test_a_restart_after_the_serious_reaction_stop_says_restore_again():
    restarted = Order(3, 1, OrderAction.START, Route.ORAL, day(10), dose_mg=5, times=TDS,
                      frequency=Frequency.TDS)
    versions = (oral(), stop(day(9)), restarted)
    (alert,) = withdrawal_alerts(snap(checked(Sign.SEIZURE), versions=versions), NOW, T)
    assert "restore baclofen" in alert.message


# --- Fever or a fast pulse on a pump patient (clinical-rules §10) ---------------------------------


def possible(*observations: Observation, versions=None, t: Thresholds = T) -> list[Alert]:
    return withdrawal_possible_alerts(snap(*observations, versions=versions or (itb(),)), NOW, t)


@pytest.mark.parametrize("kw, fires", [
    (dict(temp=38.0), True), (dict(temp=37.9), False), (dict(temp=38.04), True),
    (dict(temp=39.5), True), (dict(hr=100), False), (dict(hr=101), True), (dict(hr=140), True),
])
def test_fever_or_a_fast_pulse_on_intrathecal_therapy_is_possible_withdrawal(kw, fires):
    alerts = possible(vitals(oid=6, **kw))
    assert bool(alerts) is fires
    if fires:
        (alert,) = alerts
        assert (alert.rule, alert.severity) == ("withdrawal.possible", Severity.URGENT)
        assert "check the withdrawal signs and the pump now" in alert.message.lower()
        values = {**NORMAL, **kw}
        assert alert.values == {"temp": values["temp"], "hr": values["hr"]}
        assert alert.key == "withdrawal.possible:1:6" and alert.since == TAKEN


def test_possible_withdrawal_names_both_when_both():
    (alert,) = possible(vitals(temp=38.6, hr=118))
    assert alert.message.startswith("Temperature 38.6 °C and pulse 118/min on intrathecal baclofen")


def test_possible_withdrawal_needs_no_checklist_and_only_the_latest_vitals_count():
    (alert,) = possible(vitals(1, day(9), temp=38.5))  # no checklist at all
    assert alert.values["temp"] == 38.5
    assert possible(vitals(1, day(8), temp=38.5), vitals(2, day(9))) == []


def test_possible_withdrawal_only_on_an_intrathecal_order_in_force():
    assert possible(vitals(temp=39), versions=(oral(),)) == []
    stopped = (itb(), Order(3, 1, OrderAction.STOP, Route.INTRATHECAL, day(9), stop_reason="x"))
    assert possible(vitals(temp=39), versions=stopped) == []


def test_possible_withdrawal_thresholds_are_settings():
    stricter = T.with_overrides({"withdrawal.possible_temp_c": 37.8,
                                 "withdrawal.possible_hr_above": 90})
    assert possible(vitals(temp=37.8), t=stricter) and possible(vitals(hr=91), t=stricter)
    assert possible(vitals(temp=37.7, hr=90), t=stricter) == []


# --- Renal (clinical-rules §3) --------------------------------------------------------------------


@pytest.mark.parametrize("value", [60, 59.9, 45, 30.1, 30])
def test_egfr_30_to_60_reduce_the_dose(value):
    """clinical-rules §9: 30 and 60 are both in the reduce band."""
    (alert,) = renal_alerts(snap(lab=egfr(value)), NOW, T)
    assert (alert.rule, alert.severity) == ("renal.reduce", Severity.WARNING)
    assert f"eGFR {value:g}" in alert.message and "dose should be reduced" in alert.message
    assert "Beers" in alert.message and "prescriber" in alert.message
    assert alert.values == {"egfr": value, "dialysis": False, "taken_at": "2026-11-25"}


@pytest.mark.parametrize("lab, what", [(egfr(29.9), "eGFR 29.9"), (egfr(8), "eGFR 8"),
                                       (egfr(None, dialysis=True), "on dialysis"),
                                       (egfr(75, dialysis=True), "on dialysis")])
def test_egfr_below_30_or_dialysis_avoid(lab, what):
    (alert,) = renal_alerts(snap(lab=lab), NOW, T)
    assert (alert.rule, alert.severity) == ("renal.avoid", Severity.URGENT)
    assert what in alert.message and "avoided" in alert.message
    assert alert.key == "renal.avoid:1:4"


@pytest.mark.parametrize("lab", [None, egfr(60.1), egfr(61), egfr(95), egfr(None)])
def test_normal_or_unknown_renal_function_raises_nothing(lab):
    assert renal_alerts(snap(lab=lab), NOW, T) == []


def test_no_renal_alert_when_not_on_baclofen():
    assert renal_alerts(snap(lab=egfr(20), versions=()), NOW, T) == []
    assert renal_alerts(snap(lab=egfr(45), versions=(oral(), stop(day(9)))), NOW, T) == []


# --- Monitoring (clinical-rules §3, §4) -----------------------------------------------------------


def overdue(s: PatientSnapshot, now: datetime, t: Thresholds = T) -> list[Alert]:
    alerts = monitoring_alerts(s, now, t)
    assert all((a.rule, a.severity) == ("monitoring.overdue", Severity.WARNING) for a in alerts)
    return alerts


@pytest.mark.parametrize("kw, interval", [
    ({}, timedelta(hours=12)),  # NEWS2 0
    (dict(hr=95), timedelta(hours=4)),  # 1
    (dict(hr=95, temp=38.5, rr=10, spo2=95), timedelta(hours=4)),  # 4
    (dict(rr=8), timedelta(hours=1)),  # a single 3
    (dict(rr=22, hr=115, temp=38.5), timedelta(hours=1)),  # 5
    (dict(rr=25, hr=115, temp=38.5), timedelta(hours=1)),  # 6
    (dict(rr=25, sbp=95, hr=115), timedelta(minutes=15)),  # 7
    (dict(temp=None), timedelta(minutes=60)),  # incomplete: re-check
])
def test_observations_overdue_on_the_news2_schedule(kw, interval):
    taken = day(8)
    s = snap(vitals(3, taken, **kw))
    assert overdue(s, taken + interval) == []  # due now, not yet overdue
    (alert,) = overdue(s, taken + interval + timedelta(minutes=1))
    due = taken + interval
    assert alert.since == due and alert.key == "monitoring.overdue:1:obs3"
    assert alert.values["due"] == due.astimezone(LONDON).isoformat(timespec="minutes")
    assert f"since {due:%d %b %H:%M}" in alert.message and "take a full set now" in alert.message


def test_news2_schedule_follows_the_settings():
    t = T.with_overrides({"news2.low_every_hours": 6, "news2.continuous_check_min": 30})
    low, high = snap(vitals(at=day(8), hr=95)), snap(vitals(at=day(8), rr=25, sbp=95, hr=115))
    assert overdue(low, day(13), t) == [] and overdue(low, day(14, 1), t)
    assert overdue(high, day(8, 30), t) == [] and overdue(high, day(8, 31), t)


def test_a_later_set_resets_the_schedule():
    s = snap(vitals(1, day(0), hr=95), vitals(2, day(6)))  # now NEWS2 0: 12 h from 06:00
    assert overdue(s, day(17)) == []
    assert overdue(s, day(18, 1))[0].values["last_news2"] == 0


def test_no_observation_overdue_without_baclofen_or_observations():
    assert overdue(snap(vitals(at=day(0)), versions=(), records=()), NOW) == []
    assert overdue(snap(obs(at=day(0), poss=Poss.AWAKE)), NOW) == []  # no vital signs ever


def missed_pair() -> tuple[Record, ...]:
    """22:00 refused, then 08:00 missed: a withdrawal watch from 10:00 on 25 Nov."""
    before = all_given(day(22, d=24))
    refused = Record(900, 1, 1, day(22, d=24), Outcome.REFUSED, None, None, "refused", None, None,
                     day(22, d=24), day(22, d=24), "nurse")
    return (*before, refused)


def withdrawal_checks(s: PatientSnapshot, now: datetime) -> list[Alert]:
    return [a for a in overdue(s, now) if a.key.startswith("monitoring.overdue:1:watch")]


def test_withdrawal_check_overdue_4_hours_into_a_watch_after_two_missed_doses():
    s = snap(records=missed_pair())
    assert withdrawal_checks(s, day(14)) == []
    (alert,) = withdrawal_checks(s, day(14, 1))
    assert alert.since == day(14) and alert.values["due"] == "2026-11-25T14:00+00:00"
    assert "two doses in a row not given" in alert.message
    assert "check the withdrawal signs and vital signs now" in alert.message


def test_a_withdrawal_check_resets_the_4_hour_clock():
    check = vitals(8, day(13), signs_checked=True)  # checklist and vitals, no signs found
    s = snap(check, records=missed_pair())
    assert withdrawal_checks(s, day(17)) == []
    (alert,) = withdrawal_checks(s, day(17, 1))
    assert alert.since == day(17)


def test_a_further_missed_dose_does_not_restart_the_check_clock():
    # The 14:00 dose is missed too (at 16:00): the watch goes on, but no check has been done since
    # it began at 10:00, so the check stays overdue since 14:00.
    s = snap(records=missed_pair())
    assert withdrawal_checks(s, day(15))[0].since == day(14)
    (alert,) = withdrawal_checks(s, day(16, 30))
    assert alert.since == day(14)
    checked_at_13 = snap(vitals(8, day(13), signs_checked=True), records=missed_pair())
    assert withdrawal_checks(checked_at_13, day(16, 30)) == []
    assert withdrawal_checks(checked_at_13, day(17, 1))[0].since == day(17)


def test_a_watch_extended_overnight_keeps_counting_from_the_last_check():
    # 22:00 refused + 08:00 missed (watch from 10:00); 14:00 given; 22:00 and 08:00 refused again
    # while the first watch is still in force: one watch, checks still due 4-hourly.
    def refused(rid: int, due: datetime) -> Record:
        return Record(rid, 1, 1, due, Outcome.REFUSED, None, None, "refused", None, None, due, due,
                      "nurse")

    records = (*missed_pair(), Record(950, 1, 1, day(14), Outcome.GIVEN, 10, None, None, None, None,
                                      day(14), day(14), "nurse"),
               refused(951, day(22)), refused(952, day(8, d=26)))
    s = snap(vitals(8, day(23), signs_checked=True), records=records)
    (alert,) = withdrawal_checks(s, day(9, d=26))
    assert alert.since == day(3, d=26)
    assert alert.key == f"monitoring.overdue:1:watch{day(8, d=26).isoformat()}"


def test_vital_signs_without_the_checklist_do_not_satisfy_a_withdrawal_check():
    s = snap(vitals(8, day(13)), records=missed_pair())
    (alert,) = withdrawal_checks(s, day(14, 1))
    assert alert.since == day(14)


def test_the_checklist_without_vital_signs_does_not_satisfy_a_withdrawal_check():
    """clinical-rules §4: a withdrawal check is the signs and the vital signs."""
    s = snap(obs(8, day(13), signs_checked=True), records=missed_pair())
    (alert,) = withdrawal_checks(s, day(14, 1))
    assert alert.since == day(14)


def test_a_check_before_the_watch_started_does_not_count():
    s = snap(obs(8, day(9), signs_checked=True), records=missed_pair())
    (alert,) = withdrawal_checks(s, day(14, 1))
    assert alert.since == day(14)


def test_withdrawal_check_overdue_after_a_stop_for_a_serious_reaction():
    s = snap(versions=(oral(), stop(day(9))), records=all_given(day(9)))
    assert withdrawal_checks(s, day(13)) == []
    (alert,) = withdrawal_checks(s, day(13, 1))
    assert "serious adverse reaction" in alert.message and "Dr Khan" in alert.message
    assert alert.key == "monitoring.overdue:1:watchstop2"
    assert withdrawal_checks(s, day(9) + timedelta(hours=49)) == []  # the 48 h watch is over


def test_no_withdrawal_check_without_a_watch():
    assert withdrawal_checks(snap(), NOW) == []  # every dose given
    ordinary_stop = snap(versions=(oral(), stop(day(9), reason="no longer needed")),
                         records=all_given(day(9)))
    assert withdrawal_checks(ordinary_stop, day(20)) == []


def test_every_rule_is_registered():
    assert RULES == [news2_alerts, toxicity_alerts, withdrawal_alerts, withdrawal_possible_alerts,
                     renal_alerts, monitoring_alerts]


def test_possible_withdrawal_makes_the_pump_patient_unstable_on_the_handover():
    """clinical-rules §8: an urgent alert about withdrawal signs makes a patient unstable."""
    from ward_app.domain.handover import Acuity, acuity

    alerts = possible(vitals(temp=38.5))
    assert acuity(alerts, 1, False) is Acuity.UNSTABLE
