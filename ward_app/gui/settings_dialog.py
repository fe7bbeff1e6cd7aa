"""Settings, edited by an administrator: every clinical number with its unit, meaning and source
(docs/clinical-rules.md); a change is checked, saved and audited with the old and new value."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QLineEdit,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

from ward_app.domain.errors import WardError
from ward_app.domain.roles import Action
from ward_app.gui.form_parts import problem_label, show_problem
from ward_app.gui.ops import Ops, runner
from ward_app.services import settings as svc
from ward_app.services.context import Context

HEADERS = ("Setting", "Value", "Unit", "Meaning", "Source")


class SettingsDialog(QDialog):
    def __init__(self, ctx: Context, parent=None, *, ops: Ops | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.ops = runner(ctx, ops, self)
        self.changed = False
        self.setWindowTitle("Settings")
        self.setAccessibleName("Settings")
        may = ctx.can(Action.ADMIN)
        note = QLabel("Defaults come from the ward's clinical rules (docs/clinical-rules.md) with "
                      "their sources. Change a value and press Save: it takes effect at once "
                      "(on other workstations within a minute), and every change is audited."
                      if may else
                      (ctx.why_not(Action.ADMIN) or ""), self)
        note.setWordWrap(True)
        self.tz = QLineEdit(str(ctx.zone), self)
        self.tz.setAccessibleName("Ward time zone")
        self.tz.setEnabled(may)
        self.table = QTableWidget(0, len(HEADERS), self)
        self.table.setObjectName("settingsTable")
        self.table.setHorizontalHeaderLabels(HEADERS)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.original: dict[str, str] = {}
        for row, v in enumerate(svc.current(ctx)):
            self.table.insertRow(row)
            self.original[v.setting.key] = v.text()
            cells = (v.setting.key, v.text(), v.setting.unit, v.setting.meaning, v.setting.source)
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                editable = col == 1 and may
                flags = item.flags() | Qt.ItemFlag.ItemIsEditable if editable else \
                    item.flags() & ~Qt.ItemFlag.ItemIsEditable
                item.setFlags(flags)
                self.table.setItem(row, col, item)
        self.error = problem_label(self, "settingsError")
        buttons = QDialogButtonBox(self)
        self.save_button = buttons.addButton("&Save changes", QDialogButtonBox.ButtonRole.AcceptRole)
        self.save_button.setEnabled(may)
        buttons.addButton(QDialogButtonBox.StandardButton.Close)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(note)
        layout.addWidget(QLabel("Ward time zone (IANA name, e.g. Europe/London):", self))
        layout.addWidget(self.tz)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.resize(1100, 700)

    def pending(self) -> dict[str, str]:
        out = {}
        for row in range(self.table.rowCount()):
            key_item, value_item = self.table.item(row, 0), self.table.item(row, 1)
            assert key_item is not None and value_item is not None
            key, text = key_item.text(), value_item.text()
            if text.strip() != self.original[key]:
                out[key] = text
        return out

    def _save(self, values: dict[str, object]) -> None:
        """Every change, run as one operation (the window refreshes once)."""
        if self.tz.text().strip() != str(self.ctx.zone):
            svc.set_ward_timezone(self.ctx, self.tz.text())
            self.changed = True
        for key, value in values.items():
            svc.set_setting(self.ctx, key, value)
            self.changed = True

    def save(self) -> None:
        """Check every change first; save them only when all are valid (nothing half-saved)."""
        changes = self.pending()
        try:
            from ward_app.domain.rules import SETTINGS

            values = {key: svc.parse_value(SETTINGS[key], text) for key, text in changes.items()}
            self.ops.run(lambda: self._save(values))
        except WardError as exc:
            show_problem(self.error, str(exc))
            return
        self.accept()
