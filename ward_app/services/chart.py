"""What a patient's chart shows, tab by tab, worked out here so the window works nothing clinical
out itself: the heading (from the board row), the MAR grid's days and entries, and the
observation history. Each part loads on its own, so a refresh after a write loads only the tabs
the write changed (the pump tab: ``services.pumps.pump_view``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo

from ward_app.domain.patient import Patient
from ward_app.services.board import BoardRow
from ward_app.services.context import Context
from ward_app.services.mar import MarEntry, mar_entries
from ward_app.services.observations import CLOCK_SLACK, ObservationRow, history

DAYS_SHOWN = 7  # MAR grid: today and the six days before
OBS_HOURS = 72  # observation history and trends shown


@dataclass(frozen=True)
class MarView:
    days: list[date]  # oldest first, today last
    entries: list[MarEntry]


def mar_view(ctx: Context, patient: Patient, at: datetime | None = None,
             days_shown: int = DAYS_SHOWN) -> MarView:
    """The MAR grid's days and every entry in them (struck records included), as of ``at``."""
    now = at or ctx.now()
    today = now.astimezone(ctx.zone).date()
    days = [today - timedelta(days=i) for i in range(days_shown - 1, -1, -1)]
    start = datetime.combine(days[0], time(0)).replace(tzinfo=ctx.zone)
    end = datetime.combine(today + timedelta(days=1), time(0)).replace(tzinfo=ctx.zone)
    return MarView(days, mar_entries(ctx, patient, start, end))


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


__all__ = ["DAYS_SHOWN", "OBS_HOURS", "MarView", "ObservationsView", "mar_view",
           "observations_line", "observations_view"]
