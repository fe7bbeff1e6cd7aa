"""The ward board: one row per patient, as a nurse reads the ward at a glance."""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from ward_app.domain.alerts import Alert, PatientSnapshot, Severity, most_severe_first
from ward_app.domain.clock import age_on
from ward_app.domain.dose_alerts import history_hours, in_force
from ward_app.domain.mar import State, dose_state, effective_records
from ward_app.domain.news2 import Response
from ward_app.domain.patient import FLAG_LABELS, Flag
from ward_app.domain.pump import pump_dates
from ward_app.domain.rules import Thresholds
from ward_app.domain.schedule import due_doses
from ward_app.services.alerts import patient_alerts, with_acks
from ward_app.services.context import Context
from ward_app.services.patients import patient_by_id
from ward_app.services.snapshots import load_snapshots
from ward_app.services.vitals import latest_news2


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
    #: the dose to give next: one due now or late (not yet missed) first, else the next one due
    next_due: datetime | None = None
    late: int = 0  # doses late now (no record 30 min after due)
    missed: int = 0  # doses missed now
    top_severity: Severity | None = None  # most severe active alert
    alert_count: int = 0
    news2: int | None = None  # latest NEWS2 (a floor when incomplete), None: no vital signs
    news2_complete: bool = True
    news2_level: int = 0  # 0 low (0), 1 low (1-4), 2 single 3 / medium, 3 high: for colour
    obs_overdue: bool = False
    refill_by: date | None = None  # pump patients: the refill-by date of the last refill
    refill_severity: Severity | None = None  # of pump.refill_due/refill_overdue/empty, if raised
    refill_overdue_since: date | None = None  # the refill-by date has passed: the day after it
    taper_active: bool = False  # the order in force is a step of a taper
    news2_summary: str = ""  # the latest NEWS2 in words, e.g. "NEWS2 5 (medium)"
    news2_at: datetime | None = None  # when that set was taken
    next_obs_due: datetime | None = None  # when the next full set is due, from that score
    #: The cautions the prescriber acknowledged for the order in force (clinical-rules §9).
    order_cautions: tuple[str, ...] = ()

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
    """The board and the alerts computed together, from one load, at one moment (for the whole
    ward, or for the patients a write changed)."""

    at: datetime
    rows: list[BoardRow]
    alerts: list[Alert]
    snapshots: list[PatientSnapshot] = field(default_factory=list)  # what they were computed from

    def row_for(self, patient_id: int) -> BoardRow | None:
        return next((r for r in self.rows if r.patient_id == patient_id), None)

    def alerts_for(self, patient_id: int) -> list[Alert]:
        return [a for a in self.alerts if a.patient_id == patient_id]

    def replacing(self, part: WardOverview, patient_ids: Collection[int]) -> WardOverview:
        """This overview with the rows and alerts of ``patient_ids`` taken from ``part`` (a
        refresh of those patients only; one no longer found drops out)."""
        ids = set(patient_ids)
        rows = [r for r in self.rows if r.patient_id not in ids] + part.rows
        rows.sort(key=lambda r: (r.ward, bed_key(r.bed)))
        alerts = [a for a in self.alerts if a.patient_id not in ids] + part.alerts
        snapshots = [s for s in self.snapshots if s.patient.id not in ids] + part.snapshots
        return WardOverview(part.at, rows, most_severe_first(alerts), snapshots)


#: The alerts the board's *Refill by* column shows.
REFILL_RULES = ("pump.refill_due", "pump.refill_overdue", "pump.empty")

_LEVEL = {Response.HIGH: 3, Response.MEDIUM: 2, Response.LOW_MEDIUM: 2, Response.LOW: 1}


def _overdue(snap: PatientSnapshot, moment: datetime, t: Thresholds
             ) -> tuple[int, int, datetime | None]:
    """(late, missed, next due): from the MAR state of each due dose in the alerts' look-back
    (what the record says, not what the alerts say), and the next dose with no record yet."""
    window, missed_after = t.dose_window_min, t.dose_missed_after_min
    lookback = moment - timedelta(hours=float(t.dose_alert_lookback_hours))
    doses = due_doses(snap.versions, moment - timedelta(hours=history_hours(t)),
                      moment + timedelta(days=1), snap.zone)
    recorded, _ = effective_records(snap.records)
    late = missed = 0
    next_due = None
    for i, dose in enumerate(doses):
        if dose.due >= moment:
            if next_due is None and dose.due not in recorded:
                next_due = dose.due
            continue
        if dose.due < lookback:
            continue
        nxt = doses[i + 1].due if i + 1 < len(doses) else None
        state = dose_state(dose.due, recorded.get(dose.due), moment, nxt, window, missed_after)
        late += state is State.LATE
        missed += state is State.MISSED
        if next_due is None and state in (State.DUE, State.LATE):
            next_due = dose.due  # due now or late: that one comes first, not the one after
    return late, missed, next_due


