"""The ward board: one row per patient, as a nurse reads the ward at a glance."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from ward_app.domain.clock import age_on
from ward_app.domain.patient import FLAG_LABELS, Flag
from ward_app.domain.rules import default
from ward_app.services.context import Context
from ward_app.storage import orders as order_repo
from ward_app.storage import patients as patient_repo
from ward_app.storage.errors import actionable_errors


def bed_key(bed: str) -> tuple:
    """Natural order for beds: 2 before 10, 'SR 1' after all plain numbers."""
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p.lower())
                 for p in re.findall(r"\d+|\D+", bed))


@dataclass(frozen=True)
class BoardRow:
    patient_id: int
    mrn: str
    bed: str
    name: str
    age: int
    route: str  # oral / enteral / intrathecal / "" (no baclofen)
    dose: str  # e.g. "10 mg TDS (30 mg/day)", "450 mcg/day", "no baclofen order"
    flags: tuple[str, ...]
    itb_high_risk: bool
    ward: str


def ward_board(ctx: Context, at: datetime | None = None) -> list[BoardRow]:
    """Rows for every patient, sorted by bed, as of ``at`` (default: now)."""
    moment = at or ctx.now()
    today = moment.astimezone(ctx.zone).date()
    with actionable_errors():
        patients = patient_repo.patients(ctx.db)
        orders = order_repo.current_orders(ctx.db, moment)
        labs = patient_repo.latest_labs(ctx.db, moment)
    reduce_below = float(default("renal.reduce_below_egfr"))
    rows = []
    for p in patients:
        order = orders.get(p.id)
        if order is None:
            route, dose = "", "no baclofen order"
        else:
            route = order.route.value
            dose = order.describe().removeprefix(route + " ")
        labels = [FLAG_LABELS[f] for f in sorted(p.flags, key=lambda f: list(Flag).index(f))]
        lab = labs.get(p.id)
        if lab is not None and lab.dialysis:
            labels.append("Dialysis")
        if lab is not None and lab.egfr is not None and lab.egfr < reduce_below:
            labels.append(f"eGFR {lab.egfr:g}")
        if p.sci_level:
            labels.insert(0, f"SCI {p.sci_level}")
        if order is not None and order.route.value == "intrathecal" and p.itb_high_risk:
            labels.insert(0, "ITB high risk")
        rows.append(BoardRow(
            patient_id=p.id, mrn=p.mrn, bed=p.bed, name=p.name, age=age_on(p.dob, today),
            route=route, dose=dose, flags=tuple(labels),
            itb_high_risk=p.itb_high_risk and route == "intrathecal", ward=p.ward,
        ))
    rows.sort(key=lambda r: (r.ward, bed_key(r.bed)))
    return rows
