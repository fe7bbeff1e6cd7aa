"""The ward board: one row per patient from services.board, its columns, and its panel."""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QLabel, QLineEdit, QStackedWidget, QVBoxLayout, QWidget

from ward_app.domain.alerts import Severity
from ward_app.domain.mar import State
from ward_app.gui.looks import (
    INK,
    SCORE_BACKGROUND,
    SEVERITY_BACKGROUND,
    SEVERITY_TEXT,
    severity_icon,
    state_background,
    state_icon,
)
from ward_app.gui.rows_model import SORT_ROLE, Column, RowsFilter, RowsModel, bold
from ward_app.gui.tables import table_view
from ward_app.services.board import BoardRow, bed_key

__all__ = ["COLUMNS", "SORT_ROLE", "WardBoardModel", "WardBoardPanel", "board_columns"]

REFILL_TIP = ("Refill-by date worked out from the last refill (alarm date minus the buffer, or the "
              "drug-stability limit or end of service if sooner)")


def _bed_sort_text(bed: str) -> str:
    """A string that sorts like bed_key: numbers zero-padded, words after numbers."""
    return "".join(f"0{int(v):06d}" if k == 0 else f"1{w}" for k, v, w in bed_key(bed))


def _refill(r: BoardRow) -> str:
    if r.refill_by is None:
        return ""
    text = r.refill_by.strftime("%a %d %b")
    if r.refill_overdue_since is not None:
        return f"{text} — OVERDUE since {r.refill_overdue_since:%a %d %b}"
    if r.refill_severity is not None and r.refill_severity >= Severity.URGENT:
        return f"{text} — REFILL NOW"
    return f"{text} — due" if r.refill_severity is not None else text


def _overdue_state(r: BoardRow) -> State | None:
    return State.MISSED if r.missed else State.LATE if r.late else None


def _when_overdue(look):
    """A look of the Late/missed cell, shown only when a dose is late or missed."""
    return lambda r: None if (state := _overdue_state(r)) is None else look(state)


def _news2_background(r: BoardRow) -> QColor | None:
    return None if r.news2 is None else QColor(SCORE_BACKGROUND[r.news2_level])


def board_columns(zone: tzinfo = UTC, at: datetime | None = None) -> list[Column[BoardRow]]:
    """The board's columns; "Next due" shows a time today, or the day too, as of ``at`` in the
    ward's ``zone``."""
    today = (at or datetime.now(UTC)).astimezone(zone).date()

    def next_due(r: BoardRow) -> str:
        if r.next_due is None:
            return "continuous" if r.route == "intrathecal" else ""
        local = r.next_due.astimezone(zone)
        text = local.strftime("%H:%M") if local.date() == today else local.strftime("%a %H:%M")
        if at is not None and r.next_due < at:
            text += " LATE" if r.late else " due now"
        return text

    return [
        Column("Bed", lambda r: r.bed, sort_key=lambda r: _bed_sort_text(r.bed)),
        Column("Name", lambda r: r.name, sort_key=lambda r: r.name.casefold(),
               icon=lambda r: None if r.top_severity is None else severity_icon(r.top_severity),
               tooltip=lambda r: None if r.top_severity is None else (
                   f"Most severe active alert: {SEVERITY_TEXT[r.top_severity]} "
                   f"({r.alert_count} active alert{'s' if r.alert_count != 1 else ''}; "
                   "View → Legend explains the icons)")),
        Column("MRN", lambda r: r.mrn),
        Column("Age", lambda r: str(r.age), sort_key=lambda r: r.age,
               align=Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter),
        Column("Route", lambda r: r.route or "none", sort_key=lambda r: r.route),
        Column("Current dose", lambda r: r.dose,
               tooltip=lambda r: ("Continuous intrathecal infusion by implanted pump"
                                  if r.route == "intrathecal" else None)),
        Column("Next due", next_due,
               sort_key=lambda r: r.next_due.isoformat() if r.next_due else "~"),
        Column("Late/missed", lambda r: r.overdue_text, sort_key=lambda r: r.missed * 1000 + r.late,
               icon=_when_overdue(state_icon), background=_when_overdue(state_background),
               foreground=_when_overdue(lambda _state: INK),
               font=lambda r: bold() if r.missed else None),
        Column("NEWS2", lambda r: r.news2_text,
               sort_key=lambda r: -1 if r.news2 is None else r.news2,
               background=_news2_background,
               foreground=lambda r: None if r.news2 is None else INK,
               font=lambda r: (bold() if r.news2 is not None and (r.news2_level >= 2 or r.obs_overdue)
                               else None)),
        Column("Refill by", _refill,
               sort_key=lambda r: r.refill_by.isoformat() if r.refill_by else "~",
               icon=lambda r: None if r.refill_severity is None else severity_icon(r.refill_severity),
               background=lambda r: (None if r.refill_severity is None
                                     else SEVERITY_BACKGROUND[r.refill_severity]),
               foreground=lambda r: None if r.refill_severity is None else INK,
               font=lambda r: None if r.refill_severity is None else bold(),
               tooltip=lambda r: REFILL_TIP if r.refill_by else None),
        Column("Flags", lambda r: ", ".join(r.flags),
               tooltip=lambda r: "\n".join(r.flags) if r.flags else None,
               font=lambda r: bold() if r.itb_high_risk else None),
        Column("Acuity", _acuity_text, sort_key=acuity_key,
               icon=lambda r: None if r.top_severity is None else severity_icon(r.top_severity),
               tooltip=lambda r: "Sorted by the most severe active alert, then NEWS2 "
                                 "(View → Sort by acuity)"),
    ]


