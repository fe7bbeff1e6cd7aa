"""The MAR as a time grid (rows: dose times, columns: days), its record history, and the doses
planned for the coming days (shown apart: they are not due, so never 'due' or 'missed')."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, tzinfo
from typing import Any

from PySide6.QtGui import QColor

from ward_app.domain.mar import State
from ward_app.gui.looks import INK, state_background, state_icon, state_text
from ward_app.gui.rows_model import Column, RowsModel, for_all, struck_out
from ward_app.services.chart import PlannedDose
from ward_app.services.mar import MarEntry

OPEN_STATES = frozenset({State.DUE, State.LATE, State.MISSED})


@dataclass(frozen=True)
class DoseTime:
    """One row of the grid: a dose time and, for each day shown, the dose due then (if any)."""

    time: str  # "08:00", local ward time
    entries: tuple[MarEntry | None, ...]


def _cell_text(e: MarEntry, zone: tzinfo) -> str:
    lines = [f"{state_text(e.state)}  {e.dose_mg:g} mg"]
    if e.by:
        at = (e.given_at or e.recorded_at)
        when = at.astimezone(zone).strftime("%H:%M") if at else ""
        lines.append(f"{e.by} {when}".strip())
    if e.reason:
        lines.append(e.reason.replace("_", " "))
    late = late_entry_text(e, zone)
    if late:
        lines.append(late)
    if e.flags:
        lines.append(e.flag_short())
    return "\n".join(lines)


def late_entry_text(e: MarEntry, zone: tzinfo) -> str:
    """'entered late 14:35' for a record entered more than record.late_entry_minutes after it
    happened (the day too when it was entered on another day); '' otherwise."""
    if not e.entered_late or e.entered_at is None:
        return ""
    entered = e.entered_at.astimezone(zone)
    act = (e.given_at or e.recorded_at or e.due).astimezone(zone)
    fmt = "%H:%M" if entered.date() == act.date() else "%d %b %H:%M"
    return f"entered late {entered.strftime(fmt)}"


def late_entry_tip(e: MarEntry, zone: tzinfo) -> str:
    if not e.entered_late or e.entered_at is None:
        return ""
    entered = e.entered_at.astimezone(zone)
    act = (e.given_at or e.recorded_at or e.due).astimezone(zone)
    return (f"Entered late: recorded as done at {act:%d %b %H:%M}, but entered on this system at "
            f"{entered:%d %b %H:%M} (the computer's clock).")


def _cell_tip(e: MarEntry, zone: tzinfo) -> str:
    due = e.due.astimezone(zone).strftime("%d %b %H:%M")
    tip = f"Due {due}: {state_text(e.state)}"
    if e.note:
        tip += f"\nNote: {e.note}"
    if e.witness:
        tip += f"\nWitness: {e.witness}"
    if e.entered_late:
        tip += f"\n{late_entry_tip(e, zone)}"
    if e.flags:
        tip += f"\nRecorded despite a check: {e.flag_text()}"
    if e.state in OPEN_STATES:
        tip += "\nPress Enter to record."
    return tip


def day_column(day: date, i: int, zone: tzinfo) -> Column[DoseTime]:
    """The grid's column for ``day`` (the ``i``-th shown): each dose's state in words, icon and
    colour; a time with no dose that day shows a dash."""

    def dose(look: Callable[[MarEntry], Any], empty: Any = None) -> Callable[[DoseTime], Any]:
        def part(r: DoseTime) -> Any:
            e = r.entries[i]
            return empty if e is None else look(e)
        return part

    return Column(
        day.strftime("%a %d %b"), dose(lambda e: _cell_text(e, zone), "—"),
        accessible=dose(lambda e: _cell_text(e, zone), "no dose due"),
        icon=dose(lambda e: state_icon(e.state)), background=dose(lambda e: state_background(e.state)),
        foreground=lambda _r: INK, tooltip=dose(lambda e: _cell_tip(e, zone)))


class MarGridModel(RowsModel[DoseTime]):
    """One cell per (dose time, day): the dose's state in words, icon and colour."""

    def __init__(self, zone: tzinfo, parent=None):
        super().__init__([], (), parent, key=lambda r: r.time, row_title=lambda r: r.time)
        self._zone = zone

    def set_entries(self, entries: list[MarEntry], days: list[date]) -> None:
        column_of = {day: i for i, day in enumerate(days)}
        cells: dict[str, list[MarEntry | None]] = {}
        for e in entries:
            if e.corrected:
                continue
            local = e.due.astimezone(self._zone)
            row = cells.setdefault(local.strftime("%H:%M"), [None] * len(days))
            i = column_of.get(local.date())
            if i is not None:
                row[i] = e
        rows = [DoseTime(t, tuple(cells[t])) for t in sorted(cells)]
        self.set_rows(rows, [day_column(day, i, self._zone) for i, day in enumerate(days)])

    def entry(self, row: int, column: int) -> MarEntry | None:
        if not (0 <= row < self.rowCount() and 0 <= column < self.columnCount()):
            return None
        return self.row_at(row).entries[column]


