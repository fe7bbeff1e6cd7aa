"""When doses fall due: clock times in the ward's zone, turned into UTC instants, across DST.

Rules (issue 3): a 22:00 dose stays at 22:00 local on both change days; a clock time that does not
exist on the spring-forward day is due at the first valid time after it (the moment the clocks
jump); a time that occurs twice in autumn is due once, at its first occurrence.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from functools import lru_cache

from ward_app.domain.orders import Order, OrderAction, Route


def _exists(local: datetime) -> bool:
    """True when a naive local time is a real reading of the ward clock."""
    utc = local.astimezone(UTC)
    return utc.astimezone(local.tzinfo).replace(tzinfo=None) == local.replace(tzinfo=None)


@lru_cache(maxsize=65536)
def local_due(day: date, clock: time, zone: tzinfo) -> datetime:
    """The UTC instant a clock time on a ward day falls due (cached: pure and called often)."""
    local = datetime.combine(day, clock).replace(tzinfo=zone, fold=0)
    if _exists(local):
        return local.astimezone(UTC)
    # In the spring-forward gap: find the first instant whose wall clock reads at or after it.
    wall = local.replace(tzinfo=None)
    lo = local.replace(fold=1).astimezone(UTC)  # earlier candidate (offset after the change)
    hi = local.replace(fold=0).astimezone(UTC)  # later candidate (offset before the change)
    lo, hi = min(lo, hi), max(lo, hi)
    while hi - lo > timedelta(seconds=1):
        mid = lo + (hi - lo) / 2
        if mid.astimezone(zone).replace(tzinfo=None) >= wall:
            hi = mid
        else:
            lo = mid
    return hi.replace(microsecond=0)


@lru_cache(maxsize=1024)
def parse_clock(text: str) -> time:
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))


def ward_days(start: datetime, end: datetime, zone: tzinfo) -> list[date]:
    """Every local calendar day that overlaps [start, end)."""
    first = start.astimezone(zone).date() - timedelta(days=1)
    last = end.astimezone(zone).date() + timedelta(days=1)
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


@dataclass(frozen=True)
class DueDose:
    """One scheduled dose of one order version."""

    patient_id: int
    order_id: int
    due: datetime  # UTC
    dose_mg: float
    route: Route
    clock: str = ""  # the ordered clock time, e.g. "01:30" (due at 02:00 on a spring-forward day)


def due_doses(
    versions: Sequence[Order], start: datetime, end: datetime, zone: tzinfo
) -> list[DueDose]:
    """Scheduled doses due in [start, end) for one patient's order versions (sorted by start).

    Each version rules from its own start until the next version starts. Intrathecal orders are
    continuous and have no discrete doses; a 'stop' version ends the schedule.
    """
    ordered = sorted(versions, key=lambda o: (o.starts_at, o.id))
    out: list[DueDose] = []
    days = ward_days(start, end, zone)
    for i, version in enumerate(ordered):
        if version.action is OrderAction.STOP or version.route is Route.INTRATHECAL:
            continue
        until = ordered[i + 1].starts_at if i + 1 < len(ordered) else end
        lo, hi = max(start, version.starts_at), min(end, until)
        if lo >= hi or version.dose_mg is None:
            continue
        for day in days:
            for clock in version.times:
                mg = version.dose_for(clock)
                if mg <= 0:
                    continue  # a taper step with no dose at this time
                due = local_due(day, parse_clock(clock), zone)
                if lo <= due < hi:
                    out.append(DueDose(version.patient_id, version.id, due, mg, version.route,
                                       clock))
    out.sort(key=lambda d: d.due)
    # A repeated wall-clock reading (autumn) or two versions meeting at one instant: due once.
    unique: list[DueDose] = []
    for dose in out:
        if not unique or unique[-1].due != dose.due:
            unique.append(dose)
    return unique


def next_due_after(doses: Iterable[DueDose], moment: datetime) -> DueDose | None:
    return next((d for d in sorted(doses, key=lambda d: d.due) if d.due > moment), None)
