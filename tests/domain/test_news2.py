"""NEWS2 against every band edge of RCP Chart 1, both SpO2 scales, and the response."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ward_app.domain.news2 import (
    Response,
    news2,
    next_obs_interval,
    score_acvpu,
    score_hr,
    score_oxygen,
    score_rr,
    score_sbp,
    score_spo2_scale1,
    score_spo2_scale2,
    score_temp,
)
from ward_app.domain.observations import Acvpu, Observation
from ward_app.domain.rules import Thresholds

T0 = datetime(2026, 11, 25, 10, tzinfo=UTC)


@pytest.mark.parametrize("rr, score", [(0, 3), (8, 3), (9, 1), (11, 1), (12, 0), (20, 0), (21, 2),
                                       (24, 2), (25, 3), (80, 3)])
def test_respiration_rate(rr, score):
    assert score_rr(rr) == score


@pytest.mark.parametrize("spo2, score", [(50, 3), (91, 3), (92, 2), (93, 2), (94, 1), (95, 1),
                                         (96, 0), (100, 0)])
def test_spo2_scale_1(spo2, score):
    assert score_spo2_scale1(spo2) == score


@pytest.mark.parametrize("spo2, oxygen, score", [
    (83, False, 3), (84, False, 2), (85, False, 2), (86, False, 1), (87, False, 1), (88, False, 0),
    (92, False, 0), (93, False, 0), (100, False, 0),  # ≥93 on air scores 0
    (83, True, 3), (88, True, 0), (92, True, 0), (93, True, 1), (94, True, 1), (95, True, 2),
    (96, True, 2), (97, True, 3), (100, True, 3),
])
def test_spo2_scale_2(spo2, oxygen, score):
    assert score_spo2_scale2(spo2, oxygen) == score


def test_air_or_oxygen_and_consciousness():
    assert score_oxygen(True) == 2 and score_oxygen(False) == 0
    assert score_acvpu(Acvpu.ALERT) == 0
    assert all(score_acvpu(a) == 3 for a in (Acvpu.CONFUSION, Acvpu.VOICE, Acvpu.PAIN,
                                             Acvpu.UNRESPONSIVE))


@pytest.mark.parametrize("sbp, score", [(40, 3), (90, 3), (91, 2), (100, 2), (101, 1), (110, 1),
                                        (111, 0), (219, 0), (220, 3), (300, 3)])
def test_systolic_bp(sbp, score):
    assert score_sbp(sbp) == score


@pytest.mark.parametrize("hr, score", [(20, 3), (40, 3), (41, 1), (50, 1), (51, 0), (90, 0),
                                       (91, 1), (110, 1), (111, 2), (130, 2), (131, 3), (250, 3)])
def test_pulse(hr, score):
    assert score_hr(hr) == score


@pytest.mark.parametrize("temp, score", [(30.0, 3), (35.0, 3), (35.1, 1), (36.0, 1), (36.1, 0),
                                         (38.0, 0), (38.1, 1), (39.0, 1), (39.1, 2), (44.0, 2),
                                         (35.04, 3), (36.04, 1)])
def test_temperature(temp, score):
    assert score_temp(temp) == score


def full(**kw) -> Observation:
    base = dict(id=1, patient_id=1, taken_at=T0, rr=16, spo2=97, on_oxygen=False, sbp=120, hr=70,
                acvpu=Acvpu.ALERT, temp=37.0)
    base.update(kw)
    return Observation(**base)


def test_aggregate_and_bands():
    assert news2(full()).total == 0 and news2(full()).response is Response.LOW_12H
    assert news2(full(hr=95)).response is Response.LOW
    single = news2(full(rr=8))
    assert single.total == 3 and single.single_3 and single.response is Response.LOW_MEDIUM
    assert news2(full(rr=22, hr=115, temp=38.5)).total == 5
    assert news2(full(rr=22, hr=115, temp=38.5)).response is Response.MEDIUM
    seven = news2(full(rr=25, sbp=95, hr=115))
    assert seven.total == 7 and seven.response is Response.HIGH
    assert news2(full(on_oxygen=True, spo2=94)).total == 3  # 2 for oxygen + 1 for 94 % scale 1


def test_hypercapnic_patients_use_scale_2_only_when_flagged():
    obs = full(spo2=89)
    assert news2(obs).scores["spo2"] == 3 and news2(obs).scale == 1
    assert news2(obs, hypercapnic=True).scores["spo2"] == 0 and news2(obs, True).scale == 2


def test_missing_parameters_make_it_incomplete_not_low():
    partial = news2(full(temp=None, sbp=None))
    assert not partial.complete and partial.missing == ("sbp", "temp")
    assert partial.response is None
    assert "incomplete" in partial.text() and "Systolic BP" in partial.text()
    assert news2(full(temp=None, rr=30, hr=135, sbp=None)).response is Response.MEDIUM


def test_next_observation_interval():
    t = Thresholds.defaults()
    assert next_obs_interval(news2(full()), t) == timedelta(hours=12)
    assert next_obs_interval(news2(full(hr=95)), t) == timedelta(hours=4)
    assert next_obs_interval(news2(full(rr=8)), t) == timedelta(hours=1)
    assert next_obs_interval(news2(full(rr=25, sbp=95, hr=115)), t) == timedelta(minutes=15)
    assert next_obs_interval(news2(full(temp=None)), t) == timedelta(minutes=60)


@given(rr=st.integers(0, 80), spo2=st.integers(50, 100), o2=st.booleans(), sbp=st.integers(40, 300),
       hr=st.integers(20, 250), acvpu=st.sampled_from(list(Acvpu)),
       temp=st.floats(30, 44).map(lambda t: round(t, 1)), hyper=st.booleans())
def test_total_is_the_sum_of_parameter_scores_each_0_to_3(rr, spo2, o2, sbp, hr, acvpu, temp, hyper):
    score = news2(full(rr=rr, spo2=spo2, on_oxygen=o2, sbp=sbp, hr=hr, acvpu=acvpu, temp=temp), hyper)
    assert score.complete and set(score.scores) == {"rr", "spo2", "oxygen", "sbp", "hr", "acvpu",
                                                    "temp"}
    assert all(0 <= v <= 3 for v in score.scores.values())
    assert score.total == sum(score.scores.values()) <= 20
    assert score.response is not None