def history_columns(zone: tzinfo) -> list[Column[MarEntry]]:
    """Every record, what happened in words and icon; one entered in error says so, struck out."""

    def when(e: MarEntry) -> str:
        return e.due.astimezone(zone).strftime("%d %b %H:%M")

    def what(e: MarEntry) -> str:
        return f"{state_text(e.state)} — ENTERED IN ERROR" if e.corrected else state_text(e.state)

    def recorded(e: MarEntry) -> str:
        text = e.recorded_at.astimezone(zone).strftime("%d %b %H:%M") if e.recorded_at else ""
        late = late_entry_text(e, zone)
        return f"{text} ({late})" if late else text

    def why(e: MarEntry) -> str:
        text = " ".join(x for x in (e.reason and e.reason.replace("_", " "), e.note) if x)
        if e.flags:
            text = f"⚑ {e.flag_text()} {text}".strip()
        if e.corrected and e.correction_reason:
            text = f"{text} [corrected: {e.correction_reason}]".strip()
        return text

    return for_all([
        Column("Due", when),
        Column("Dose", lambda e: f"{e.dose_mg:g} mg"),
        Column("What happened", what,
               icon=lambda e: state_icon(State.ENTERED_IN_ERROR if e.corrected else e.state)),
        Column("By", lambda e: e.by or ""),
        Column("Recorded", recorded),
        Column("Reason / note", why),
        Column("Pack scanned", lambda e: e.scan_text()),
        Column("Record", lambda e: str(e.id)),
    ], font=lambda e: struck_out() if e.corrected else None,
        tooltip=lambda e: late_entry_tip(e, zone) or None)


HISTORY_COLUMNS = tuple(c.title for c in history_columns(UTC))


class MarHistoryModel(RowsModel[MarEntry]):
    """Every record, newest due first; records entered in error are struck through."""

    def __init__(self, zone: tzinfo, parent=None):
        super().__init__(history_columns(zone), (), parent, key=lambda e: e.id)

    def set_entries(self, entries: list[MarEntry]) -> None:
        self.set_rows(sorted((e for e in entries if e.id is not None),
                             key=lambda e: (e.due, e.id or 0), reverse=True))

    def entry(self, row: int) -> MarEntry:
        return self.row_at(row)


#: How a planned dose looks: not a state (it is not due yet), never "due" or "missed".
PLANNED_TEXT = "Planned"
PLANNED_BACKGROUND = "#eef1f5"


@dataclass(frozen=True)
class PlannedTime:
    """One row of the planned grid: a dose time and, for each coming day, the dose planned then."""

    time: str
    doses: tuple[PlannedDose | None, ...]


def _planned_text(d: PlannedDose) -> str:
    return f"{PLANNED_TEXT}  {d.dose_mg:g} mg" + ("\ntaper step" if d.taper else "")


def _planned_tip(d: PlannedDose, zone: tzinfo) -> str:
    tip = (f"Planned for {d.due.astimezone(zone):%a %d %b %H:%M}: {d.dose_mg:g} mg, not due yet "
           f"(from the order {d.order_text}).")
    if d.taper:
        tip += "\nA step of the applied taper."
    return tip


def planned_column(day: date, i: int, zone: tzinfo) -> Column[PlannedTime]:
    def part(look: Callable[[PlannedDose], Any], empty: Any = None) -> Callable[[PlannedTime], Any]:
        def get(r: PlannedTime) -> Any:
            d = r.doses[i]
            return empty if d is None else look(d)
        return get

    return Column(
        day.strftime("%a %d %b"), part(_planned_text, "—"),
        accessible=part(lambda d: f"planned, not due yet: {_planned_text(d)}", "no dose planned"),
        background=part(lambda _d: QColor(PLANNED_BACKGROUND)), foreground=lambda _r: INK,
        tooltip=part(lambda d: _planned_tip(d, zone)))


class PlannedGridModel(RowsModel[PlannedTime]):
    """The coming days' doses as the orders stand (a taper's steps too): planned, not recordable."""

    def __init__(self, zone: tzinfo, parent=None):
        super().__init__([], (), parent, key=lambda r: r.time, row_title=lambda r: r.time)
        self._zone = zone

    def set_planned(self, planned: list[PlannedDose], days: list[date]) -> None:
        column_of = {day: i for i, day in enumerate(days)}
        cells: dict[str, list[PlannedDose | None]] = {}
        for d in planned:
            local = d.due.astimezone(self._zone)
            i = column_of.get(local.date())
            if i is None:
                continue
            cells.setdefault(local.strftime("%H:%M"), [None] * len(days))[i] = d
        rows = [PlannedTime(t, tuple(cells[t])) for t in sorted(cells)]
        self.set_rows(rows, [planned_column(day, i, self._zone) for i, day in enumerate(days)])

    def dose(self, row: int, column: int) -> PlannedDose | None:
        if not (0 <= row < self.rowCount() and 0 <= column < self.columnCount()):
            return None
        return self.row_at(row).doses[column]
