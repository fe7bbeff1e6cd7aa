"""What a patient's chart shows, tab by tab, worked out here so the window works nothing clinical
out itself: the heading (from the board row), the MAR grid's days and entries, and the
observation history. Each part loads on its own, so a refresh after a write loads only the tabs
the write changed (the pump tab: ``services.pumps.pump_view``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo

from ward_app.domain.patient import Patient
from ward_app.domain.schedule import due_doses
from ward_app.services.board import BoardRow
from ward_app.services.context import Context
from ward_app.services.mar import MarEntry, mar_entries
from ward_app.services.observations import CLOCK_SLACK, ObservationRow, history
from ward_app.services.order_history import versions_since
from ward_app.storage.errors import actionable_errors

DAYS_SHOWN = 7  # MAR grid: today and the six days before
PLANNED_DAYS = 3  # the planned doses below it: the next three days (a taper's steps among them)


@dataclass(frozen=True)
class PlannedDose:
    """A dose of a coming day, as the orders stand now: not due yet, so it has no state."""

    due: datetime
    dose_mg: float
    taper: bool  # a step of an applied taper
    order_text: str  # the order version it belongs to, e.g. 'oral 15 mg at 08:00, ... (taper)'
OBS_HOURS = 72  # observation history and trends shown


@dataclass(frozen=True)
class MarView:
    days: list[date]  # oldest first, today last
    entries: list[MarEntry]
    planned_days: list[date] = field(default_factory=list)  # the coming days, tomorrow first
    planned: list[PlannedDose] = field(default_factory=list)


def mar_view(ctx: Context, patient: Patient, at: datetime | None = None,
             days_shown: int = DAYS_SHOWN, planned_days: int = PLANNED_DAYS) -> MarView:
    """The MAR grid's days and every entry in them (struck records included), as of ``at``; and
    the doses planned for the next ``planned_days`` days (shown apart: not due yet)."""
    now = at or ctx.now()
    today = now.astimezone(ctx.zone).date()
    days = [today - timedelta(days=i) for i in range(days_shown - 1, -1, -1)]
    start = datetime.combine(days[0], time(0)).replace(tzinfo=ctx.zone)
    end = datetime.combine(today + timedelta(days=1), time(0)).replace(tzinfo=ctx.zone)
    coming = [today + timedelta(days=i) for i in range(1, planned_days + 1)]
    return MarView(days, mar_entries(ctx, patient, start, end), coming,
                   planned_doses(ctx, patient, end, len(coming)))


def planned_doses(ctx: Context, patient: Patient, start: datetime, days: int) -> list[PlannedDose]:
    """The doses of the ``days`` ward days from ``start`` (a midnight), from the order versions as
    they stand: a changed order or an applied taper shows its new doses here before its day.
    None for a discharged patient: nothing is planned after a discharge (clinical-rules §11)."""
    if days <= 0 or patient.discharged_at is not None:
        return []
    end = start + timedelta(days=days)
    end = datetime.combine(end.astimezone(ctx.zone).date(), time(0)).replace(tzinfo=ctx.zone)
    with actionable_errors():
        versions = versions_since(ctx.db, start, patient.id).get(patient.id, [])
    by_id = {v.id: v for v in versions}
    out = []
    for dose in due_doses(versions, start, end, ctx.zone):
        version = by_id.get(dose.order_id)
        out.append(PlannedDose(dose.due, dose.dose_mg,
                               version is not None and version.taper_id is not None,
                               version.describe() if version is not None else ""))
    return out


@dataclass(frozen=True)
class ObservationsView:
    rows: list[ObservationRow]  # newest first, entered-in-error ones included (struck)
    start: datetime
    end: datetime  # the moment shown (the trends' right edge)


def observations_view(ctx: Context, patient: Patient, at: datetime | None = None,
                      hours: int = OBS_HOURS) -> ObservationsView:
    now = at or ctx.now()
    start = now - timedelta(hours=hours)
    return ObservationsView(history(ctx, patient, start, now + CLOCK_SLACK), start, now)


def observations_line(row: BoardRow, zone: tzinfo, now: datetime) -> str:
    """The heading's observations line: the latest NEWS2, when taken, when the next set is due."""
    if row.news2_at is None:
        return "no vital signs recorded"
    text = f"{row.news2_summary} at {row.news2_at.astimezone(zone):%d %b %H:%M}"
    if row.next_obs_due is not None:
        late = " — OVERDUE" if row.next_obs_due < now else ""
        text += f"; next set due {row.next_obs_due.astimezone(zone):%d %b %H:%M}{late}"
    return text


__all__ = ["DAYS_SHOWN", "OBS_HOURS", "PLANNED_DAYS", "MarView", "ObservationsView", "PlannedDose",
           "mar_view", "observations_line", "observations_view", "planned_doses"]
