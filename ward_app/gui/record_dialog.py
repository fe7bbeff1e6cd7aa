"""Recording a due dose (given / not given with reason) and marking a record entered in error.

Keyboard only: Alt+G given, Alt+N not given, Tab through reason, note and witness, Enter records.
A refusal is shown in the dialog; nothing typed is lost.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDialog,
    QFormLayout,
    QLabel,
    QLineEdit,
    QRadioButton,
    QVBoxLayout,
)

from ward_app.domain.errors import InvalidInput, WardError
from ward_app.domain.mar import REASON_LABELS, Reason
from ward_app.domain.patient import Patient
from ward_app.domain.roles import Action, can
from ward_app.gui.form_parts import accept_cancel, problem_label, show_error, show_problem
from ward_app.gui.ops import Ops, runner
from ward_app.gui.pump_dialogs import WITNESS_PASSWORD, about_witness_password
from ward_app.services import mar as mar_svc
from ward_app.services import people
from ward_app.services.context import Context
from ward_app.services.mar import MarEntry, Recorded


class RecordDoseDialog(QDialog):
    def __init__(self, ctx: Context, patient: Patient, entry: MarEntry, parent=None, *,
                 ops: Ops | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.ops = runner(ctx, ops, self)
        self.patient = patient
        self.entry = entry
        self.result_record: Recorded | None = None
        due = entry.due.astimezone(ctx.zone).strftime("%a %d %b %H:%M")
        self.setWindowTitle(f"Record dose — {patient.name}")
        self.setAccessibleName("Record dose")

        heading = QLabel(f"<b>Bed {patient.bed} · {patient.name}</b> (MRN {patient.mrn})<br>"
                         f"Baclofen {entry.dose_mg:g} mg due {due}", self)
        heading.setTextFormat(Qt.TextFormat.RichText)

        self.given = QRadioButton("&Given now", self)
        self.not_given = QRadioButton("&Not given", self)
        self.given.setChecked(True)
        group = QButtonGroup(self)
        group.addButton(self.given)
        group.addButton(self.not_given)

        self.reason = QComboBox(self)
        self.reason.setAccessibleName("Reason not given")
        for code, label in REASON_LABELS.items():
            self.reason.addItem(label, code.value)
        self.held = QCheckBox("&Held as a clinical decision (e.g. too drowsy)", self)
        self.note = QLineEdit(self)
        self.note.setAccessibleName("Note")
        self.note.setPlaceholderText("Anything the next nurse should know")
        self.witness = QComboBox(self)
        self.witness.setAccessibleName("Witness")
        self.witness.addItem("(no witness)", None)
        actor = ctx.actor
        for user in people.users(ctx.db):
            if user.active and (actor is None or user.id != actor.id) and can(user.role,
                                                                               Action.WITNESS):
                self.witness.addItem(user.full_name or user.name, user.id)
        self.password = QLineEdit(self)
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setAccessibleName("Witness password")
        self.password.setObjectName("witnessPassword")
        self.password.setPlaceholderText("The witness types their own password")

        self.error = problem_label(self, "recordError")

        form = QFormLayout()
        form.addRow(self.given)
        form.addRow(self.not_given)
        form.addRow("Rea&son:", self.reason)
        form.addRow(self.held)
        form.addRow("N&ote:", self.note)
        form.addRow("&Witness:", self.witness)
        form.addRow("Witness &password:", self.password)

        self.buttons, self.record_button = accept_cancel(self, "&Record", self.submit)

        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self.given.toggled.connect(self._sync)
        self.witness.currentIndexChanged.connect(self._sync)
        self._sync()

    def _sync(self) -> None:
        giving = self.given.isChecked()
        self.reason.setEnabled(not giving)
        self.held.setEnabled(not giving)
        self.password.setEnabled(giving and self.witness.currentData() is not None)

        #: which widget shows each field a refusal can name
        self.fields = {"note": self.note, "reason": self.reason, "witness": self.witness,
                       WITNESS_PASSWORD: self.password}

    def show_problem(self, message: str) -> None:
        show_problem(self.error, message)

    def submit(self) -> None:
        due = self.entry.due
        note = self.note.text().strip() or None
        try:
            if self.given.isChecked():
                witness_id = self.witness.currentData()
                password = self.password.text() if witness_id is not None else None
                if witness_id is not None and not password:
                    raise InvalidInput(WITNESS_PASSWORD, "The witness types their own password "
                                       "(or choose no witness).")
                self.result_record = self.ops.run(lambda: mar_svc.give_dose(
                    self.ctx, self.patient.id, due, note=note, witness_id=witness_id,
                    witness_password=password))
            else:
                reason = Reason(self.reason.currentData())
                self.result_record = self.ops.run(lambda: mar_svc.omit_dose(
                    self.ctx, self.patient.id, due, reason, note=note,
                    held=self.held.isChecked()))
        except WardError as exc:
            self.password.clear()  # never keep a password around after a refusal
            show_error(self.error, about_witness_password(exc), self.fields)
            return
        self.password.clear()
        self.accept()


class CorrectRecordDialog(QDialog):
    """Mark a record entered in error, with the reason; the original stays in the history."""

    def __init__(self, ctx: Context, entry: MarEntry, parent=None, *, ops: Ops | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.ops = runner(ctx, ops, self)
        self.entry = entry
        self.result_record: Recorded | None = None
        due = entry.due.astimezone(ctx.zone).strftime("%d %b %H:%M")
        self.setWindowTitle("Mark entered in error")
        info = QLabel(f"Record {entry.id}: dose due {due} recorded as "
                      f"<b>{entry.state.value.replace('_', ' ')}</b> by {entry.by}.<br>It stays in "
                      "the history, struck through; the dose opens again for recording.", self)
        info.setWordWrap(True)
        self.reason = QLineEdit(self)
        self.reason.setAccessibleName("Why the record is wrong")
        self.reason.setPlaceholderText("e.g. recorded against the wrong patient")
        self.error = problem_label(self, "correctError")
        buttons, _ok = accept_cancel(self, "&Mark entered in error", self.submit)
        form = QFormLayout()
        form.addRow("&Reason:", self.reason)
        layout = QVBoxLayout(self)
        layout.addWidget(info)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)

    def submit(self) -> None:
        try:
            assert self.entry.id is not None
            record_id = self.entry.id
            self.result_record = self.ops.run(
                lambda: mar_svc.correct_record(self.ctx, record_id, self.reason.text()))
        except WardError as exc:
            show_error(self.error, exc, {"reason": self.reason})
            return
        self.accept()
