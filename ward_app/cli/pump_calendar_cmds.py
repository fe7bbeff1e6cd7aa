"""``ward-app pump calendar``: every pump's refill-by, alarm, empty, stability and ERI dates for the
next days, as text, JSON (``--json``) or a one-page PDF (``--pdf FILE``). Attached to the ``pump``
group by ``cli.pump_cmds``."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path

import click

from ward_app.cli.common import PATH, output_path, state
from ward_app.domain.pump_calendar import CALCULATED, CalendarEntry, PumpCalendar, day_text
from ward_app.services import pump_calendar as svc


def _iso(d: date | None) -> str | None:
    return d.isoformat() if d else None


def _minutes(m: datetime | None) -> str | None:
    return m.isoformat(timespec="minutes") if m else None


def entry_json(e: CalendarEntry) -> dict[str, object]:
    """One pump as ``pump calendar --json`` gives it: the keys of the reference first."""
    return {"mrn": e.mrn, "bed": e.bed, "name": e.name, "refill_by": _iso(e.refill_by),
            "alarm_date": _minutes(e.alarm_at), "empty_date": _minutes(e.empty_at),
            "eri_date": _iso(e.eri_date), "days_left": e.days_left,
            "ward": e.ward, "refill_by_reason": e.refill_by_reason,
            "stability_date": _iso(e.stability_date), "end_of_service": _iso(e.end_of_service),
            "within_buffer": e.within_buffer, "why": e.why}


def _when(m: datetime | None) -> str:
    return "—" if m is None else f"{day_text(m.date())} {m.year} {m:%H:%M}"


def _day(d: date | None) -> str:
    return "—" if d is None else f"{day_text(d)} {d.year}"


def calendar_text(cal: PumpCalendar) -> list[str]:
    """The calendar as lines for a terminal: a marked line says why in words."""
    lines = [f"Pump calendar at {cal.at:%d %b %Y %H:%M}: {len(cal.entries)} pump(s) with a date "
             f"in the next {cal.days} days; {len(cal.due)} refill(s) due within the "
             f"{cal.buffer_days}-day refill buffer or overdue. {CALCULATED}"]
    for e in cal.entries:
        mark = "!! " if e.days_left is not None and e.days_left < 0 else (
            "!  " if e.within_buffer else "   ")
        lines.append(f"{mark}Bed {e.bed} {e.name} (MRN {e.mrn}): refill by {_day(e.refill_by)}"
                     + (f" ({e.refill_by_reason})" if e.refill_by_reason else "")
                     + f": {e.why}")
        lines.append(f"     alarm {_when(e.alarm_at)}; empty {_when(e.empty_at)}; stability "
                     f"limit {_day(e.stability_date)}; ERI {_day(e.eri_date)}; end of service "
                     f"{_day(e.end_of_service)}")
    return lines


@click.command("calendar")
@click.option("--days", type=int, default=svc.DEFAULT_DAYS, show_default=True,
              help="How many days ahead.")
@click.option("--json", "as_json", is_flag=True,
              help="Print JSON for scripts: a list, soonest refill-by first (days_left: ward days "
                   "to the refill-by date, negative when overdue).")
@click.option("--pdf", "pdf", type=PATH, metavar="FILE", help="Also write a one-page PDF.")
def pump_calendar(days: int, as_json: bool, pdf: Path | None) -> None:
    """Every pump's refill-by, low-reservoir alarm, empty, drug stability and ERI dates,
    soonest refill-by first; refills due within the buffer (setting pump.refill_buffer_days)
    are marked.

    Example: ward-app pump calendar --days 30 --pdf pumps.pdf
    """
    svc.check_days(days)
    out = output_path(pdf, "pdf") if pdf is not None else None
    ctx = state().context()
    cal = svc.pump_calendar(ctx, days=days)
    if out is not None:
        from ward_app.services.backups import write_private

        write_private(out, svc.calendar_pdf(cal))  # 0600, via a .part file
    svc.record_calendar_read(ctx, cal, printed=out is not None)
    if as_json:
        click.echo(json.dumps([entry_json(e) for e in cal.entries], ensure_ascii=False, indent=2))
        return
    for line in calendar_text(cal):
        click.echo(line)
    if out is not None:
        click.echo(f"Written to {out}.")


COMMANDS = [pump_calendar]
