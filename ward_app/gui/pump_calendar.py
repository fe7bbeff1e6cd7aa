"""View → Pump calendar: every pump's refill-by, low-reservoir alarm, empty, drug-stability and ERI
dates for the next days, soonest refill-by first; a refill due within the buffer or overdue is marked
with an icon, a colour and the words saying why. Save as PDF writes the one-page calendar sheet."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
)

from ward_app.domain.alerts import Severity
from ward_app.domain.errors import WardError
from ward_app.domain.pump_calendar import CALCULATED, CalendarEntry, PumpCalendar, day_text
from ward_app.gui.looks import INK, SEVERITY_BACKGROUND, severity_icon
from ward_app.gui.ops import Ops, runner
from ward_app.gui.rows_model import Column, RowsModel, bold, for_all
from ward_app.gui.screen_fit import fit_to_screen
from ward_app.gui.session import audit_read
from ward_app.gui.tables import table_view
from ward_app.services import pump_calendar as svc
from ward_app.services.changes import Changes, Kind
from ward_app.services.context import Context


def _look(e: CalendarEntry) -> Severity | None:
    """Overdue: as urgent; due within the buffer: as a warning; otherwise plain."""
    if e.days_left is not None and e.days_left < 0:
        return Severity.URGENT
    return Severity.WARNING if e.within_buffer else None


def _day(d: date | None) -> str:
    return "—" if d is None else f"{day_text(d)} {d.year}"


def _when(m: datetime | None) -> str:
    return "—" if m is None else f"{day_text(m.date())} {m.year} {m:%H:%M}"


def calendar_columns() -> list[Column[CalendarEntry]]:
    def background(e: CalendarEntry):  # type: ignore[no-untyped-def]
        look = _look(e)
        return SEVERITY_BACKGROUND[look] if look is not None else None

    return for_all([
        Column("Bed", lambda e: e.bed),
        Column("Patient", lambda e: e.name),
        Column("MRN", lambda e: e.mrn),
        Column("Refill by", lambda e: _day(e.refill_by),
               icon=lambda e: severity_icon(_look(e)) if _look(e) is not None else None,  # type: ignore[arg-type]
               tooltip=lambda e: f"Set by: {e.refill_by_reason}" if e.refill_by_reason else None,
               sort_key=lambda e: (e.refill_by or date.min).isoformat()),
        Column("Low-reservoir alarm", lambda e: _when(e.alarm_at)),
        Column("Empty", lambda e: _when(e.empty_at)),
        Column("Drug stability limit", lambda e: _day(e.stability_date)),
        Column("ERI", lambda e: _day(e.eri_date)),
        Column("End of service", lambda e: _day(e.end_of_service)),
        Column("Why it is marked / status", lambda e: e.why),  # last: it stretches
    ], background=background, foreground=lambda e: INK if _look(e) is not None else None,
        font=lambda e: bold() if _look(e) is not None else None)


class CalendarModel(RowsModel[CalendarEntry]):
    def __init__(self, parent=None):
        super().__init__(calendar_columns(), (), parent, key=lambda e: e.mrn)


class PumpCalendarDialog(QDialog):
    """Non-modal: it stays open beside the board and follows refills, pump changes and settings
    (through the window's ``Ops``); F5 works it out again."""

    def __init__(self, ctx: Context, parent=None, ops: Ops | None = None,
                 at: datetime | None = None):
        super().__init__(parent)
        self.ctx, self.at = ctx, at
        self.ops = runner(ctx, ops, self)
        self.calendar: PumpCalendar | None = None
        self.setWindowTitle("Pump calendar — every pump's dates")
        self.setAccessibleName("Pump calendar")
        self.days = QSpinBox(self)
        self.days.setRange(1, svc.MOST_DAYS)
        self.days.setValue(svc.DEFAULT_DAYS)
        self.days.setSuffix(" days")
        self.days.setAccessibleName("Days ahead")
        days_label = QLabel("&Show the next", self)
        days_label.setBuddy(self.days)
        self.days.valueChanged.connect(self.refresh)
        self.model = CalendarModel(self)
        self.table = table_view(self, self.model, name="pumpCalendar",
                                accessible_name="Pump calendar")
        self.intro = QLabel(self)
        self.intro.setWordWrap(True)
        self.summary = QLabel(self)
        self.summary.setWordWrap(True)
        self.save_button = QPushButton("Save as P&DF…", self)
        self.save_button.clicked.connect(self.save_pdf)
        close = QPushButton("Close", self)
        close.clicked.connect(self.close)
        QShortcut(QKeySequence(QKeySequence.StandardKey.Refresh), self, self.refresh)
        top = QHBoxLayout()
        top.addWidget(days_label)
        top.addWidget(self.days)
        top.addStretch(1)
        buttons = QHBoxLayout()
        buttons.addWidget(self.save_button)
        buttons.addStretch(1)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.summary)
        layout.addLayout(buttons)
        self.ops.changed.connect(self._changed)
        fit_to_screen(self, 1100, 520)
        self.refresh()
        if self.calendar is not None:
            audit_read(ctx, "pump", None, {"sheet": "pump_calendar",
                                           "pumps": len(self.calendar.entries)}, near=self)

    def _changed(self, changes: Changes) -> None:
        if changes.ward or changes.any_of(Kind.PUMP, Kind.PATIENT, Kind.SETTINGS):
            self.refresh()

    def refresh(self) -> None:
        try:
            cal = svc.pump_calendar(self.ctx, self.at, self.days.value())
        except WardError as exc:
            self.summary.setText(f"⚠ Not worked out: {exc}")
            return
        self.calendar = cal
        self.model.set_rows(list(cal.entries))
        self.intro.setText(f"Every pump with a date in the next {cal.days} days (to "
                           f"{_day(cal.until)}), soonest refill-by first. A refill due within "
                           f"the {cal.buffer_days}-day refill buffer (setting "
                           "pump.refill_buffer_days) is marked with the warning sign, one overdue "
                           f"with the urgent sign, each with the reason in words. {CALCULATED} F5 refreshes.")
        due = len(cal.due)
        self.summary.setText(f"{len(cal.entries)} pump{'s' * (len(cal.entries) != 1)}; {due} "
                             f"refill{'s' * (due != 1)} due within the buffer or overdue."
                             if cal.entries else f"No pump has a date in the next {cal.days} days.")
        self.save_button.setEnabled(bool(cal.entries))
        if cal.entries:
            self.table.setCurrentIndex(self.model.index(0, 0))
        self.table.setFocus(Qt.FocusReason.OtherFocusReason)

    def save_pdf(self) -> None:
        name, _filter = QFileDialog.getSaveFileName(self, "Save the pump calendar as PDF",
                                                    "pump-calendar.pdf", "PDF files (*.pdf)")
        if name:
            self.save_pdf_to(Path(name if name.lower().endswith(".pdf") else f"{name}.pdf"))

    def save_pdf_to(self, path: Path) -> bool:
        """Write the calendar sheet shown (one page) to ``path``; audited as a printed sheet."""
        if self.calendar is None:
            return False
        try:
            from ward_app.services.backups import write_private

            write_private(path, svc.calendar_pdf(self.calendar))  # 0600
        except OSError as exc:
            QMessageBox.warning(self, "Not saved", f"The PDF could not be saved to {path}: "
                                f"{exc.strerror or exc}. Choose another folder.")
            return False
        audit_read(self.ctx, "print", None, {"sheet": "pump_calendar", "pumps":
                                             len(self.calendar.entries), "pdf": str(path)},
                   near=self)
        self.summary.setText(f"Saved to {path}.")
        return True


def show_pump_calendar(window) -> PumpCalendarDialog:  # type: ignore[no-untyped-def]
    """View → Pump calendar: one calendar beside ``window`` (the main window: its ``ctx`` and
    ``ops``), shown again and refreshed when already open."""
    dialog = getattr(window, "pump_calendar_dialog", None)
    if dialog is None or not dialog.isVisible():
        dialog = PumpCalendarDialog(window.ctx, window, ops=window.ops)
        window.pump_calendar_dialog = dialog
    else:
        dialog.refresh()
    dialog.show()
    dialog.raise_()
    dialog.activateWindow()
    return dialog


__all__ = ["CalendarModel", "PumpCalendarDialog", "calendar_columns", "show_pump_calendar"]
