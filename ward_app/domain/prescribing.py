"""Cautions shown to the prescriber when an order is started or changed (clinical-rules §9).

Every caution that applies is listed; the prescriber acknowledges them, and the acknowledgement
is stored with the order version (and shown on the chart). They repeat, at order time, what the
alert rules say on the ward afterwards, in the seed's words where it has them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ward_app.domain.drugs import classes_of
from ward_app.domain.orders import Caution, Order, OrderAction, Route
from ward_app.domain.patient import Flag, Lab, Patient
from ward_app.domain.rules import Thresholds


@dataclass(frozen=True)
class Proposed:
    """The order version being prescribed, as far as the cautions need it."""

    route: Route
    daily_mg: float | None = None  # oral/enteral
    doses_per_day: int = 0
    daily_mcg: float | None = None  # intrathecal


def order_cautions(patient: Patient, proposed: Proposed, *, lab: Lab | None,
                   comeds: Sequence[str], previous: Order | None, t: Thresholds) -> list[Caution]:
    """Every caution that applies to prescribing ``proposed`` for ``patient``."""
    out: list[Caution] = []
    flags = patient.flags
    if Flag.DEMENTIA in flags:
        out.append(Caution("flag.dementia", "Dementia: the seed advises avoiding baclofen "
                           "entirely in dementia (confusion, sedation, falls); prefer an "
                           "alternative."))
    if lab is not None:
        avoid, reduce = float(t.renal_avoid_below_egfr), float(t.renal_reduce_below_egfr)
        if lab.dialysis or (lab.egfr is not None and lab.egfr < avoid):
            what = "on dialysis" if lab.dialysis else f"eGFR {lab.egfr:g}"
            out.append(Caution("renal.avoid", f"Severe renal impairment ({what}): avoid baclofen "
                               "(it is cleared by the kidneys; toxicity presents as drowsiness, "
                               "confusion and slow breathing; haemodialysis reverses it)."))
        elif lab.egfr is not None and lab.egfr <= reduce:
            out.append(Caution("renal.reduce", f"Reduced renal function (eGFR {lab.egfr:g}, "
                               f"{avoid:g}–{reduce:g}): reduce the dose; in older adults avoid if "
                               "possible (Beers)."))
    if Flag.PREGNANCY in flags:
        out.append(Caution("flag.pregnancy", "Pregnancy: only if the benefit justifies the risk; "
                           "plan to taper and stop before delivery; the newborn may show "
                           "withdrawal (increased tone, tremor, jitteriness, seizures)."))
    if Flag.EPILEPSY in flags:
        out.append(Caution("flag.epilepsy", "Epilepsy: baclofen may worsen seizure control; "
                           "monitor."))
    for drug in comeds:
        if any(c.rule == "interaction.cns" for c in classes_of(drug)):
            out.append(Caution("interaction.cns", f"{drug} is a CNS depressant: added sedation and "
                               "slowed breathing with baclofen; watch sedation (POSS) and "
                               "respiratory rate."))
    if proposed.route is Route.INTRATHECAL:
        out.extend(_itb_cautions(proposed, previous, t))
        return out
    daily = proposed.daily_mg or 0.0
    warn, urgent = float(t.oral_max_daily_warning_mg), float(t.oral_max_daily_urgent_mg)
    if daily > urgent:
        out.append(Caution("dose.max_daily", f"{daily:g} mg/day is above the {urgent:g} mg/day "
                           "maximum (BNF): only with the prescriber's reason (the override)."))
    elif daily > warn:
        out.append(Caution("dose.max_daily", f"{daily:g} mg/day is above the {warn:g} mg/day "
                           "maximum (US label): only with the prescriber's reason (the override)."))
    if proposed.doses_per_day == 1:
        out.append(Caution("order.once_daily", "Once daily: baclofen's half-life is 5–6 h, so "
                           "several doses a day are needed for an even effect (seed)."))
    return out


def _itb_cautions(proposed: Proposed, previous: Order | None, t: Thresholds) -> list[Caution]:
    out = []
    daily = proposed.daily_mcg or 0.0
    low, high = float(t.itb_range_low_mcg), float(t.itb_range_high_mcg)
    if daily < low or daily > high:
        out.append(Caution("itb.dose_range", f"{daily:g} mcg/day is outside the label's "
                           f"{low:g}–{high:g} mcg/day: confirm it with the ITB team."))
    before = previous.daily_mcg if previous is not None and previous.action is not (
        OrderAction.STOP) and previous.route is Route.INTRATHECAL else None
    if before:
        change = (daily - before) / before * 100
        if change > float(t.itb_step_up_pct) or -change > float(t.itb_step_down_pct):
            out.append(Caution("itb.dose_step", f"A change of {change:+.0f} % at once (from "
                               f"{before:g} mcg/day) is beyond the label's usual refill "
                               f"adjustments (+{t.itb_step_up_pct}/−{t.itb_step_down_pct} %): "
                               "confirm it with the ITB team."))
    return out
