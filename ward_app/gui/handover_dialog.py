"""Print handover: the sheet is gathered from the database (fast, on the GUI thread), rendered to
PDF on a worker with progress shown, previewed inside the app, then printed through the system
print dialog or saved. Who printed or saved it, and when, goes in the audit."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QLabel,
    QProgressBar,
    QVBoxLayout,
)

from ward_app.domain.errors import WardError
from ward_app.domain.handover import Handover
from ward_app.domain.roles import Action
from ward_app.gui.ops import Ops, runner
from ward_app.gui.pdf_preview import PdfPreview, SheetButtons
from ward_app.gui.permissions import allow
from ward_app.gui.screen_fit import fit_to_screen
from ward_app.gui.worker import Job, run_in_background
from ward_app.reports.handover_sheet import handover_pdf
from ward_app.services.context import Context
from ward_app.services.handover import build_handover, record_printed


class HandoverDialog(QDialog):
    def __init__(self, ctx: Context, parent=None, *, ops: Ops | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.ops = runner(ctx, ops, self)
        self.sheet: Handover | None = None
        self._job: Job | None = None
        self.setWindowTitle("Shift handover")
        self.setAccessibleName("Shift handover")
        self.status = QLabel("Preparing the handover sheet…", self)
        self.status.setObjectName("handoverStatus")
        self.status.setWordWrap(True)
        self.progress = QProgressBar(self)
        self.progress.setRange(0, 0)  # busy: rendering takes a moment on a large ward
        self.progress.setAccessibleName("Preparing the sheet")
        self.preview = PdfPreview(self, empty_text="The handover sheet appears here.")
        sheet_buttons = SheetButtons(self, self.print_sheet, self.save_sheet)
        self.print_button, self.save_button = sheet_buttons.print_button, sheet_buttons.save_button
        buttons = sheet_buttons.row
        layout = QVBoxLayout(self)
        layout.addWidget(self.status)
        layout.addWidget(self.progress)
        layout.addWidget(self.preview, 1)
        layout.addLayout(buttons)
        fit_to_screen(self, 1200, 860)
        self._set_ready(False)
        self.start()

    def _set_ready(self, ready: bool) -> None:
        for button in (self.print_button, self.save_button):
            # read on screen by every nurse; printed or saved by a charge nurse (CLI.md's table)
            if allow(self.ctx, button, Action.HANDOVER):
                button.setEnabled(ready)
        self.progress.setVisible(not ready and self.sheet is not None)

    def start(self) -> None:
        try:
            self.sheet = build_handover(self.ctx, permission=Action.HANDOVER if self.ctx.can(
                Action.HANDOVER) else Action.TAKE_OVER)
        except WardError as exc:
            self.status.setText(f"⚠ The handover could not be prepared: {exc}")
            self.progress.hide()
            return
        sheet = self.sheet
        self._set_ready(False)
        self._job = run_in_background(self, lambda: handover_pdf(sheet), self._done, self._failed)

    def _done(self, data: bytes) -> None:
        self.preview.set_pdf(data)
        s = self.sheet.summary if self.sheet else None
        if s is not None and self.sheet is not None:
            self.status.setText(
                f"<b>{self.sheet.ward}</b> at {self.sheet.at:%a %d %b %Y %H:%M}: {s.patients} "
                f"patients, {s.by_acuity.get('unstable', 0)} unstable, "
                f"{s.by_acuity.get('watcher', 0)} watchers; {self.preview.page_count()} pages.")
        self.status.setTextFormat(Qt.TextFormat.RichText)
        self._set_ready(True)

    def _failed(self, exc: BaseException) -> None:
        self.progress.hide()
        self.status.setText(f"⚠ The handover sheet could not be made ({type(exc).__name__}): "
                            "this is a bug, please report it to IT.")

    @property
    def ready(self) -> bool:
        return bool(self.preview.pdf)

    def _audit(self, how: str) -> None:
        if self.sheet is not None:
            try:
                sheet, pages = self.sheet, self.preview.page_count()
                self.ops.run(lambda: record_printed(self.ctx, sheet, how, pages))
            except WardError as exc:
                self.status.setText(f"⚠ Printed, but not recorded in the audit: {exc}")

    def print_sheet(self) -> None:
        if self.ready and self.preview.print_with_dialog(self):
            self._audit("print")

    def save_sheet(self) -> None:
        if not self.ready or self.sheet is None:
            return
        name = f"handover-{self.sheet.ward.replace(' ', '-')}-{self.sheet.at:%Y%m%d-%H%M}.pdf"
        if self.preview.save_with_dialog(self, name) is not None:
            self._audit("save")
