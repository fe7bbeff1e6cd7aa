"""Take over the ward (or some beds) at a shift change (clinical-rules §8): the incoming nurse
sees what is outstanding and confirms, one by one, each unstable patient they were told about
(I-PASS: the receiver's synthesis); then the take-over is recorded with who and when, and the
next handover's story starts from it."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ward_app.domain.errors import WardError
from ward_app.gui.ops import Ops, runner
from ward_app.gui.screen_fit import fit_to_screen
from ward_app.services.context import Context
from ward_app.services.handover import TakeOverView, take_over, take_over_view


class TakeOverDialog(QDialog):
    def __init__(self, ctx: Context, parent=None, *, ops: Ops | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.ops = runner(ctx, ops, self)
        self.view: TakeOverView | None = None
        self.taken: TakeOverView | None = None
        self.setWindowTitle("Take over the ward")
        self.setAccessibleName("Take over the ward")
        self.beds = QLineEdit(self)
        self.beds.setPlaceholderText("all beds (or e.g. 1, 2, 5)")
        self.beds.setAccessibleName("Beds to take over")
        self.beds.editingFinished.connect(self.reload)
        show = QPushButton("S&how", self)
        show.clicked.connect(self.reload)
        beds_row = QHBoxLayout()
        beds_label = QLabel("&Beds:", self)
        beds_label.setBuddy(self.beds)
        beds_row.addWidget(beds_label)
        beds_row.addWidget(self.beds, 1)
        beds_row.addWidget(show)
        self.heading = QLabel(self)
        self.heading.setWordWrap(True)
        self.outstanding = QListWidget(self)
        self.outstanding.setAccessibleName("Outstanding work")
        self.unstable_box = QWidget(self)
        self.unstable_layout = QVBoxLayout(self.unstable_box)
        self.unstable_layout.setContentsMargins(0, 0, 0, 0)
        self.checks: list[QCheckBox] = []
        self._shown: list[QWidget] = []  # the unstable list's title and boxes, rebuilt on reload
        self.error = QLabel(self)
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #B42318; font-weight: bold")
        self.buttons = QDialogButtonBox(self)
        self.take_button = self.buttons.addButton("&Take over", QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(beds_row)
        layout.addWidget(self.heading)
        outstanding_label = QLabel("<b>Outstanding now</b> — unacknowledged alerts, overdue and "
                                   "due-within-the-hour doses and checks, pump refills:", self)
        outstanding_label.setWordWrap(True)
        layout.addWidget(outstanding_label)
        layout.addWidget(self.outstanding, 1)
        layout.addWidget(self.unstable_box)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        fit_to_screen(self, 900, 620)
        self.reload()

    def wanted_beds(self) -> tuple[str, ...]:
        return tuple(b.strip() for b in self.beds.text().split(",") if b.strip())

    def reload(self) -> None:
        try:
            view = take_over_view(self.ctx, self.wanted_beds())
        except WardError as exc:
            self.error.setText(f"⚠ {exc}")
            return
        self.view = view
        self.error.clear()
        scope = f"beds {', '.join(view.beds)}" if view.beds else "the whole ward"
        self.heading.setText(f"You ({self.ctx.require_actor().name}) take over <b>{scope}</b> of "
                             f"{view.ward} at {view.at:%a %d %b %H:%M}. The next handover tells "
                             "what happens from now.")
        self.outstanding.clear()
        self.outstanding.addItems(list(view.outstanding) or ["Nothing outstanding."])
        for widget in self._shown:
            widget.deleteLater()
        self.checks, self._shown = [], []
        if view.unstable:
            title = QLabel("<b>Unstable patients</b>: tick each one when you have heard about "
                           "them and know what to do (I-PASS).", self.unstable_box)
            title.setWordWrap(True)
            self.unstable_layout.addWidget(title)
            self._shown.append(title)
        for u in view.unstable:
            box = QCheckBox(f"Bed {u.bed} {u.name} — {u.why}", self.unstable_box)
            box.setProperty("bed", u.bed)
            box.toggled.connect(self._update)
            self.unstable_layout.addWidget(box)
            self.checks.append(box)
            self._shown.append(box)
        self._update()

    def confirmed(self) -> tuple[str, ...]:
        return tuple(str(b.property("bed")) for b in self.checks if b.isChecked())

    def _update(self) -> None:
        waiting = sum(not b.isChecked() for b in self.checks)
        self.take_button.setEnabled(self.view is not None and waiting == 0)
        self.take_button.setToolTip(f"Tick the {waiting} unstable patient"
                                    f"{'s' if waiting != 1 else ''} first" if waiting else "")

    def submit(self) -> None:
        try:
            self.taken = self.ops.run(lambda: take_over(self.ctx, self.wanted_beds(),
                                                        self.confirmed()))
        except WardError as exc:
            self.error.setText(f"⚠ {exc}")
            return
        self.accept()

    def keyPressEvent(self, event) -> None:  # noqa: N802 - Qt's name
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.beds.hasFocus():
            self.reload()  # Enter in the beds box shows those beds; it does not take over
            return
        super().keyPressEvent(event)
