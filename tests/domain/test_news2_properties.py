"""NEWS2 properties: a missing parameter can only add to the score, never make a set look safer."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from ward_app.domain.alerts import PatientSnapshot
from ward_app.domain.clinical_alerts import news2_alerts
from ward_app.domain.news2 import Response, news2, next_obs_interval
from ward_app.domain.observations import Acvpu, Observation
from ward_app.domain.patient import Flag, Patient
from ward_app.domain.rules import Thresholds

T0 = datetime(2026, 11, 25, 10, tzinfo=UTC)
T = Thresholds.defaults()
FIELDS = ("rr", "spo2", "on_oxygen", "sbp", "hr", "acvpu", "temp")
RANK = {Response.LOW_12H: 0, Response.LOW: 1, Response.LOW_MEDIUM: 2, Response.MEDIUM: 3,
        Response.HIGH: 4}

full_sets = st.builds(
    lambda **kw: Observation(id=1, patient_id=1, taken_at=T0, **kw),
    rr=st.integers(0, 80), spo2=st.integers(50, 100), on_oxygen=st.booleans(),
    sbp=st.integers(40, 300), hr=st.integers(20, 250), acvpu=st.sampled_from(list(Acvpu)),
    temp=st.floats(30, 44).map(lambda t: round(t, 1)))


def blank(obs: Observation, fields: list[str]) -> Observation:
    return replace(obs, **dict.fromkeys(fields))


@given(full_sets, st.lists(st.sampled_from(FIELDS), unique=True, min_size=1), st.booleans())
def test_filling_in_a_missing_parameter_never_lowers_the_total(full, missing, hypercapnic):
    partial = blank(full, missing)
    totals = [news2(partial, hypercapnic).total]
    for i in range(len(missing)):  # put the missing values back one at a time
        totals.append(news2(blank(full, missing[i + 1:]), hypercapnic).total)
    assert totals == sorted(totals)
    assert totals[-1] == news2(full, hypercapnic).total


@given(full_sets, st.lists(st.sampled_from(FIELDS), unique=True, min_size=1), st.booleans())
def test_an_incomplete_set_is_never_low_and_never_below_its_complete_band(full, missing, hypercapnic):
    score = news2(blank(full, missing), hypercapnic)
    assert not score.complete
    assert score.response not in (Response.LOW, Response.LOW_12H)
    assert next_obs_interval(score, T) <= timedelta(minutes=float(T.news2_incomplete_recheck_min))
    complete = news2(full, hypercapnic).response
    assert complete is not None
    if score.response is not None:
        assert RANK[complete] >= RANK[score.response]


@given(full_sets, st.lists(st.sampled_from(FIELDS), unique=True, min_size=1), st.booleans())
def test_an_incomplete_set_never_alerts_more_than_the_complete_one(full, missing, hypercapnic):
    who = Patient(1, "RX1", "Ann Example", datetime(1970, 1, 1).date(), "3", "Ward 7",
                  flags=frozenset({Flag.HYPERCAPNIC}) if hypercapnic else frozenset())

    def worst(obs: Observation) -> int:
        s = PatientSnapshot(who, (), (), ZoneInfo("Europe/London"), observations=(obs,))
        return max((int(a.severity) for a in news2_alerts(s, T0, T)), default=-1)

    partial = blank(full, missing)
    assert worst(partial) <= worst(full)
