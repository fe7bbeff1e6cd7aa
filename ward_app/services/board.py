"""The ward board: one row per patient, as a nurse reads the ward at a glance."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from ward_app.domain.alerts import Alert, PatientSnapshot, Severity, most_severe_first
from ward_app.domain.clock import age_on
from ward_app.domain.dose_alerts import in_force
from ward_app.domain.mar import effective_records
from ward_app.domain.news2 import Response, news2
from ward_app.domain.patient import FLAG_LABELS, Flag
from ward_app.domain.pump import pump_dates
from ward_app.domain.schedule import due_doses
from ward_app.services.alerts import patient_alerts, with_acks
from ward_app.services.context import Context
from ward_app.services.snapshots import load_snapshots
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
    next_due: datetime | None = None  # next scheduled dose with no record yet
    late: int = 0  # doses late now (no record 30 min after due)
    missed: int = 0  # doses missed now
    top_severity: Severity | None = None  # most severe active alert
    alert_count: int = 0
    news2: int | None = None  # latest NEWS2 (a floor when incomplete), None: no vital signs
    news2_complete: bool = True
    news2_level: int = 0  # 0 low (0), 1 low (1-4), 2 single 3 / medium, 3 high: for colour
    obs_overdue: bool = False
    refill_by: date | None = None  # pump patients: the refill-by date of the last refill
    refill_severity: Severity | None = None  # of pump.refill_due / pump.empty, when raised

    @property
    def news2_text(self) -> str:
        if self.news2 is None:
            return ""
        text = str(self.news2) if self.news2_complete else f"≥{self.news2} (incomplete)"
        return f"{text}, obs overdue" if self.obs_overdue else text

    @property
    def overdue_text(self) -> str:
        parts = [f"{self.missed} missed"] if self.missed else []
        parts += [f"{self.late} late"] if self.late else []
        return ", ".join(parts)


@dataclass(frozen=True)
class WardOverview:
    """The board and the alerts computed together, from one load, at one moment."""

    at: datetime
    rows: list[BoardRow]
    alerts: list[Alert]
    snapshots: list[PatientSnapshot] = field(default_factory=list)  # what they were computed from


_LEVEL = {Response.HIGH: 3, Response.MEDIUM: 2, Response.LOW_MEDIUM: 2, Response.LOW: 1}


def ward_overview(ctx: Context, at: datetime | None = None) -> WardOverview:
    moment = at or ctx.now()
    today = moment.astimezone(ctx.zone).date()
    t = ctx.thresholds()
    snapshots = load_snapshots(ctx, moment, t)
    with actionable_errors():
        labs = patient_repo.latest_labs(ctx.db, moment)
    reduce_below = float(t.renal_reduce_below_egfr)
    rows: list[BoardRow] = []
    all_alerts: list[Alert] = []
    for snap in snapshots:
        p = snap.patient
        alerts = with_acks(ctx, patient_alerts(snap, moment, t))
        all_alerts.extend(alerts)
        order = in_force(snap.versions, moment)
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
        if route == "intrathecal" and p.itb_high_risk:
            labels.insert(0, "ITB high risk")
        refill_by = None
        if snap.pump is not None and snap.pump.last_refill is not None:
            refill_by = pump_dates(snap.pump.last_refill, t, ctx.zone,
                                   snap.pump.pump.eri_and_end(t)[1]).refill_by
        pump_alerts = [a.severity for a in alerts if a.rule in ("pump.refill_due", "pump.empty")]
        latest = next((o for o in reversed(snap.observations) if o.has_vitals), None)
        score = news2(latest, Flag.HYPERCAPNIC in p.flags) if latest is not None else None
        recorded, _ = effective_records(snap.records)
        upcoming = [d for d in due_doses(snap.versions, moment, moment + timedelta(days=1), ctx.zone)
                    if d.due not in recorded]
        rows.append(BoardRow(
            patient_id=p.id, mrn=p.mrn, bed=p.bed, name=p.name, age=age_on(p.dob, today),
            route=route, dose=dose, flags=tuple(labels),
            itb_high_risk=p.itb_high_risk and route == "intrathecal", ward=p.ward,
            next_due=upcoming[0].due if upcoming else None,
            late=sum(a.rule == "dose.late" for a in alerts),
            missed=sum(a.rule == "dose.missed" for a in alerts),
            top_severity=max((a.severity for a in alerts), default=None),
            alert_count=len(alerts),
            news2=score.total if score else None, news2_complete=score.complete if score else True,
            news2_level=_LEVEL.get(score.response, 0) if score and score.response else 0,
            refill_by=refill_by, refill_severity=max(pump_alerts, default=None),
            obs_overdue=any(a.rule == "monitoring.overdue" and a.key.split(":", 2)[-1].startswith(
                "obs") for a in alerts),
        ))
    rows.sort(key=lambda r: (r.ward, bed_key(r.bed)))
    return WardOverview(moment, rows, most_severe_first(all_alerts), snapshots)


def ward_board(ctx: Context, at: datetime | None = None) -> list[BoardRow]:
    """Rows for every patient, sorted by bed, as of ``at`` (default: now)."""
    return ward_overview(ctx, at).rows
