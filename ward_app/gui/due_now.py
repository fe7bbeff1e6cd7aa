"""View → Due now: the ward's worklist for the next hour (doses, observation sets, withdrawal
checks), most urgent first; Enter opens the patient (and the record dialog for a dose)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, tzinfo

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QVBoxLayout

from ward_app.domain.alerts import Severity
from ward_app.domain.errors import WardError
from ward_app.gui.looks import INK, SEVERITY_BACKGROUND, severity_icon
from ward_app.gui.rows_model import Column, RowsModel, bold, for_all
from ward_app.gui.screen_fit import fit_to_screen
from ward_app.gui.tables import table_view
from ward_app.services.context import Context
from ward_app.services.worklist import DueItem, due_now

#: How each state looks: the severity its colour and icon borrow.
LOOK = {"missed": Severity.URGENT, "late": Severity.WARNING, "overdue": Severity.WARNING,
        "due now": Severity.INFO, "due soon": None}


def due_columns(zone: tzinfo = UTC, at: datetime | None = None) -> list[Column[DueItem]]:
    today = (at or datetime.now(UTC)).astimezone(zone).date()

    def look(i: DueItem):  # type: ignore[no-untyped-def]
        return LOOK[i.state]

    def when(i: DueItem) -> str:
        local = i.due.astimezone(zone)
        return local.strftime("%H:%M") if local.date() == today else local.strftime("%a %H:%M")

    return for_all([
        Column("State", lambda i: i.state.upper() if i.urgency < 2 else i.state,
               icon=lambda i: severity_icon(look(i)) if look(i) is not None else None),
        Column("Due", when,
               sort_key=lambda i: i.due.isoformat()),
        Column("Bed", lambda i: i.bed),
        Column("Patient", lambda i: i.name),
        Column("What", lambda i: i.what),
    ], background=lambda i: SEVERITY_BACKGROUND[look(i)] if look(i) is not None else None,
        foreground=lambda i: INK if look(i) is not None else None,
        font=lambda i: bold() if i.urgency < 2 else None)


class DueNowModel(RowsModel[DueItem]):
    def __init__(self, zone: tzinfo, parent=None):
        super().__init__(due_columns(zone), (), parent,
                         key=lambda i: (i.patient_id, i.kind, i.due.isoformat()))


class DueNowDialog(QDialog):
    """Non-modal: it stays open beside the board; F5 works it out again."""

    def __init__(self, ctx: Context, open_item: Callable[[DueItem], None], parent=None,
                 at: datetime | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.open_item = open_item
        self.at = at
        self.setWindowTitle("Due now — the next hour on the ward")
        self.setAccessibleName("Due now")
        self.model = DueNowModel(ctx.zone, self)
        self.table = table_view(self, self.model, name="dueNow", accessible_name="Due now")
        self.table.activated.connect(self._open)
        self.summary = QLabel(self)
        self.summary.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.close)
        QShortcut(QKeySequence(QKeySequence.StandardKey.Refresh), self, self.refresh)
        layout = QVBoxLayout(self)
        intro = QLabel("Doses, observation sets, withdrawal checks and post-refill pump checks "
                       "due or overdue within the next hour, most urgent first. Enter opens the "
                       "patient; for a dose, the record dialog. F5 refreshes.", self)
        intro.setWordWrap(True)  # unwrapped, it made the dialog wider than a 1280×800 screen
        layout.addWidget(intro)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.summary)
        layout.addWidget(buttons)
        fit_to_screen(self, 760, 460)
        self.refresh()

    def refresh(self) -> None:
        try:
            items = due_now(self.ctx, self.at)
        except WardError as exc:
            self.summary.setText(f"⚠ Not worked out: {exc}")
            return
        self.model.set_rows(items, due_columns(self.ctx.zone, self.at or self.ctx.now()))
        urgent = sum(i.urgency < 2 for i in items)
        self.summary.setText(f"{len(items)} item{'s' if len(items) != 1 else ''}; {urgent} "
                             "missed, late or overdue." if items else
                             "Nothing is due in the next hour.")
        if items:
            self.table.setCurrentIndex(self.model.index(0, 0))
        self.table.setFocus(Qt.FocusReason.OtherFocusReason)

    def _open(self, index) -> None:
        if index.isValid():
            self.open_item(self.model.row_at(index.row()))
