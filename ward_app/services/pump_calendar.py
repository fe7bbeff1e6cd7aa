"""The ward pump calendar (clinical-rules §6): every pump's dates for the next days, from the board's
one load (``services.board.ward_overview``), for the window, ``ward-app pump calendar`` and the
handover (printed with it when a refill is due within the buffer)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from ward_app.domain.errors import InvalidInput
from ward_app.domain.pump_calendar import PumpCalendar, calendar_entry, in_window, soonest_first
from ward_app.services.board import WardOverview, ward_overview
from ward_app.services.context import Context
from ward_app.services.entry_time import is_drill
from ward_app.services.reads import record_read
from ward_app.services.tapers import printed_by_name

DEFAULT_DAYS = 90
#: The longest window asked for: a pump is refilled at least every few months (stability limit).
MOST_DAYS = 730


def check_days(days: int) -> int:
    if not 1 <= days <= MOST_DAYS:
        raise InvalidInput("days", f"{days} days is out of range: give 1 to {MOST_DAYS} days.")
    return days


def pump_calendar(ctx: Context, at: datetime | None = None, days: int = DEFAULT_DAYS, *,
                  ward: str | None = None, overview: WardOverview | None = None,
                  printed_by: str | None = None) -> PumpCalendar:
    """Every admitted patient's pump (of ``ward``, or every ward) with a date on or before
    ``days`` from today, or no refill recorded yet; soonest refill-by first. ``overview``: an
    overview already loaded for the same moment (the handover's), so nothing is loaded twice."""
    check_days(days)
    moment = at or (overview.at if overview is not None else ctx.now())
    overview = overview or ward_overview(ctx, moment)
    t = ctx.thresholds()
    rows = {r.patient_id: r for r in overview.rows}
    entries = []
    for s in overview.snapshots:
        row = rows.get(s.patient.id)
        if s.pump is None or row is None or (ward is not None and row.ward != ward):
            continue
        entries.append(calendar_entry(row.mrn, row.bed, row.name, row.ward, s.pump, t, ctx.zone,
                                      moment))
    wards = {r.ward for r in overview.rows}
    named = ward or (next(iter(wards)) if len(wards) == 1 else "")  # a one-ward file: its name
    cal = PumpCalendar(at=moment.astimezone(ctx.zone), days=days,
                       buffer_days=int(t.pump_refill_buffer_days), entries=(), ward=named,
                       zone_name=str(ctx.zone), drill=is_drill(ctx), paper=str(t.print_paper),
                       printed_by=printed_by if printed_by is not None else printed_by_name(ctx))
    kept = [e for e in entries if in_window(e, cal.until)]
    return replace(cal, entries=tuple(soonest_first(kept)))


def handover_calendar(ctx: Context, overview: WardOverview, ward: str) -> PumpCalendar | None:
    """The calendar the handover prints as its last page (under the handover's own header and
    footer), from the handover's overview: only when a pump on ``ward`` has its refill due within
    the buffer (or overdue)."""
    cal = pump_calendar(ctx, overview.at, ward=ward, overview=overview, printed_by="")
    return cal if cal.due else None


def calendar_pdf(cal: PumpCalendar) -> bytes:
    """The one-page calendar sheet as PDF bytes (reportlab is loaded only when printing)."""
    from ward_app.reports.pump_calendar_sheet import pump_calendar_pdf

    return pump_calendar_pdf(cal)


def record_calendar_read(ctx: Context, cal: PumpCalendar, *, printed: bool = False) -> None:
    """Audit that the calendar was read (or printed / saved as a PDF): the ward's pumps."""
    record_read(ctx, "print" if printed else "pump", None,
                {"sheet": "pump_calendar", "pumps": len(cal.entries), "days": cal.days,
                 "at": cal.at.isoformat()})


__all__ = ["DEFAULT_DAYS", "calendar_pdf", "check_days", "handover_calendar", "pump_calendar",
           "record_calendar_read"]
