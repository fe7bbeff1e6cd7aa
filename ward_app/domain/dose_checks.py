"""The checks made at the moment a dose is recorded as given (clinical-rules §9), in one place for
the window and the command line.

A **hard stop** refuses and says who can change the order. A **soft stop** explains the finding
and offers the safe choice first; recording anyway needs a reason (and, where ``second_user`` is
set, another user who proves it with their password), and the record carries the finding's flag
on the MAR, the chart, the handover and the audit. Every number is a setting (domain/rules.py).

The daily total counts a dose given before it became missed (early, on time or late) at its due
time, the schedule's own spacing, so ordinary variation from one day to the next never trips it;
a missed dose caught up counts at the moment it was given (it can pile up on the next ones). The
minimum interval counts a dose given on time at its due time, any other when it was given.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo
from enum import StrEnum
from typing import Any

from ward_app.domain.mar import Outcome, Record, effective_records, missed_at
from ward_app.domain.observations import Observation, Poss
from ward_app.domain.orders import Order, OrderAction, Route
from ward_app.domain.rules import Thresholds
from ward_app.domain.schedule import DueDose

SOURCE = "clinical-rules §9: checks at the moment a dose is recorded"
DAY = timedelta(hours=24)


class Stop(StrEnum):
    SOFT = "soft"
    HARD = "hard"


class Safe(StrEnum):
    """The safe choice a finding offers first."""

    HOLD = "hold"  # record the dose as held (not given, a clinical decision)
    OMIT = "omit"  # record the dose as not given, and give the next one on time
    WAIT = "wait"  # record nothing now


#: What each soft stop writes on a record given anyway (mar --json "flags").
FLAG_LABELS = {
    "given_early": "given early",
    "given_too_soon": "given within the minimum interval",
    "given_despite_hold": "given despite a sedation hold",
    "bolus_despite_hold": "bolus despite a sedation hold",
    "recorded_twice": "recorded as given at two workstations",
}


#: The same, as short as a MAR grid cell needs.
FLAG_SHORT = {
    "given_early": "early",
    "given_too_soon": "too soon after last",
    "given_despite_hold": "despite hold",
    "bolus_despite_hold": "despite hold",
    "recorded_twice": "given twice?",
}


def flag_words(flags: Iterable[str], *, short: bool = False) -> str:
    """The flags a record carries, in words joined by '; ' (the short form for a grid cell)."""
    names = FLAG_SHORT if short else FLAG_LABELS
    return "; ".join(names.get(f, f.replace("_", " ")) for f in flags)


@dataclass(frozen=True)
class Finding:
    rule: str
    stop: Stop
    message: str  # why, and what to do
    flag: str | None = None  # what a record given anyway carries (soft stops)
    second_user: bool = False  # a soft stop overridden needs a second user's password
    safe: Safe | None = None
    values: dict[str, Any] = field(default_factory=dict)

    @property
    def hard(self) -> bool:
        return self.stop is Stop.HARD


def hard(findings: Iterable[Finding]) -> list[Finding]:
    return [f for f in findings if f.stop is Stop.HARD]


def soft(findings: Iterable[Finding]) -> list[Finding]:
    return [f for f in findings if f.stop is Stop.SOFT]


def hard_first(findings: Iterable[Finding]) -> list[Finding]:
    """The findings with the hard stops first, each kind in the order found."""
    return sorted(findings, key=lambda f: f.stop is not Stop.HARD)


def safe_choice(findings: Sequence[Finding]) -> Safe | None:
    """The safest choice any finding offers: hold before omit before wait."""
    offered = {f.safe for f in findings if f.safe is not None}
    return next((s for s in (Safe.HOLD, Safe.OMIT, Safe.WAIT) if s in offered), None)


def _span(delta: timedelta) -> str:
    """'2 h 10 min', '45 min', '1 h'."""
    minutes = int(abs(delta).total_seconds() // 60)
    if minutes == 0:
        return "less than a minute"
    hours, mins = divmod(minutes, 60)
    if hours and mins:
        return f"{hours} h {mins} min"
    return f"{hours} h" if hours else f"{mins} min"


def _hhmm(moment: datetime, zone: tzinfo, now: datetime) -> str:
    local = moment.astimezone(zone)
    if local.date() == now.astimezone(zone).date():
        return local.strftime("%H:%M")
    return local.strftime("%d %b %H:%M")


def given_records(records: Iterable[Record]) -> list[Record]:
    """Oral/enteral doses given (on time or late), not marked entered in error, oldest first."""
    rows = list(records)
    corrected = set(effective_records(rows)[1])
    return sorted((r for r in rows if r.outcome in (Outcome.GIVEN, Outcome.GIVEN_LATE)
                   and r.id not in corrected and r.dose_mg is not None),
                  key=lambda r: (r.administered_at, r.id))


def counted_at(due: datetime | None, given_at: datetime, t: Thresholds) -> datetime:
    """When a given dose counts toward the rolling daily total: at its due time when given
    before it became missed (early, on time or late: it is still that dose of the schedule, so a
    dose given 57 min late yesterday never makes today's on-time dose an excess), else when it was
    given (a missed dose caught up can pile up on the next ones)."""
    if due is not None and given_at <= due + timedelta(minutes=float(t.dose_missed_after_min)):
        return due
    return given_at


def nominal_at(due: datetime | None, given_at: datetime, t: Thresholds) -> datetime:
    """When a given dose counts for the minimum interval: at its due time when given on time
    (within the on-time window either side), else when it was given. So QDS doses given on time
    (08:25, then 11:40) keep their schedule's 4 h; an early or a late dose counts when given."""
    if due is not None and abs(given_at - due) <= timedelta(minutes=float(t.dose_window_min)):
        return due
    return given_at


def daily_limit(versions: Sequence[Order], start: datetime, end: datetime) -> float | None:
    """The largest oral/enteral daily total of the order versions in force at any time in
    [start, end) (a taper's lower step never makes yesterday's higher doses an excess)."""
    ordered = sorted(versions, key=lambda v: (v.starts_at, v.id))
    limits: list[float] = []
    for i, v in enumerate(ordered):
        ends = ordered[i + 1].starts_at if i + 1 < len(ordered) else None
        if v.starts_at >= end or (ends is not None and ends <= start):
            continue
        if v.action is not OrderAction.STOP and v.route is not Route.INTRATHECAL and v.daily_mg:
            limits.append(v.daily_mg)
    return max(limits) if limits else None


def rolling_excess(doses: Sequence[tuple[datetime, float]], limit: float,
                   at: datetime) -> tuple[float, list[tuple[datetime, float]]] | None:
    """The worst 24 h window [s, s + 24 h) holding ``at`` whose total is above ``limit``: (its
    total, its doses), or None when every such window is within the limit."""
    worst: tuple[float, list[tuple[datetime, float]]] | None = None
    starts = sorted({s for s, _ in doses if at - DAY < s <= at} | {at})
    for s in starts:
        inside = [(m, mg) for m, mg in doses if s <= m < s + DAY]
        total = sum(mg for _, mg in inside)
        if total > limit + 1e-9 and (worst is None or total > worst[0]):
            worst = (total, inside)
    return worst


@dataclass(frozen=True)
class Situation:
    """What the checks look at: the dose being given, the patient's schedule around it, their
    dose records, recent observations and order versions."""

    dose: DueDose
    now: datetime
    schedule: Sequence[DueDose]
    records: Sequence[Record]
    observations: Sequence[Observation]
    versions: Sequence[Order]
    zone: tzinfo


def check_give(s: Situation, t: Thresholds) -> list[Finding]:
    """Every finding about recording ``s.dose`` as given at ``s.now``: hard stops first."""
    found = [*_timing(s, t), *_interval(s, t), *_daily_total(s, t),
             *sedation_findings(s.observations, s.now, t, intrathecal=False, zone=s.zone)]
    return hard_first(found)


def _timing(s: Situation, t: Thresholds) -> list[Finding]:
    dose, now, zone = s.dose, s.now, s.zone
    due = dose.due
    when = _hhmm(due, zone, now)
    window = timedelta(minutes=float(t.dose_window_min))
    limit = timedelta(minutes=float(t.dose_give_early_limit_min))
    values = {"due": due.astimezone(zone).isoformat(timespec="minutes"),
              "minutes_early": int((due - now).total_seconds() // 60)}
    if now < due - limit:
        return [Finding("dose.too_early", Stop.HARD,
                        f"The {when} dose is not due for {_span(due - now)}: more than "
                        f"{_span(limit)} early it cannot be recorded as given. If a dose was given, "
                        "record it against the dose it really was; the prescriber can change the "
                        "dose times.", safe=Safe.WAIT, values=values)]
    if now < due - window:
        return [Finding("dose.early", Stop.SOFT,
                        f"The {when} dose is {_span(due - now)} early (on time is within "
                        f"{_span(window)} of due). Wait until {(due - window).astimezone(zone):%H:%M} "
                        "if you can; to give it now, say why.",
                        flag="given_early", safe=Safe.WAIT, values=values)]
    if now <= due + window:
        return []
    interval = timedelta(hours=float(t.dose_min_interval_hours))
    later = sorted(d.due for d in s.schedule if d.due > due)
    nxt = later[0] if later else None
    if now < missed_at(due, nxt, float(t.dose_missed_after_min)):
        return []  # late, not missed: the minimum interval guards the next dose
    if nxt is None or nxt - now > interval:
        return []
    late = _span(now - due)
    if nxt <= now:
        where = f"the next dose ({_hhmm(nxt, zone, now)}) is already due"
    else:
        where = f"the next dose is due at {_hhmm(nxt, zone, now)}, in {_span(nxt - now)}"
    return [Finding("dose.catch_up", Stop.HARD,
                    f"The {when} dose is {late} late and {where}: a missed dose is given only when "
                    f"the next is more than {_span(interval)} away. Record this one as not given "
                    "(omitted) and give the next dose on time — never two doses to make up for "
                    "one. Tell the prescriber.", safe=Safe.OMIT,
                    values={**values, "next_due": nxt.astimezone(zone).isoformat(
                        timespec="minutes"), "minutes_late": int((now - due).total_seconds() // 60)})]


def _interval(s: Situation, t: Thresholds) -> list[Finding]:
    interval = timedelta(hours=float(t.dose_min_interval_hours))
    here = nominal_at(s.dose.due, s.now, t)
    near = [r for r in given_records(s.records) if r.due != s.dose.due
            and abs(here - nominal_at(r.due, r.administered_at, t)) < interval]
    if not near:
        return []
    closest = min(near, key=lambda r: abs(s.now - r.administered_at))
    gap = abs(s.now - closest.administered_at)
    at = _hhmm(closest.administered_at, s.zone, s.now)
    side = "ago" if closest.administered_at <= s.now else "after this one (recorded later)"
    return [Finding("dose.min_interval", Stop.SOFT,
                    f"A dose of {closest.dose_mg:g} mg was given at {at}, {_span(gap)} {side}: "
                    f"baclofen doses are at least {_span(interval)} apart (half-life 5–6 h). Wait, "
                    "or ask the prescriber; to give it now, say why, and a second nurse confirms "
                    "with their password.", flag="given_too_soon", second_user=True, safe=Safe.WAIT,
                    values={"last_given": closest.administered_at.astimezone(s.zone).isoformat(
                        timespec="minutes"), "minutes_apart": int(gap.total_seconds() // 60),
                        "min_interval_hours": t.dose_min_interval_hours})]


def _daily_total(s: Situation, t: Thresholds) -> list[Finding]:
    here = counted_at(s.dose.due, s.now, t)
    limit = daily_limit(s.versions, here - DAY, here + DAY)
    if limit is None:
        return []
    def wall(moment: datetime) -> datetime:
        """The ward's clock time: a day is 24 h of it, also over a clock change (the 08:00 doses
        either side of the spring change are 23 h apart in real time)."""
        return moment.astimezone(s.zone).replace(tzinfo=None)

    doses = [(wall(counted_at(r.due, r.administered_at, t)), float(r.dose_mg or 0))
             for r in given_records(s.records) if r.due != s.dose.due]
    doses.append((wall(here), s.dose.dose_mg))
    excess = rolling_excess(doses, limit, wall(here))
    if excess is None:
        return []
    total, inside = excess
    listed = ", ".join(f"{_hhmm(m.replace(tzinfo=s.zone), s.zone, s.now)} {mg:g} mg"
                       for m, mg in sorted(inside))
    return [Finding("dose.daily_total", Stop.HARD,
                    f"Giving {s.dose.dose_mg:g} mg now would make {total:g} mg within 24 h "
                    f"({listed}); the order's daily total is {limit:g} mg. It cannot be recorded "
                    "as given: record the dose as not given and ask the prescriber or pharmacist "
                    "to review the order.", safe=Safe.OMIT,
                    values={"total_mg": total, "daily_total_mg": limit})]


def sedation_findings(observations: Iterable[Observation], now: datetime, t: Thresholds, *,
                      intrathecal: bool, zone: tzinfo) -> list[Finding]:
    """The over-sedation hold: POSS 3, RASS at or below the urgent level, or RR at or below the
    toxicity level within the hold window → soft stop offering 'held'; POSS 4 (or RASS at the
    emergency level) → hard stop. Intrathecal wording names the ITB team and the pump."""
    since = now - timedelta(hours=float(t.dose_sedation_hold_hours))
    recent = [o for o in observations if since <= o.taken_at <= now]
    somnolent = [o for o in recent if o.poss is Poss.SOMNOLENT or (
        o.rass is not None and o.rass <= int(t.toxicity_rass_emergency))]
    drowsy = [o for o in recent if o.poss is Poss.FREQUENTLY_DROWSY or (
        o.rass is not None and o.rass <= int(t.toxicity_rass_urgent))]
    slow = [o for o in recent if o.rr is not None and o.rr <= int(t.toxicity_rr_at_or_below)]
    hours = f"{float(t.dose_sedation_hold_hours):g} h"

    def seen(rows: list[Observation], what) -> str:  # type: ignore[no-untyped-def]
        return ", ".join(f"{what(o)} at {_hhmm(o.taken_at, zone, now)}" for o in rows)

    def score(o: Observation) -> str:
        return f"POSS {o.poss.value}" if o.poss in (Poss.SOMNOLENT, Poss.FREQUENTLY_DROWSY) \
            else f"RASS {o.rass}"

    pump = ("Emergency medical and ITB-team review now; support airway and breathing; the ITB "
            "team may empty the pump reservoir.")
    if somnolent:
        values = {"signs": seen(somnolent, score), "hold_hours": t.dose_sedation_hold_hours}
        if intrathecal:
            return [Finding("dose.sedation_stop", Stop.HARD,
                            f"Somnolent within the last {hours} ({values['signs']}): no bolus. "
                            f"{pump}", safe=Safe.HOLD, values=values)]
        return [Finding("dose.sedation_stop", Stop.HARD,
                        f"Somnolent within the last {hours} ({values['signs']}): only 'held' can be "
                        "recorded. Call the medical team now and check breathing; the prescriber "
                        "decides when baclofen restarts.", safe=Safe.HOLD, values=values)]
    if not (drowsy or slow):
        return []
    parts = [p for p in (seen(drowsy, score), seen(slow, lambda o: f"RR {o.rr}/min")) if p]
    values = {"signs": "; ".join(parts), "hold_hours": t.dose_sedation_hold_hours}
    if intrathecal:
        return [Finding("dose.sedation_hold", Stop.SOFT,
                        f"Over-sedated within the last {hours} ({values['signs']}): hold the "
                        f"bolus. {pump} To give it anyway, say why.", flag="bolus_despite_hold",
                        safe=Safe.HOLD, values=values)]
    return [Finding("dose.sedation_hold", Stop.SOFT,
                    f"Over-sedated within the last {hours} ({values['signs']}): hold this dose and "
                    "tell the prescriber (the dose may need reducing); watch sedation and "
                    "breathing. To give it anyway, say why.", flag="given_despite_hold",
                    safe=Safe.HOLD, values=values)]
