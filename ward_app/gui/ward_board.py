"""The ward board: a table model over immutable rows from services.board, and its panel."""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo

from PySide6.QtCore import QSortFilterProxyModel, Qt
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QLabel,
    QLineEdit,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ward_app.domain.alerts import Severity
from ward_app.domain.mar import State
from ward_app.gui.looks import (
    INK,
    SCORE_BACKGROUND,
    SEVERITY_BACKGROUND,
    severity_icon,
    state_background,
    state_icon,
)
from ward_app.gui.memo_model import MemoTableModel
from ward_app.services.board import BoardRow, bed_key

SORT_ROLE = Qt.ItemDataRole.UserRole + 1

COLUMNS = ("Bed", "Name", "MRN", "Age", "Route", "Current dose", "Next due", "Late/missed", "NEWS2",
           "Refill by", "Flags")
FLAGS_COLUMN = COLUMNS.index("Flags")
OVERDUE_COLUMN = COLUMNS.index("Late/missed")
NEWS2_COLUMN = COLUMNS.index("NEWS2")
REFILL_COLUMN = COLUMNS.index("Refill by")


def _bed_sort_text(bed: str) -> str:
    """A string that sorts like bed_key: numbers zero-padded, words after numbers."""
    return "".join(f"0{int(v):06d}" if k == 0 else f"1{w}" for k, v, w in bed_key(bed))


