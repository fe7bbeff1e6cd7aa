"""A patient's latest NEWS2 and when the next full set of observations is due: worked out here
once, for the board, the chart, the handover and ``next_obs_due``."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from ward_app.domain.news2 import News2, news2, next_obs_interval
from ward_app.domain.observations import Observation
from ward_app.domain.rules import Thresholds

#: Observations taken this far ahead of the clock still count (workstation clocks drift a little;
#: the same slack recording allows).
CLOCK_SLACK = timedelta(minutes=5)


@dataclass(frozen=True)
class LatestNews2:
    observation: Observation  # the latest valid set with vital signs
    score: News2
    next_due: datetime  # when the next full set is due, on the interval the score sets

    def overdue(self, now: datetime) -> bool:
        return now > self.next_due


def latest_news2(observations: Iterable[Observation], hypercapnic: bool, t: Thresholds,
                 now: datetime) -> LatestNews2 | None:
    """From valid observations (none entered in error), in any order: the latest set with vital
    signs taken by ``now`` (plus the clock slack), scored; None when there is none."""
    latest = max((o for o in observations if o.has_vitals and o.taken_at <= now + CLOCK_SLACK),
                 key=lambda o: (o.taken_at, o.id), default=None)
    if latest is None:
        return None
    score = news2(latest, hypercapnic)
    return LatestNews2(latest, score, latest.taken_at + next_obs_interval(score, t))


__all__ = ["CLOCK_SLACK", "LatestNews2", "latest_news2"]