def board_row(snap: PatientSnapshot, alerts: list[Alert], moment: datetime, t: Thresholds
              ) -> BoardRow:
    """One patient's row, from their snapshot and their active alerts at ``moment``."""
    p = snap.patient
    order = in_force(snap.versions, moment)
    if order is None:
        route, dose = "", "no baclofen order"
    else:
        route = order.route.value
        dose = order.describe().removeprefix(route + " ")
    labels = [FLAG_LABELS[f] for f in sorted(p.flags, key=lambda f: list(Flag).index(f))]
    lab = snap.lab
    if lab is not None and lab.dialysis:
        labels.append("Dialysis")
    if lab is not None and lab.egfr is not None and lab.egfr < float(t.renal_reduce_below_egfr):
        labels.append(f"eGFR {lab.egfr:g}")
    if p.sci_level:
        labels.insert(0, f"SCI {p.sci_level}")
    if route == "intrathecal" and p.itb_high_risk:
        labels.insert(0, "ITB high risk")
    refill_by = None
    if snap.pump is not None and snap.pump.last_refill is not None:
        refill_by = pump_dates(snap.pump.last_refill, t, snap.zone,
                               snap.pump.pump.eri_and_end(t)[1]).refill_by
    pump_alerts = [a.severity for a in alerts if a.rule in REFILL_RULES]
    # the refill-by date has passed with no refill (clinical-rules §10: pump.refill_overdue)
    overdue = (refill_by + timedelta(days=1) if refill_by is not None
               and moment.astimezone(snap.zone).date() > refill_by else None)
    latest = latest_news2(snap.observations, Flag.HYPERCAPNIC in p.flags, t, moment)
    score = latest.score if latest else None
    late, missed, next_due = _overdue(snap, moment, t)
    return BoardRow(
        patient_id=p.id, mrn=p.mrn, bed=p.bed, name=p.name,
        age=age_on(p.dob, moment.astimezone(snap.zone).date()),
        route=route, dose=dose, flags=tuple(labels),
        itb_high_risk=p.itb_high_risk and route == "intrathecal", ward=p.ward,
        next_due=next_due, late=late, missed=missed,
        top_severity=max((a.severity for a in alerts), default=None),
        alert_count=len(alerts),
        news2=score.total if score else None, news2_complete=score.complete if score else True,
        news2_level=_LEVEL.get(score.response, 0) if score and score.response else 0,
        refill_by=refill_by, refill_severity=max(pump_alerts, default=None),
        refill_overdue_since=overdue,
        obs_overdue=latest is not None and order is not None and latest.overdue(moment),
        taper_active=order is not None and order.taper_id is not None,
        news2_summary=score.text() if score else "",
        news2_at=latest.observation.taken_at if latest else None,
        next_obs_due=latest.next_due if latest else None,
        order_cautions=tuple(c.message for c in order.cautions) if order is not None else (),
    )


def ward_overview(ctx: Context, at: datetime | None = None, *,
                  patient_ids: Collection[int] | None = None) -> WardOverview:
    """The board rows and the active alerts at ``at`` (default: now), computed together from one
    load: for every patient, or only for ``patient_ids`` (a refresh after a write)."""
    moment = at or ctx.now()
    t = ctx.thresholds()
    snapshots = load_snapshots(ctx, moment, t, patient_ids=patient_ids)
    raw = {s.patient.id: patient_alerts(s, moment, t) for s in snapshots}
    acked = with_acks(ctx, [a for found in raw.values() for a in found])  # one look-up
    by_patient: dict[int, list[Alert]] = {}
    for a in acked:
        by_patient.setdefault(a.patient_id, []).append(a)
    rows = [board_row(s, by_patient.get(s.patient.id, []), moment, t) for s in snapshots]
    rows.sort(key=lambda r: (r.ward, bed_key(r.bed)))
    return WardOverview(moment, rows, most_severe_first(acked), snapshots)


def board_rows(ctx: Context, patient_ids: Collection[int], at: datetime | None = None
               ) -> list[BoardRow]:
    """The rows of the given patients only (sorted by bed)."""
    return ward_overview(ctx, at, patient_ids=patient_ids).rows


def ward_board(ctx: Context, at: datetime | None = None) -> list[BoardRow]:
    """Rows for every patient, sorted by bed, as of ``at`` (default: now)."""
    return ward_overview(ctx, at).rows


def chart_overview(ctx: Context, patient_id: int, at: datetime | None = None) -> WardOverview:
    """One patient's row and alerts, for their chart. An admitted patient's at ``at`` (default
    now); a discharged patient's as they stood at their discharge, with no alerts (they no
    longer ring: clinical-rules §11). No row when the patient is not on record."""
    moment = at or ctx.now()
    patient = patient_by_id(ctx, patient_id)
    if patient.discharged_at is None:
        return ward_overview(ctx, moment, patient_ids=[patient_id])
    moment = min(moment, patient.discharged_at)
    t = ctx.thresholds()
    snapshots = load_snapshots(ctx, moment, t, patient_ids=[patient_id], include_discharged=True)
    return WardOverview(moment, [board_row(s, [], moment, t) for s in snapshots], [], snapshots)
