"""NEWS2 exactly as the Royal College of Physicians' Chart 1 (2017), and its response (Charts 2, 4).

A missing parameter makes the score incomplete; it is never counted as zero.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from functools import lru_cache

from ward_app.domain.observations import Acvpu, Observation
from ward_app.domain.rules import Thresholds


def score_rr(rr: int) -> int:
    if rr <= 8:
        return 3
    if rr <= 11:
        return 1
    if rr <= 20:
        return 0
    if rr <= 24:
        return 2
    return 3


def score_spo2_scale1(spo2: int) -> int:
    if spo2 <= 91:
        return 3
    if spo2 <= 93:
        return 2
    if spo2 <= 95:
        return 1
    return 0


def score_spo2_scale2(spo2: int, on_oxygen: bool) -> int:
    """Scale 2: only for confirmed hypercapnic respiratory failure (target 88–92 %)."""
    if spo2 <= 83:
        return 3
    if spo2 <= 85:
        return 2
    if spo2 <= 87:
        return 1
    if spo2 <= 92 or not on_oxygen:
        return 0  # 88–92, or ≥93 on air
    if spo2 <= 94:
        return 1
    if spo2 <= 96:
        return 2
    return 3


def score_oxygen(on_oxygen: bool) -> int:
    return 2 if on_oxygen else 0


def score_sbp(sbp: int) -> int:
    if sbp <= 90:
        return 3
    if sbp <= 100:
        return 2
    if sbp <= 110:
        return 1
    if sbp <= 219:
        return 0
    return 3


def score_hr(hr: int) -> int:
    if hr <= 40:
        return 3
    if hr <= 50:
        return 1
    if hr <= 90:
        return 0
    if hr <= 110:
        return 1
    if hr <= 130:
        return 2
    return 3


def score_acvpu(acvpu: Acvpu) -> int:
    return 0 if acvpu is Acvpu.ALERT else 3


def score_temp(temp: float) -> int:
    t = round(temp, 1)
    if t <= 35.0:
        return 3
    if t <= 36.0:
        return 1
    if t <= 38.0:
        return 0
    if t <= 39.0:
        return 1
    return 2


class Response(StrEnum):
    """Clinical risk and the monitoring it sets (Chart 4)."""

    LOW_12H = "low (0)"
    LOW = "low (1-4)"
    LOW_MEDIUM = "low-medium (3 in one parameter)"
    MEDIUM = "medium (5-6)"
    HIGH = "high (7+)"


PARAMETERS = ("rr", "spo2", "oxygen", "sbp", "hr", "acvpu", "temp")
LABELS = {"rr": "Respiration rate", "spo2": "SpO2", "oxygen": "Air or oxygen",
          "sbp": "Systolic BP", "hr": "Pulse", "acvpu": "Consciousness", "temp": "Temperature"}


@dataclass(frozen=True)
class News2:
    scores: dict[str, int]  # parameter -> score, for the parameters recorded
    missing: tuple[str, ...]
    scale: int  # SpO2 scale used (1 or 2)

    @property
    def complete(self) -> bool:
        return not self.missing

    @property
    def total(self) -> int:
        """Sum of the recorded parameters (a floor, not the score, when incomplete)."""
        return sum(self.scores.values())

    @property
    def single_3(self) -> bool:
        return any(v == 3 for v in self.scores.values())

    @property
    def response(self) -> Response | None:
        """The response band; None when incomplete unless what is recorded already reaches a
        higher band (missing values can only add to the score)."""
        total = self.total
        if total >= 7:
            return Response.HIGH
        if total >= 5:
            return Response.MEDIUM
        if self.single_3:
            return Response.LOW_MEDIUM
        if not self.complete:
            return None
        return Response.LOW if total >= 1 else Response.LOW_12H

    def text(self) -> str:
        if self.complete:
            return f"NEWS2 {self.total}"
        return f"NEWS2 incomplete (≥{self.total}; missing {', '.join(LABELS[m] for m in self.missing)})"


@lru_cache(maxsize=8192)
def news2(obs: Observation, hypercapnic: bool = False) -> News2:
    scores: dict[str, int] = {}
    if obs.rr is not None:
        scores["rr"] = score_rr(obs.rr)
    if obs.spo2 is not None:
        if hypercapnic:
            scores["spo2"] = score_spo2_scale2(obs.spo2, bool(obs.on_oxygen))
        else:
            scores["spo2"] = score_spo2_scale1(obs.spo2)
    if obs.on_oxygen is not None:
        scores["oxygen"] = score_oxygen(obs.on_oxygen)
    if obs.sbp is not None:
        scores["sbp"] = score_sbp(obs.sbp)
    if obs.hr is not None:
        scores["hr"] = score_hr(obs.hr)
    if obs.acvpu is not None:
        scores["acvpu"] = score_acvpu(obs.acvpu)
    if obs.temp is not None:
        scores["temp"] = score_temp(obs.temp)
    missing = tuple(p for p in PARAMETERS if p not in scores)
    return News2(scores, missing, 2 if hypercapnic else 1)


def next_obs_interval(score: News2, t: Thresholds) -> timedelta:
    """How soon the next set of observations is due (Chart 4 minimum frequencies; 'continuous',
    the 1–4 interval and the re-check of an incomplete set are settings)."""
    band = score.response
    if band is Response.HIGH:
        return timedelta(minutes=float(t.news2_continuous_check_min))
    if band is None:
        return timedelta(minutes=float(t.news2_incomplete_recheck_min))
    if band in (Response.MEDIUM, Response.LOW_MEDIUM):
        return timedelta(hours=1)
    if band is Response.LOW:
        return timedelta(hours=float(t.news2_low_every_hours))
    return timedelta(hours=12)
