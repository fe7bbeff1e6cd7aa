"""The hand-written table models as they were before ``gui/rows_model.py`` (verbatim bodies), kept
only as the reference that tests/gui/test_rows_model.py compares the column-built models against:
same texts, icons, colours, fonts, tooltips and headers for every cell and role. Delete with those
comparisons once nobody needs the proof."""
# ruff: noqa

from __future__ import annotations

from datetime import UTC, date, datetime, tzinfo
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor, QFont

from ward_app.domain.alerts import Alert, Severity, alert_title
from ward_app.domain.mar import State
from ward_app.domain.news2 import Response
from ward_app.domain.pump import Refill
from ward_app.domain.taper import TaperPlan, amount_text
from ward_app.gui.alerts_panel import explain
from ward_app.gui.looks import (
    INK,
    SCORE_BACKGROUND,
    SEVERITY_BACKGROUND,
    SEVERITY_TEXT,
    severity_icon,
    state_background,
    state_icon,
    state_text,
)
from ward_app.gui.observations_panel import signs_text
from ward_app.gui.mar_panel import late_entry_text, late_entry_tip
from ward_app.services.audit_log import COLUMNS as AUDIT_COLUMNS
from ward_app.services.audit_log import AuditEntry
from ward_app.services.board import BoardRow, bed_key
from ward_app.services.mar import MarEntry
from ward_app.services.observations import ObservationRow

