"""A patient's observations: the history table (newest first, each NEWS2 score in words, number and
colour, sets entered in error struck through) and the buttons to record or correct one."""

from __future__ import annotations

from datetime import tzinfo

from PySide6.QtCore import QAbstractTableModel, Qt
from PySide6.QtGui import QColor, QFont

from ward_app.domain.news2 import Response
from ward_app.domain.observations import SIGN_LABELS, Sign
from ward_app.gui.looks import INK, SCORE_BACKGROUND
from ward_app.services.observations import ObservationRow

OBS_COLUMNS = ("Taken", "NEWS2", "RR", "SpO2", "Air/O2", "BP", "Pulse", "ACVPU", "Temp", "POSS",
               "MAS", "Penn", "Withdrawal signs", "By", "Note")
_BAND_LEVEL = {Response.HIGH: 3, Response.MEDIUM: 2, Response.LOW_MEDIUM: 2, Response.LOW: 1,
               Response.LOW_12H: 0}
#: column -> the NEWS2 parameter whose score colours that cell
_SCORED = {2: "rr", 3: "spo2", 4: "oxygen", 5: "sbp", 6: "hr", 7: "acvpu", 8: "temp"}


def signs_text(row: ObservationRow) -> str:
    o = row.observation
    if o.signs:
        order = list(Sign)
        return ", ".join(SIGN_LABELS[s] for s in sorted(o.signs, key=order.index))
    return "checked: none" if o.signs_checked else ""


class ObservationHistoryModel(QAbstractTableModel):
    def __init__(self, zone: tzinfo, parent=None):
        super().__init__(parent)
        self._zone = zone
        self._rows: list[ObservationRow] = []

    def set_rows(self, rows: list[ObservationRow]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def row_at(self, row: int) -> ObservationRow:
        return self._rows[row]

    def rowCount(self, parent=None):
        return 0 if parent is not None and parent.isValid() else len(self._rows)

    def columnCount(self, parent=None):
        return 0 if parent is not None and parent.isValid() else len(OBS_COLUMNS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            if 0 <= section < len(OBS_COLUMNS):
                return OBS_COLUMNS[section]
        return None

    def _text(self, r: ObservationRow, col: int) -> str:
        o = r.observation

        def show(v: object) -> str:
            return "" if v is None else str(v)

        if col == 0:
            return o.taken_at.astimezone(self._zone).strftime("%a %d %b %H:%M")
        if col == 1:
            if r.score is None:
                return ""
            return str(r.score.total) if r.score.complete else f"≥{r.score.total} (incomplete)"
        oxygen = {True: "O2", False: "Air", None: ""}[o.on_oxygen]
        values = [show(o.rr), show(o.spo2), oxygen, show(o.sbp), show(o.hr),
                  o.acvpu.value if o.acvpu else "", f"{o.temp:.1f}" if o.temp is not None else "",
                  o.poss.value if o.poss else "", show(o.mas), show(o.penn), signs_text(r), o.by,
                  (f"ENTERED IN ERROR: {r.correction_reason}. " if r.entered_in_error else "")
                  + (o.note or "")]
        return values[col - 2]

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not (0 <= index.row() < len(self._rows)):
            return None
        r = self._rows[index.row()]
        col = index.column()
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return self._text(r, col)
        if role == Qt.ItemDataRole.FontRole and r.entered_in_error:
            font = QFont()
            font.setStrikeOut(True)
            return font
        if role == Qt.ItemDataRole.BackgroundRole and not r.entered_in_error and r.score:
            if col == 1 and r.score.response is not None:
                return QColor(SCORE_BACKGROUND[_BAND_LEVEL[r.score.response]])
            key = _SCORED.get(col)
            if key is not None and key in r.score.scores:
                return QColor(SCORE_BACKGROUND[r.score.scores[key]])
        if role == Qt.ItemDataRole.BackgroundRole and col == 12 and r.observation.signs \
                and not r.entered_in_error:
            return QColor(SCORE_BACKGROUND[3])
        if role == Qt.ItemDataRole.ForegroundRole:
            return QColor("#777777") if r.entered_in_error else INK
        if role == Qt.ItemDataRole.ToolTipRole:
            if r.entered_in_error:
                return f"Entered in error: {r.correction_reason}"
            if r.score is not None:
                parts = ", ".join(f"{k} {v}" for k, v in r.score.scores.items())
                return f"{r.score.text()} ({parts})"
        return None
