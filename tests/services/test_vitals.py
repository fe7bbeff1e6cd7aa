"""The latest NEWS2 and the next set due: one function for the board, chart, handover and
next_obs_due."""

from __future__ import annotations

from datetime import timedelta

from tests.conftest import NOW
from ward_app.domain.observations import Acvpu, Observation
from ward_app.domain.rules import Thresholds
from ward_app.services.vitals import CLOCK_SLACK, latest_news2

T = Thresholds.defaults()


def obs(oid: int, minutes_ago: float, **values) -> Observation:
    return Observation(id=oid, patient_id=1, taken_at=NOW - timedelta(minutes=minutes_ago), **values)


FULL = dict(rr=16, spo2=97, on_oxygen=False, sbp=120, hr=80, acvpu=Acvpu.ALERT, temp=37.0)


def test_none_without_vital_signs():
    assert latest_news2([], False, T, NOW) is None
    assert latest_news2([obs(1, 10, mas="2")], False, T, NOW) is None  # spasticity only


def test_the_latest_set_with_vital_signs_in_any_order():
    older, newer, sedation_only = obs(1, 300, **FULL), obs(2, 60, **{**FULL, "rr": 25}), obs(3, 5)
    latest = latest_news2([newer, sedation_only, older], False, T, NOW)
    assert latest is not None and latest.observation is newer
    assert latest.score.total == 3 and latest.score.complete
    assert latest.next_due > newer.taken_at and not latest.overdue(NOW)
    assert latest.overdue(latest.next_due + timedelta(seconds=1))


def test_a_set_taken_after_the_moment_does_not_count_beyond_the_clock_slack():
    now_set, ahead = obs(1, 60, **FULL), obs(2, -(CLOCK_SLACK.total_seconds() / 60 + 1), **FULL)
    latest = latest_news2([now_set, ahead], False, T, NOW)
    assert latest is not None and latest.observation is now_set
    drift = obs(3, -1, **FULL)  # a minute ahead: a workstation clock drifting
    assert latest_news2([now_set, drift], False, T, NOW).observation is drift  # type: ignore[union-attr]


def test_hypercapnic_patients_are_scored_on_their_scale():
    low_sats = obs(1, 10, **{**FULL, "spo2": 89})
    assert latest_news2([low_sats], True, T, NOW).score.total < latest_news2(  # type: ignore[union-attr]
        [low_sats], False, T, NOW).score.total  # type: ignore[union-attr]
