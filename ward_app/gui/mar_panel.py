"""The MAR as a time grid (rows: dose times, columns: days) and its record history."""

from __future__ import annotations

from datetime import date, tzinfo

from PySide6.QtCore import QAbstractTableModel, Qt
from PySide6.QtGui import QFont

from ward_app.domain.mar import State
from ward_app.gui.looks import INK, state_background, state_icon, state_text
from ward_app.services.mar import MarEntry

OPEN_STATES = frozenset({State.DUE, State.LATE, State.MISSED})


class MarGridModel(QAbstractTableModel):
    """One cell per (dose time, day): the dose's state in words, icon and colour."""

    def __init__(self, zone: tzinfo, parent=None):
        super().__init__(parent)
        self._zone = zone
        self._days: list[date] = []
        self._times: list[str] = []
        self._cells: dict[tuple[str, date], MarEntry] = {}

    def set_entries(self, entries: list[MarEntry], days: list[date]) -> None:
        self.beginResetModel()
        self._days = list(days)
        cells: dict[tuple[str, date], MarEntry] = {}
        for e in entries:
            if e.corrected:
                continue
            local = e.due.astimezone(self._zone)
            cells[(local.strftime("%H:%M"), local.date())] = e
        self._cells = cells
        self._times = sorted({t for t, _ in cells})
        self.endResetModel()

    def entry(self, row: int, column: int) -> MarEntry | None:
        if not (0 <= row < len(self._times) and 0 <= column < len(self._days)):
            return None
        return self._cells.get((self._times[row], self._days[column]))

    def rowCount(self, parent=None):
        return 0 if parent is not None and parent.isValid() else len(self._times)

    def columnCount(self, parent=None):
        return 0 if parent is not None and parent.isValid() else len(self._days)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(self._days):
            return self._days[section].strftime("%a %d %b")
        if orientation == Qt.Orientation.Vertical and 0 <= section < len(self._times):
            return self._times[section]
        return None

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        e = self.entry(index.row(), index.column())
        if e is None:
            if role == Qt.ItemDataRole.DisplayRole:
                return "—"
            if role == Qt.ItemDataRole.AccessibleTextRole:
                return "no dose due"
            if role == Qt.ItemDataRole.ForegroundRole:
                return INK
            return None
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            lines = [f"{state_text(e.state)}  {e.dose_mg:g} mg"]
            if e.by:
                at = (e.given_at or e.recorded_at)
                when = at.astimezone(self._zone).strftime("%H:%M") if at else ""
                lines.append(f"{e.by} {when}".strip())
            if e.reason:
                lines.append(e.reason.replace("_", " "))
            return "\n".join(lines)
        if role == Qt.ItemDataRole.DecorationRole:
            return state_icon(e.state)
        if role == Qt.ItemDataRole.BackgroundRole:
            return state_background(e.state)
        if role == Qt.ItemDataRole.ForegroundRole:
            return INK
        if role == Qt.ItemDataRole.ToolTipRole:
            due = e.due.astimezone(self._zone).strftime("%d %b %H:%M")
            tip = f"Due {due}: {state_text(e.state)}"
            if e.note:
                tip += f"\nNote: {e.note}"
            if e.witness:
                tip += f"\nWitness: {e.witness}"
            if e.state in OPEN_STATES:
                tip += "\nPress Enter to record."
            return tip
        return None


HISTORY_COLUMNS = ("Due", "Dose", "What happened", "By", "Recorded", "Reason / note", "Record")


class MarHistoryModel(QAbstractTableModel):
    """Every record, newest due first; records entered in error are struck through."""

    def __init__(self, zone: tzinfo, parent=None):
        super().__init__(parent)
        self._zone = zone
        self._entries: list[MarEntry] = []

    def set_entries(self, entries: list[MarEntry]) -> None:
        self.beginResetModel()
        self._entries = sorted((e for e in entries if e.id is not None),
                               key=lambda e: (e.due, e.id or 0), reverse=True)
        self.endResetModel()

    def entry(self, row: int) -> MarEntry:
        return self._entries[row]

    def rowCount(self, parent=None):
        return 0 if parent is not None and parent.isValid() else len(self._entries)

    def columnCount(self, parent=None):
        return 0 if parent is not None and parent.isValid() else len(HISTORY_COLUMNS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            if 0 <= section < len(HISTORY_COLUMNS):
                return HISTORY_COLUMNS[section]
        return None

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not (0 <= index.row() < len(self._entries)):
            return None
        e = self._entries[index.row()]
        col = index.column()
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            what = state_text(e.state)
            if e.corrected:
                what = f"{state_text(e.state)} — ENTERED IN ERROR"
            recorded = e.recorded_at.astimezone(self._zone).strftime("%d %b %H:%M") if (
                e.recorded_at) else ""
            why = " ".join(x for x in (e.reason and e.reason.replace("_", " "), e.note) if x)
            if e.corrected and e.correction_reason:
                why = f"{why} [corrected: {e.correction_reason}]".strip()
            return (e.due.astimezone(self._zone).strftime("%d %b %H:%M"), f"{e.dose_mg:g} mg",
                    what, e.by or "", recorded, why, str(e.id))[col]
        if role == Qt.ItemDataRole.FontRole and e.corrected:
            font = QFont()
            font.setStrikeOut(True)
            return font
        if role == Qt.ItemDataRole.DecorationRole and col == 2:
            return state_icon(State.ENTERED_IN_ERROR if e.corrected else e.state)
        return None
