"""The bridging prompt for a patient on oral baclofen who cannot take it by mouth (clinical-rules
§5, §10): the same words on the route.npo alert and in the record dialog when a nurse picks "nil by
mouth". The intravenous figure is a calculation shown to the prescriber, who decides."""

from __future__ import annotations

from ward_app.domain.orders import Order
from ward_app.domain.rules import Thresholds

SRC_BRIDGE = ("clinical-rules §10: nil by mouth: (a) the liquid via an enteral tube; (b) IV baclofen "
              "at 80 % of the oral daily dose (seed: ~80 % bioavailability) only where available")


def iv_daily_mg(order: Order, t: Thresholds) -> float | None:
    """Intravenous baclofen at ``bridge.iv_percent`` of the order's oral daily dose (mg/day,
    rounded to 0.1 mg); None for an order with no oral daily dose (intrathecal, stopped)."""
    daily = order.daily_mg
    if daily is None:
        return None
    return round(daily * float(t.bridge_iv_percent) / 100, 1)


def bridging_advice(order: Order, t: Thresholds) -> str:
    """What to ask the prescriber for, in one paragraph. Option (b) gives the calculated IV dose
    only when the ward has IV baclofen (setting ``bridge.iv_available``)."""
    tube = "(a) baclofen oral solution (liquid) via an enteral tube (NG/PEG)"
    iv = iv_daily_mg(order, t)
    if t.bridge_iv_available is True and iv is not None:
        other = (f"(b) intravenous baclofen at {float(t.bridge_iv_percent):g} % of the oral daily "
                 f"dose = {iv:g} mg/day (calculated: the prescriber decides)")
    else:
        other = "(b) IV baclofen is not licensed in many countries; ask the prescriber"
    return (f"Do not just omit doses: ask the prescriber now for a bridge: {tube}; {other}. "
            "Rectal baclofen is not absorbed.")
