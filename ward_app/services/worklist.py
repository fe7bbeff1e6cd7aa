"""The ward's *Due now* worklist (issue 16): every dose and check due or overdue within the next
hour, most urgent first, worked out from the same load as the board and the alerts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from ward_app.domain.alerts import PatientSnapshot
from ward_app.domain.dose_alerts import history_hours
from ward_app.domain.mar import State, dose_state, effective_records
from ward_app.domain.pump_alerts import post_refill_due
from ward_app.domain.rules import Thresholds
from ward_app.domain.schedule import due_doses
from ward_app.services.board import WardOverview, ward_overview
from ward_app.services.context import Context

#: How far ahead the worklist looks.
AHEAD = timedelta(hours=1)

#: Most urgent first: a dose missed, then overdue work, then what is due now, then soon.
URGENCY = {"missed": 0, "late": 1, "overdue": 1, "due now": 2, "due soon": 3}


@dataclass(frozen=True)
class DueItem:
    patient_id: int
    bed: str
    name: str
    kind: str  # "dose", "observations", "withdrawal check", "post-refill check"
    due: datetime
    what: str  # e.g. "Baclofen 10 mg", "Full set of observations (last NEWS2 5)"
    state: str  # a key of URGENCY

    @property
    def urgency(self) -> int:
        return URGENCY[self.state]


def _doses(s: PatientSnapshot, bed: str, now: datetime, t: Thresholds) -> list[DueItem]:
    lookback = now - timedelta(hours=float(t.dose_alert_lookback_hours))
    doses = due_doses(s.versions, now - timedelta(hours=history_hours(t)), now + AHEAD + AHEAD,
                      s.zone)
    records, _ = effective_records(s.records)
    out = []
    for i, d in enumerate(doses):
        if d.due in records or d.due < lookback or d.due > now + AHEAD:
            continue
        nxt = doses[i + 1].due if i + 1 < len(doses) else None
        state = dose_state(d.due, None, now, nxt, float(t.dose_window_min),
                           float(t.dose_missed_after_min))
        word = {State.MISSED: "missed", State.LATE: "late"}.get(
            state, "due now" if d.due <= now + timedelta(minutes=float(t.dose_window_min))
            else "due soon")
        out.append(DueItem(s.patient.id, bed, s.patient.name, "dose", d.due,
                           f"Baclofen {d.dose_mg:g} mg ({d.route.value})", word))
    return out


def due_now(ctx: Context, at: datetime | None = None,
            overview: WardOverview | None = None) -> list[DueItem]:
    """Doses with no record (missed, late, due now or within the hour), observation sets,
    withdrawal checks and post-refill checks (clinical-rules §10) due or overdue within the hour:
    most urgent first, then the earliest."""
    seen = overview or ward_overview(ctx, at)
    now = seen.at
    t = ctx.thresholds()
    beds = {r.patient_id: r for r in seen.rows}
    out: list[DueItem] = []
    for s in seen.snapshots:
        row = beds.get(s.patient.id)
        if row is None:
            continue
        out.extend(_doses(s, row.bed, now, t))
        if row.next_obs_due is not None and row.next_obs_due <= now + AHEAD and row.route:
            last = f" (last NEWS2 {row.news2_text})" if row.news2 is not None else ""
            out.append(DueItem(row.patient_id, row.bed, row.name, "observations",
                               row.next_obs_due, f"Full set of observations{last}",
                               "overdue" if row.next_obs_due < now else "due soon"))
        watch = post_refill_due(s, now, t)
        if watch is not None and watch[0] <= now + AHEAD:
            due, until = watch
            out.append(DueItem(row.patient_id, row.bed, row.name, "post-refill check", due,
                               "Sedation, respiratory rate and NEWS2 after the pump refill "
                               f"(hourly until {until.astimezone(s.zone):%H:%M})",
                               "overdue" if due < now else "due now"
                               if due <= now + timedelta(minutes=float(t.dose_window_min))
                               else "due soon"))
    for a in seen.alerts:
        if a.rule == "monitoring.overdue" and ":watch" in a.key:
            out.append(DueItem(a.patient_id, a.bed, a.name, "withdrawal check", a.since,
                               "Withdrawal signs and vital signs", "overdue"))
    return sorted(out, key=lambda i: (i.urgency, i.due, i.bed))