class MemoTableModel(QAbstractTableModel):
    """Subclasses implement ``cell(row, column, role)`` and ``rowCount``, and call ``reset_with``
    to replace their rows."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._memo: dict[tuple[int, int, object], Any] = {}

    def reset_with(self, replace: Any) -> None:
        """Replace the rows (``replace()`` does it) inside a model reset, forgetting every cell."""
        self.beginResetModel()
        try:
            replace()
        finally:
            self._memo.clear()
            self.endResetModel()

    def cell(self, row: int, column: int, role: int) -> Any:
        raise NotImplementedError

    def data(self, index: QModelIndex | QPersistentModelIndex,
             role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        key = (index.row(), index.column(), role)
        try:
            return self._memo[key]
        except KeyError:
            pass
        row, column, _ = key
        value = self.cell(row, column, role) if 0 <= row < self.rowCount() else None
        self._memo[key] = value
        return value


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


ALERT_COLUMNS = ("Severity", "Bed", "Patient", "Alert", "What to do", "Since", "Seen")


class AlertsModel(MemoTableModel):
    def __init__(self, zone: tzinfo, alerts: list[Alert] | None = None, parent=None):
        super().__init__(parent)
        self._zone = zone
        self._alerts: list[Alert] = list(alerts or [])

    def set_alerts(self, alerts: list[Alert]) -> None:
        def replace() -> None:
            self._alerts = list(alerts)

        self.reset_with(replace)

    def alert_at(self, row: int) -> Alert:
        return self._alerts[row]

    def rowCount(self, parent=None):
        return 0 if parent is not None and parent.isValid() else len(self._alerts)

    def columnCount(self, parent=None):
        return 0 if parent is not None and parent.isValid() else len(ALERT_COLUMNS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            if 0 <= section < len(ALERT_COLUMNS):
                return ALERT_COLUMNS[section]
        return None

    def cell(self, row: int, col: int, role: int):
        a = self._alerts[row]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            since = a.since.astimezone(self._zone).strftime("%d %b %H:%M")
            seen = f"✓ {a.acknowledged_by}" if a.acknowledged else "NEW"
            return (SEVERITY_TEXT[a.severity], a.bed, a.name, alert_title(a.rule), a.message, since,
                    seen)[col]
        if role == Qt.ItemDataRole.DecorationRole and col == 0:
            return severity_icon(a.severity)
        if role == Qt.ItemDataRole.BackgroundRole:
            return SEVERITY_BACKGROUND[a.severity]
        if role == Qt.ItemDataRole.ForegroundRole:
            return INK
        if role == Qt.ItemDataRole.FontRole and not a.acknowledged and a.severity >= Severity.URGENT:
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.ToolTipRole:
            return explain(a, self._zone, html=False)
        return None


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
            if e.entered_late:
                lines.append(late_entry_text(e, self._zone))
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
            if e.entered_late:
                tip += f"\n{late_entry_tip(e, self._zone)}"
            if e.state in OPEN_STATES:
                tip += "\nPress Enter to record."
            return tip
        return None


HISTORY_COLUMNS = ("Due", "Dose", "What happened", "By", "Recorded", "Reason / note",
                   "Pack scanned", "Record")  # "Pack scanned": issue 20


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
            if e.entered_late:
                recorded = f"{recorded} ({late_entry_text(e, self._zone)})"
            why = " ".join(x for x in (e.reason and e.reason.replace("_", " "), e.note) if x)
            if e.corrected and e.correction_reason:
                why = f"{why} [corrected: {e.correction_reason}]".strip()
            return (e.due.astimezone(self._zone).strftime("%d %b %H:%M"), f"{e.dose_mg:g} mg",
                    what, e.by or "", recorded, why, e.scan_text(), str(e.id))[col]
        if role == Qt.ItemDataRole.FontRole and e.corrected:
            font = QFont()
            font.setStrikeOut(True)
            return font
        if role == Qt.ItemDataRole.DecorationRole and col == 2:
            return state_icon(State.ENTERED_IN_ERROR if e.corrected else e.state)
        if role == Qt.ItemDataRole.ToolTipRole and e.entered_late:
            return late_entry_tip(e, self._zone)
        return None

class AuditModel(QAbstractTableModel):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.entries: list[AuditEntry] = []

    def set_entries(self, entries: list[AuditEntry]) -> None:
        self.beginResetModel()
        self.entries = list(entries)
        self.endResetModel()

    def rowCount(self, parent=None):
        return 0 if parent is not None and parent.isValid() else len(self.entries)

    def columnCount(self, parent=None):
        return 0 if parent is not None and parent.isValid() else len(AUDIT_COLUMNS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return AUDIT_COLUMNS[section] if 0 <= section < len(AUDIT_COLUMNS) else None
        return None

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not 0 <= index.row() < len(self.entries):
            return None
        e = self.entries[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return (e.at.strftime("%d %b %Y %H:%M:%S"), e.act_text(), e.user, e.action, e.mrn or "",
                    e.patient or "", f"{e.entity} {e.entity_id or ''}".strip(), e.detail_text(),
                    e.corrects or "")[index.column()]
        if role == Qt.ItemDataRole.ToolTipRole and (e.corrects or e.entered_late):
            from ward_app.gui.audit_dialog import _tooltip

            return _tooltip(e)
        return None


OBS_COLUMNS = ("Taken", "NEWS2", "RR", "SpO2", "Air/O2", "BP", "Pulse", "ACVPU", "Temp", "POSS",
               "MAS", "Penn", "Withdrawal signs", "By", "Note")
_BAND_LEVEL = {Response.HIGH: 3, Response.MEDIUM: 2, Response.LOW_MEDIUM: 2, Response.LOW: 1,
               Response.LOW_12H: 0}
#: column -> the NEWS2 parameter whose score colours that cell
_SCORED = {2: "rr", 3: "spo2", 4: "oxygen", 5: "sbp", 6: "hr", 7: "acvpu", 8: "temp"}
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

REFILL_COLUMNS = ("Refilled", "Volume", "Concentration", "Daily dose", "Alarm at", "By", "Witness",
                  "Next booked")


class RefillHistoryModel(QAbstractTableModel):
    def __init__(self, zone: tzinfo, parent=None):
        super().__init__(parent)
        self._zone = zone
        self._rows: list[Refill] = []

    def set_rows(self, rows: list[Refill]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def rowCount(self, parent=None):
        return 0 if parent is not None and parent.isValid() else len(self._rows)

    def columnCount(self, parent=None):
        return 0 if parent is not None and parent.isValid() else len(REFILL_COLUMNS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            if 0 <= section < len(REFILL_COLUMNS):
                return REFILL_COLUMNS[section]
        return None

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not (0 <= index.row() < len(self._rows)):
            return None
        r = self._rows[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return (r.refilled_at.astimezone(self._zone).strftime("%a %d %b %Y %H:%M"),
                    f"{r.volume_ml:g} mL", f"{r.conc_mcg_ml:g} mcg/mL", f"{r.daily_mcg:g} mcg/day",
                    f"{r.alarm_ml:g} mL", r.by, r.witness,
                    r.next_refill_booked.strftime("%d %b %Y") if r.next_refill_booked else "")[
                index.column()]
        return None


class PlanModel(QAbstractTableModel):
    """One row per day: day, date, each dose time (mg and how to give it), the day's total."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.plan: TaperPlan | None = None

    def set_plan(self, plan: TaperPlan | None) -> None:
        self.beginResetModel()
        self.plan = plan
        self.endResetModel()

    def rowCount(self, parent=None):
        if parent is not None and parent.isValid() or self.plan is None:
            return 0
        return len(self.plan.days)

    def columnCount(self, parent=None):
        if parent is not None and parent.isValid() or self.plan is None:
            return 0
        return 3 + len(self.plan.times)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if role != Qt.ItemDataRole.DisplayRole or orientation != Qt.Orientation.Horizontal:
            return None
        if self.plan is None:
            return None
        names = ["Day", "Date", *self.plan.times, "Total"]
        return names[section] if 0 <= section < len(names) else None

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if self.plan is None or not index.isValid() or index.row() >= len(self.plan.days):
            return None
        day = self.plan.days[index.row()]
        col = index.column()
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            if col == 0:
                return str(day.day)
            if col == 1:
                return day.date.strftime("%a %d %b %Y")
            if col == 2 + len(self.plan.times):
                return "No more baclofen" if day.daily_mg <= 0 else f"{day.daily_mg:g} mg"
            mg = day.doses[col - 2][1]
            return "—" if mg <= 0 else f"{mg:g} mg"
        if role == Qt.ItemDataRole.ToolTipRole and 2 <= col < 2 + len(self.plan.times):
            mg = day.doses[col - 2][1]
            return amount_text(mg, self.plan.form) if mg > 0 else None
        if role == Qt.ItemDataRole.FontRole:
            previous = self.plan.days[index.row() - 1] if index.row() else None
            if previous is None or previous.doses != day.doses:
                font = QFont()
                font.setBold(True)  # the day the doses change
                return font
        return None

