"""The pump failure checklist dialog (clinical-rules §6), opened from a critical pump alarm, an empty
pump or late withdrawal signs on a pump patient: each step with who did it and when, and a form to
tick the next one (the ITB step names whom was called). No dose is suggested: the prescriber orders
the bridging baclofen."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
)

from ward_app.domain.alerts import Alert
from ward_app.domain.errors import WardError
from ward_app.domain.pump_checklist import STEP_LABELS, Checklist, Step, is_trigger
from ward_app.gui.form_parts import show_error
from ward_app.gui.ops import Ops, runner
from ward_app.gui.screen_fit import fit_to_screen
from ward_app.services import pump_checklists as svc
from ward_app.services.changes import Changes, Kind
from ward_app.services.context import Context


def opens_checklist(alert: Alert) -> bool:
    """Whether activating this alert opens the checklist (the dialog says when none is open: the
    patient has no pump recorded)."""
    return is_trigger(alert)


class PumpChecklistDialog(QDialog):
    """Non-modal; follows the window's writes to this patient (through ``Ops``)."""

    def __init__(self, ctx: Context, patient_id: int, parent=None, ops: Ops | None = None):
        super().__init__(parent)
        self.ctx, self.patient_id = ctx, patient_id
        self.ops = runner(ctx, ops, self)
        self.checklist: Checklist | None = None
        self.setWindowTitle("Pump failure checklist")
        self.setAccessibleName("Pump failure checklist")
        intro = QLabel("A critical pump alarm, an empty pump or late withdrawal signs: work "
                       "through each step and record it. The app suggests no dose: the "
                       "prescriber orders the bridging baclofen.", self)
        intro.setWordWrap(True)
        self.steps = QLabel(self)
        self.steps.setWordWrap(True)
        self.steps.setAccessibleName("Checklist steps")
        self.step = QComboBox(self)
        for s in Step:
            self.step.addItem(STEP_LABELS[s], s.value)
        self.step.setAccessibleName("Step")
        self.who = QLineEdit(self)
        self.who.setPlaceholderText("e.g. Dr Patel, ITB team (needed for the call)")
        self.who.setAccessibleName("Whom you called")
        self.note = QLineEdit(self)
        self.note.setAccessibleName("Note")
        self.status = QLabel(self)
        self.status.setWordWrap(True)
        self.record_button = QPushButton("&Record step", self)
        self.record_button.setDefault(True)
        self.record_button.clicked.connect(self.record)
        close = QPushButton("Close", self)
        close.clicked.connect(self.close)
        form = QFormLayout()
        form.addRow("&Step", self.step)
        form.addRow("&Whom you called", self.who)
        form.addRow("&Note", self.note)
        buttons = QHBoxLayout()
        buttons.addWidget(self.record_button)
        buttons.addStretch(1)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.steps)
        layout.addLayout(form)
        layout.addWidget(self.status)
        layout.addLayout(buttons)
        self.ops.changed.connect(self._changed)
        fit_to_screen(self, 640, 420)
        self.refresh()

    def _changed(self, changes: Changes) -> None:
        if changes.touches(self.patient_id) or changes.any_of(Kind.SETTINGS):
            self.refresh()

    def refresh(self) -> None:
        try:
            self.checklist = svc.checklist_for(self.ctx, self.patient_id)
        except WardError as exc:
            self.status.setText(f"⚠ Not worked out: {exc}")
            return
        c = self.checklist
        self.record_button.setEnabled(c is not None)
        if c is None:
            self.steps.setText("No pump failure checklist is open for this patient: it opens with a "
                               "critical pump alarm, an empty pump or late withdrawal signs.")
            return
        zone = self.ctx.zone
        lines = c.lines(lambda t: f"{t.astimezone(zone):%d %b %H:%M}")
        hints = [i.hint for i in c.items if i.hint and i.done is None]
        self.steps.setText("\n".join(lines + hints))
        nxt = c.outstanding[0].step if c.outstanding else None
        if nxt is not None:
            self.step.setCurrentIndex(list(Step).index(nxt))

    def record(self) -> None:
        step = Step(self.step.currentData())
        who, note = self.who.text(), self.note.text()
        try:
            self.ops.run(lambda: svc.record_step(self.ctx, self.patient_id, step,
                                                 who_called=who or None, note=note or None))
        except WardError as exc:
            show_error(self.status, exc, {"who-called": self.who, "note": self.note})
            return
        self.who.clear()
        self.note.clear()
        self.status.setText(f"Recorded: {STEP_LABELS[step]}.")
        self.refresh()


__all__ = ["PumpChecklistDialog", "opens_checklist"]