class WardBoardModel(MemoTableModel):
    """One row per patient. Rows are replaced whole from the service, never edited in place."""

    def __init__(self, rows: list[BoardRow] | None = None, parent=None, zone: tzinfo = UTC):
        super().__init__(parent)
        self._rows: list[BoardRow] = list(rows or [])
        self.zone = zone
        self.at: datetime | None = None  # the moment the rows describe

    def set_rows(self, rows: list[BoardRow], at: datetime | None = None) -> None:
        def replace() -> None:
            self._rows = list(rows)
            self.at = at

        self.reset_with(replace)

    def row_at(self, row: int) -> BoardRow:
        return self._rows[row]

    def rowCount(self, parent=None):
        return 0 if parent is not None and parent.isValid() else len(self._rows)

    def columnCount(self, parent=None):
        return 0 if parent is not None and parent.isValid() else len(COLUMNS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            if 0 <= section < len(COLUMNS):
                return COLUMNS[section]
        return None

    def cell(self, row: int, col: int, role: int):
        r = self._rows[row]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            if (row, -1, Qt.ItemDataRole.DisplayRole) not in self._memo:  # a row's texts at once
                self._memo[(row, -1, Qt.ItemDataRole.DisplayRole)] = (
                    r.bed, r.name, r.mrn, str(r.age), r.route or "none", r.dose,
                    self._next_due(r), r.overdue_text, r.news2_text, self._refill(r),
                    ", ".join(r.flags))
            return self._memo[(row, -1, Qt.ItemDataRole.DisplayRole)][col]
        if role == SORT_ROLE:
            due = r.next_due.isoformat() if r.next_due else "~"
            return (_bed_sort_text(r.bed), r.name.casefold(), r.mrn, r.age, r.route, r.dose, due,
                    r.missed * 1000 + r.late, -1 if r.news2 is None else r.news2,
                    r.refill_by.isoformat() if r.refill_by else "~", ", ".join(r.flags))[col]
        if role == Qt.ItemDataRole.ToolTipRole:
            if col == FLAGS_COLUMN and r.flags:
                return "\n".join(r.flags)
            if col == 5 and r.route == "intrathecal":
                return "Continuous intrathecal infusion by implanted pump"
        if role == Qt.ItemDataRole.FontRole and (
                (col == FLAGS_COLUMN and r.itb_high_risk) or (col == OVERDUE_COLUMN and r.missed)):
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.DecorationRole and col == OVERDUE_COLUMN and (r.missed or r.late):
            return state_icon(State.MISSED if r.missed else State.LATE)
        if role == Qt.ItemDataRole.DecorationRole and col == 1 and r.top_severity is not None:
            return severity_icon(r.top_severity)
        if role == Qt.ItemDataRole.BackgroundRole and col == OVERDUE_COLUMN and (r.missed or r.late):
            return state_background(State.MISSED if r.missed else State.LATE)
        if role == Qt.ItemDataRole.ForegroundRole and col == OVERDUE_COLUMN and (r.missed or r.late):
            return INK
        if col == REFILL_COLUMN and r.refill_severity is not None:
            if role == Qt.ItemDataRole.DecorationRole:
                return severity_icon(r.refill_severity)
            if role == Qt.ItemDataRole.BackgroundRole:
                return SEVERITY_BACKGROUND[r.refill_severity]
            if role == Qt.ItemDataRole.ForegroundRole:
                return INK
            if role == Qt.ItemDataRole.FontRole:
                font = QFont()
                font.setBold(True)
                return font
        if col == REFILL_COLUMN and role == Qt.ItemDataRole.ToolTipRole and r.refill_by:
            return ("Refill-by date worked out from the last refill (alarm date minus the buffer, "
                    "or the drug-stability limit or end of service if sooner)")
        if col == NEWS2_COLUMN and r.news2 is not None:
            if role == Qt.ItemDataRole.BackgroundRole:
                return QColor(SCORE_BACKGROUND[r.news2_level])
            if role == Qt.ItemDataRole.ForegroundRole:
                return INK
            if role == Qt.ItemDataRole.FontRole and (r.news2_level >= 2 or r.obs_overdue):
                font = QFont()
                font.setBold(True)
                return font
        if role == Qt.ItemDataRole.TextAlignmentRole and col == 3:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None


    def _refill(self, r: BoardRow) -> str:
        if r.refill_by is None:
            return ""
        text = r.refill_by.strftime("%a %d %b")
        if r.refill_severity is not None and r.refill_severity >= Severity.URGENT:
            return f"{text} — REFILL NOW"
        return f"{text} — due" if r.refill_severity is not None else text

    def _next_due(self, r: BoardRow) -> str:
        if r.next_due is None:
            return "continuous" if r.route == "intrathecal" else ""
        local = r.next_due.astimezone(self.zone)
        today = (self.at or datetime.now(UTC)).astimezone(self.zone).date()
        return local.strftime("%H:%M") if local.date() == today else local.strftime("%a %H:%M")


class BoardFilter(QSortFilterProxyModel):
    """Sorts on the model's sort keys and finds patients by any text in their row."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setSortRole(SORT_ROLE)
        self.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.setFilterKeyColumn(-1)


class WardBoardPanel(QWidget):
    """The board with its find box, or a clear empty state when the ward has no patients."""

    def __init__(self, parent=None, zone: tzinfo = UTC):
        super().__init__(parent)
        self.model = WardBoardModel(parent=self, zone=zone)
        self.proxy = BoardFilter(self)
        self.proxy.setSourceModel(self.model)

        self.find_box = QLineEdit(self)
        self.find_box.setPlaceholderText("Find patient by name, bed, MRN or flag (Ctrl+F)")
        self.find_box.setAccessibleName("Find patient")
        self.find_box.setClearButtonEnabled(True)
        self.find_box.textChanged.connect(self.proxy.setFilterFixedString)

        self.table = QTableView(self)
        self.table.setObjectName("wardBoard")
        self.table.setAccessibleName("Ward board")
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setTabKeyNavigation(False)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        # sized to the contents once per refresh (ResizeToContents would ask the model for every
        # cell again on each layout pass); a column a nurse widens keeps its width until then
        header.setStretchLastSection(True)

        self.empty = QLabel(self)
        self.empty.setObjectName("emptyState")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setWordWrap(True)
        self.empty.setTextFormat(Qt.TextFormat.PlainText)
        self.empty.setText(
            "No patients on this ward yet.\n\n"
            "Patients appear here once they are admitted to a bed: ask the charge nurse or IT to "
            "admit them.\n\n"
            "To look around first, ask IT to open the demo ward (made-up patients for practice)."
        )
        self.empty.setAccessibleName("Empty ward")

        self.stack = QStackedWidget(self)
        self.stack.addWidget(self.table)
        self.stack.addWidget(self.empty)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.find_box)
        layout.addWidget(self.stack, 1)

    def set_rows(self, rows: list[BoardRow], at: datetime | None = None) -> None:
        self.model.set_rows(rows, at)
        self.table.resizeColumnsToContents()
        self.stack.setCurrentWidget(self.table if rows else self.empty)
        self.find_box.setEnabled(bool(rows))
        if rows and not self.table.currentIndex().isValid():
            self.table.setCurrentIndex(self.proxy.index(0, 0))

    @property
    def showing_empty_state(self) -> bool:
        return self.stack.currentWidget() is self.empty
