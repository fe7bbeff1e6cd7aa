"""Oral taper plans (clinical-rules §7): from the current oral order, a day-by-day plan that takes the daily
dose down by a step every few days, one dose time at a time, in amounts that can really be given,
until it ends at zero. Never faster than the minimum duration; slower for high starting doses.

How a step is taken: the dose time with the largest dose gives up the step (on a tie: midday doses
first, then the morning, the night dose last, since spasms at night keep people awake). A step never
splits across dose times, so it cannot be larger than the largest single dose.

High starting doses (above ``taper.high_dose_mg``): the interval between steps is doubled while the
daily dose is still above that threshold (a cautious local default; clinical-rules §7 says "slower for high
doses" without a number: a hospital can change the factor in settings).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum
from typing import Any

from ward_app.domain.errors import InvalidInput, Refused
from ward_app.domain.orders import Order, OrderAction, Route
from ward_app.domain.rules import Thresholds


class Form(StrEnum):
    """What the patient takes: tablets (5, 10, 20 mg; a 10 mg tablet halved gives 5 mg) or oral
    solution (5 mg in 5 mL, so 1 mg steps)."""

    TABLET = "tablet"
    SOLUTION = "solution"


#: Smallest amount each form can give (clinical-rules §7).
UNIT_MG = {Form.TABLET: 5.0, Form.SOLUTION: 1.0}
TABLETS_MG = (20.0, 10.0, 5.0)
SOLUTION_MG_PER_ML = 1.0  # 5 mg / 5 mL


def amount_text(mg: float, form: Form) -> str:
    """How a dose is given, e.g. '1 × 10 mg + 1 × 5 mg tablets' (15 mg) or '7 mL' (7 mg of
    5 mg/5 mL solution); 'none' for 0 mg."""
    if mg <= 0:
        return "none"
    if form is Form.SOLUTION:
        return f"{mg / SOLUTION_MG_PER_ML:g} mL"
    parts, left = [], mg
    for size in TABLETS_MG:
        count = int(left // size)
        if count:
            parts.append(f"{count} × {size:g} mg")
            left -= count * size
    return " + ".join(parts) + (" tablet" if len(parts) == 1 and parts[0].startswith("1 ×") else
                                " tablets")


@dataclass(frozen=True)
class TaperDay:
    day: int  # day 1 is the start date
    date: date
    doses: tuple[tuple[str, float], ...]  # (clock time, mg) in clock order; 0 mg means none

    @property
    def daily_mg(self) -> float:
        return sum(mg for _t, mg in self.doses)


@dataclass(frozen=True)
class TaperPlan:
    start: date
    form: Form
    step_mg: float
    every_days: int
    start_daily_mg: float
    times: tuple[str, ...]
    days: tuple[TaperDay, ...]  # every day from the start until the first day with no dose
    notes: tuple[str, ...] = ()
    slowed: bool = False  # high starting dose: intervals doubled above the threshold

    @property
    def end_date(self) -> date:
        """The first day with no baclofen."""
        return self.days[-1].date

    @property
    def length_days(self) -> int:
        """Days with a (reduced) dose before the first day without."""
        return len(self.days) - 1

    def steps(self) -> list[TaperDay]:
        """The days on which the doses change (the first day included)."""
        out: list[TaperDay] = []
        for d in self.days:
            if not out or d.doses != out[-1].doses:
                out.append(d)
        return out

    def to_json(self) -> dict[str, Any]:
        return {
            "steps": [{"date": d.date.isoformat(), "day": d.day, "daily_mg": d.daily_mg,
                       "doses": [{"time": t, "mg": mg} for t, mg in d.doses if mg > 0]}
                      for d in self.steps()],
            "end_date": self.end_date.isoformat(), "days": self.length_days,
            "start_date": self.start.isoformat(), "form": self.form.value,
            "step_mg": self.step_mg, "every_days": self.every_days, "notes": list(self.notes),
        }


@dataclass(frozen=True)
class TaperRequest:
    start: date
    step_mg: float | None = None  # default: the setting, or step_pct when given
    step_pct: float | None = None  # % of the starting daily dose
    every_days: int | None = None
    form: Form = Form.TABLET
    delivery_date: date | None = None  # pregnancy: expected delivery
    pregnant: bool = False
    extra_notes: tuple[str, ...] = field(default_factory=tuple)


def _priority(times: tuple[str, ...]) -> list[int]:
    """Which dose time gives up a step first on a tie: middle doses, then the first, the last last."""
    n = len(times)
    if n <= 2:
        return list(range(n))  # BD: morning before night
    return [*range(1, n - 1), 0, n - 1]


def plan_taper(order: Order, req: TaperRequest, t: Thresholds) -> TaperPlan:
    """A day-by-day plan, or InvalidInput / Refused saying what to change."""
    if order.route is Route.INTRATHECAL:
        raise Refused("taper.itb", "Intrathecal dose reductions are a specialist decision: record "
                      "the ITB team's reductions as order changes; the app does not plan them.")
    if order.action is OrderAction.STOP or order.dose_mg is None or not order.times:
        raise InvalidInput("mrn", "There is no oral or enteral order in force to taper.")
    unit = UNIT_MG[req.form]
    doses = [order.dose_for(clock) for clock in order.times]
    start_daily = sum(doses)
    if req.step_pct is not None:
        if not math.isfinite(req.step_pct) or not 0 < req.step_pct <= 50:
            raise InvalidInput("step-pct", f"A step of {req.step_pct:g} % is out of range: use more "
                               "than 0 and at most 50 % of the starting daily dose.")
        step = max(unit, round(start_daily * req.step_pct / 100 / unit) * unit)
    else:
        step = float(req.step_mg if req.step_mg is not None else t.taper_step_mg)
    every = int(req.every_days if req.every_days is not None else t.taper_every_days)
    # a step worked out from a percentage is that option's to fix
    step_field = "step-pct" if req.step_pct is not None else "step-mg"
    if not math.isfinite(step) or step <= 0:
        raise InvalidInput(step_field, f"The step ({step:g} mg) must be a positive number of mg.")
    if not 1 <= every <= 28:
        raise InvalidInput("every-days", f"A step every {every} days is out of range: use 1 to 28 "
                           "days.")
    if step < unit or abs(step / unit - round(step / unit)) > 1e-9:
        what = ("tablets give 5 mg steps (5, 10, 20 mg tablets; half a 10 mg tablet): use a "
                "multiple of 5 mg, or plan with oral solution for smaller steps"
                if req.form is Form.TABLET else "oral solution gives 1 mg steps: use whole mg")
        raise InvalidInput(step_field, f"A {step:g} mg step cannot be given: {what}.")
    for clock, mg in zip(order.times, doses, strict=True):
        if abs(mg / unit - round(mg / unit)) > 1e-9:
            raise InvalidInput("form", f"The {clock} dose ({mg:g} mg) cannot be given as "
                               f"{req.form.value}s: plan with oral solution.")
    if step > max(doses):
        raise InvalidInput(step_field, f"A {step:g} mg step is larger than the largest single dose "
                           f"({max(doses):g} mg): the plan reduces one dose time at a time. Use a "
                           f"step of at most {max(doses):g} mg.")
    high = float(t.taper_high_dose_mg)
    factor = int(t.taper_high_dose_interval_factor)
    slowed = start_daily > high and factor > 1
    current = list(doses)
    order_of = _priority(order.times)
    days: list[TaperDay] = []
    day = 1
    today = req.start
    while True:
        # a step on this day
        largest = max(current)
        i = next(i for i in order_of if current[i] == largest)
        current[i] = max(0.0, current[i] - step)
        daily = sum(current)
        hold = every * (factor if slowed and daily > high else 1)
        if daily <= 1e-9:
            days.append(TaperDay(day, today, tuple((c, 0.0) for c in order.times)))
            break
        for _ in range(hold):
            days.append(TaperDay(day, today, tuple(zip(order.times, current, strict=True))))
            day += 1
            today += timedelta(days=1)
    plan_days = len(days) - 1
    minimum = int(t.taper_min_days)
    if plan_days < minimum:
        raise Refused("taper.too_fast", f"This taper would stop baclofen after {plan_days} days: "
                      f"never faster than {minimum} days (clinical-rules §7; abrupt withdrawal can cause "
                      "hallucinations and seizures). Use a smaller step or more days between "
                      "steps.")
    notes = list(req.extra_notes)
    if slowed:
        notes.append(f"High starting dose ({start_daily:g} mg/day, above {high:g}): the days "
                     f"between steps are multiplied by {factor} until the daily dose is at or below "
                     f"{high:g} mg.")
    if req.pregnant:
        end = days[-1].date
        if req.delivery_date is not None:
            if end > req.delivery_date:
                notes.append(f"Pregnancy: this plan ends on {end:%d %b %Y}, AFTER the expected "
                             f"delivery date ({req.delivery_date:%d %b %Y}). Aim to finish before "
                             "delivery: discuss a quicker plan (never under the minimum) with the "
                             "prescriber; warn the neonatal team about withdrawal in the baby.")
            else:
                notes.append(f"Pregnancy: the plan finishes before the expected delivery date "
                             f"({req.delivery_date:%d %b %Y}), as advised.")
        else:
            notes.append("Pregnancy: plan to finish before delivery where feasible; record the "
                         "expected delivery date to check.")
    return TaperPlan(req.start, req.form, step, every, start_daily, order.times, tuple(days),
                     tuple(notes), slowed)
