"""The audit trail: who did what and when, filtered by patient, user and dates, exported to CSV.
A correction shows, beside it, the entry it corrects."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, tzinfo
from pathlib import Path

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (
    QCheckBox,
    QDateEdit,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
)

from ward_app.domain.errors import WardError
from ward_app.gui.form_parts import clear_marks, show_error
from ward_app.gui.rows_model import Column, RowsModel, for_all
from ward_app.gui.screen_fit import fit_to_screen
from ward_app.gui.session import audit_read
from ward_app.gui.tables import table_view
from ward_app.services import audit_log
from ward_app.services.audit_log import COLUMNS, AuditEntry
from ward_app.services.context import Context
from ward_app.services.patients import find_by_mrn
from ward_app.services.people import find_user


def audit_columns(zone: tzinfo = UTC) -> list[Column[AuditEntry]]:
    """The audit trail's columns (titled as in the CSV export): when each entry was made (the
    system clock) and when the act happened; a correction's and a late entry's tooltip say so."""
    parts: list[Callable[[AuditEntry], str]] = [
        lambda e: e.at.strftime("%d %b %Y %H:%M:%S"), lambda e: e.act_text(), lambda e: e.user,
        lambda e: e.action,
        lambda e: e.mrn or "", lambda e: e.patient or "",
        lambda e: f"{e.entity} {e.entity_id or ''}".strip(), lambda e: e.detail_words(zone),
        lambda e: e.corrects or ""]
    return for_all([Column(title, text) for title, text in zip(COLUMNS, parts, strict=True)],
                   tooltip=_tooltip)


def _tooltip(e: AuditEntry) -> str | None:
    said = []
    if e.corrects:
        said.append(f"This entry marks an earlier one entered in error: {e.corrects}")
    if e.entered_late:
        said.append(f"Entered late: entered {e.at:%d %b %H:%M}, for an act at "
                    f"{(e.act_at or e.at):%d %b %H:%M}.")
    return "\n".join(said) or None


class AuditModel(RowsModel[AuditEntry]):
    def __init__(self, parent=None, zone: tzinfo = UTC):
        super().__init__(audit_columns(zone), (), parent, key=lambda e: e.id)

    def set_entries(self, entries: list[AuditEntry]) -> None:
        self.set_rows(entries)

    @property
    def entries(self) -> tuple[AuditEntry, ...]:
        return self.rows


class AuditDialog(QDialog):
    def __init__(self, ctx: Context, parent=None):
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle("Audit trail")
        self.setAccessibleName("Audit trail")
        today = ctx.now().astimezone(ctx.zone).date()
        self.mrn = QLineEdit(self)
        self.mrn.setPlaceholderText("MRN (all patients)")
        self.mrn.setAccessibleName("Patient MRN")
        self.user = QLineEdit(self)
        self.user.setPlaceholderText("user (everyone)")
        self.user.setAccessibleName("User")
        self.use_dates = QCheckBox("&Dates", self)
        self.start = QDateEdit(self)
        self.end = QDateEdit(self)
        for edit, day in ((self.start, today.replace(day=1)), (self.end, today)):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("dd MMM yyyy")
            edit.setDate(QDate(day.year, day.month, day.day))
        self.start.setAccessibleName("From")
        self.end.setAccessibleName("To")
        search = QPushButton("&Search", self)
        search.setDefault(True)
        search.clicked.connect(self.search)
        export = QPushButton("E&xport CSV…", self)
        export.clicked.connect(self.export)
        filters = QHBoxLayout()
        for w in (self.mrn, self.user, self.use_dates, self.start, QLabel("to", self), self.end,
                  search, export):
            filters.addWidget(w)
        self.model = AuditModel(self, ctx.zone)
        self.table = table_view(self, self.model, name="auditTable", accessible_name="Audit entries")
        self.status = QLabel(self)
        layout = QVBoxLayout(self)
        layout.addLayout(filters)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.status)
        fit_to_screen(self, 1200, 700)
        self.search()

    def _entries(self) -> list[AuditEntry]:
        dated = self.use_dates.isChecked()
        mrn, user = self.mrn.text().strip(), self.user.text().strip()
        return audit_log.search(
            self.ctx, patient_id=find_by_mrn(self.ctx, mrn).id if mrn else None,
            user_id=find_user(self.ctx, user, "by", active=False).id if user else None,
            start=self.start.date().toPython() if dated else None,  # type: ignore[arg-type]
            end=self.end.date().toPython() if dated else None)  # type: ignore[arg-type]

    def search(self) -> None:
        try:
            entries = self._entries()
        except WardError as exc:
            show_error(self.status, exc, {"mrn": self.mrn, "by": self.user, "from": self.start,
                                          "to": self.end})
            return
        clear_marks({"mrn": self.mrn, "by": self.user, "from": self.start, "to": self.end})
        self.model.set_entries(entries)
        self.status.setText(f"{len(entries)} entries, newest first"
                            + (" (the first 2000)" if len(entries) >= 2000 else ""))

    def export(self) -> None:
        name, _f = QFileDialog.getSaveFileName(self, "Export audit trail", "audit.csv",
                                               "CSV files (*.csv)")
        if not name:
            return
        try:
            from ward_app.services.backups import write_private

            entries = self._entries()
            write_private(Path(name), audit_log.to_csv(entries))  # 0600
        except (OSError, WardError) as exc:
            QMessageBox.warning(self, "Not exported", str(exc))
            return
        audit_read(self.ctx, "export", None, {"entries": len(entries), "csv": name}, near=self)
        self.status.setText(f"Exported to {name}.")