def _acuity_text(r: BoardRow) -> str:
    worst = SEVERITY_TEXT[r.top_severity] if r.top_severity is not None else "no alert"
    return f"{worst} · NEWS2 {r.news2}" if r.news2 is not None else worst


def acuity_key(r: BoardRow) -> str:
    """Most acute first when sorted ascending: the worst active alert, then the NEWS2 score
    (a missing score last), then the bed."""
    rank = 9 if r.top_severity is None else 3 - int(r.top_severity)  # one digit: 0 emergency
    news2 = -1 if r.news2 is None else r.news2
    return f"{rank}{99 - news2:03d}{_bed_sort_text(r.bed)}"


COLUMNS = tuple(c.title for c in board_columns())
FLAGS_COLUMN = COLUMNS.index("Flags")
OVERDUE_COLUMN = COLUMNS.index("Late/missed")
NEWS2_COLUMN = COLUMNS.index("NEWS2")
REFILL_COLUMN = COLUMNS.index("Refill by")
ACUITY_COLUMN = COLUMNS.index("Acuity")


class WardBoardModel(RowsModel[BoardRow]):
    """One row per patient, replaced whole from the service, never edited in place."""

    def __init__(self, rows: list[BoardRow] | None = None, parent=None, zone: tzinfo = UTC):
        super().__init__(board_columns(zone), rows or [], parent, key=lambda r: r.patient_id)
        self.zone = zone
        self.at: datetime | None = None  # the moment the rows describe

    def set_rows(self, rows: list[BoardRow], at: datetime | None = None) -> None:  # type: ignore[override]
        self.at = at
        super().set_rows(rows, board_columns(self.zone, at))


class WardBoardPanel(QWidget):
    """The board with its find box, or a clear empty state when the ward has no patients."""

    def __init__(self, parent=None, zone: tzinfo = UTC):
        super().__init__(parent)
        self.model = WardBoardModel(parent=self, zone=zone)
        self.proxy = RowsFilter(self)  # sorts on the sort keys, finds by any text in a row
        self.proxy.setSourceModel(self.model)

        self.find_box = QLineEdit(self)
        self.find_box.setPlaceholderText("Find patient by name, bed, MRN or flag (Ctrl+F)")
        self.find_box.setAccessibleName("Find patient")
        self.find_box.setClearButtonEnabled(True)
        self.find_box.textChanged.connect(self.proxy.find)

        self.table = table_view(self, self.proxy, name="wardBoard", accessible_name="Ward board",
                                sortable=True, sizing="once", alternating=True)

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
        """New rows (the whole ward, or after a write with the changed patients' rows merged in);
        the patient selected stays selected."""
        current = self.table.currentIndex()
        keep = None
        if current.isValid():
            keep = (self.model.row_at(self.proxy.mapToSource(current).row()).patient_id,
                    current.column())
        self.model.set_rows(rows, at)
        self.table.resizeColumnsToContents()
        self.stack.setCurrentWidget(self.table if rows else self.empty)
        self.find_box.setEnabled(bool(rows))
        if keep is not None:
            found = next((i for i, r in enumerate(rows) if r.patient_id == keep[0]), None)
            if found is not None:
                self.table.setCurrentIndex(self.proxy.mapFromSource(
                    self.model.index(found, keep[1])))
        if rows and not self.table.currentIndex().isValid():
            self.table.setCurrentIndex(self.proxy.index(0, 0))

    @property
    def showing_empty_state(self) -> bool:
        return self.stack.currentWidget() is self.empty
