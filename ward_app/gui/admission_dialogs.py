"""Admitting, moving and discharging patients (the charge nurse), and reading a discharged
patient's record: the *Patient* menu of the main window, the chart's *Move bed…* and
*Discharge…* buttons, and the read-only state of a discharged patient's chart (clinical-rules
§11). Every write goes through the window's runner; a refusal is shown in the dialog, with
nothing typed lost. Each dialog is a short form that fits a 1280×800 screen."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ward_app.domain.clock import parse_date
from ward_app.domain.errors import InvalidInput, WardError
from ward_app.domain.patient import FLAG_LABELS, Flag, Patient
from ward_app.domain.roles import Action
from ward_app.gui.form_parts import accept_cancel, problem_label, show_error
from ward_app.gui.ops import Ops, runner
from ward_app.gui.permissions import allow
from ward_app.gui.session import audit_read
from ward_app.services import admissions
from ward_app.services import patients as pts
from ward_app.services.board import BoardRow, bed_key, chart_overview
from ward_app.services.context import Context

_DMY = re.compile(r"^\s*(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})\s*$")


def typed_date(text: str, field: str) -> date:
    """A date as a ward types it: DD/MM/YYYY (also with '.' or '-'), or YYYY-MM-DD."""
    if not text.strip():
        raise InvalidInput(field, "Give the date of birth (DD/MM/YYYY).")
    match = _DMY.match(text)
    if match is None:
        return parse_date(text, field)
    day, month, year = (int(g) for g in match.groups())
    try:
        return parse_date(date(year, month, day).isoformat(), field)
    except ValueError:
        raise InvalidInput(field, f"'{text.strip()}' is not a date: use DD/MM/YYYY.") from None


#: Where patients usually go, offered in the discharge dialog (any other text may be typed).
DESTINATIONS = ("home", "another ward", "another hospital", "rehabilitation unit", "care home",
                "hospice")


def _heading(patient: Patient) -> str:
    return f"<b>Bed {patient.bed} · {patient.name}</b> (MRN {patient.mrn})"


class AdmitDialog(QDialog):
    """Admit a patient to a bed: MRN, name, date of birth, bed, and what changes their alerts
    (weight, spinal injury level, safety flags). ``admitted`` is the patient once saved."""

    def __init__(self, ctx: Context, parent=None, *, ops: Ops | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.ops = runner(ctx, ops, self)
        self.admitted: Patient | None = None
        self.setWindowTitle("Admit patient")
        self.setAccessibleName("Admit patient")
        self.mrn = QLineEdit(self)
        self.mrn.setAccessibleName("MRN")
        self.mrn.setPlaceholderText("from the wristband, e.g. RX123456")
        self.name = QLineEdit(self)
        self.name.setAccessibleName("Name")
        self.name.setPlaceholderText("full name as it should print")
        # typed, with no default: a date left unchanged would admit a patient with a made-up age
        self.dob = QLineEdit(self)
        self.dob.setAccessibleName("Date of birth")
        self.dob.setPlaceholderText("DD/MM/YYYY, e.g. 02/04/1998")
        self.bed = QLineEdit(self)
        self.bed.setAccessibleName("Bed")
        self.bed.setPlaceholderText("e.g. 12 or SR 2")
        self.weight = QDoubleSpinBox(self)
        self.weight.setRange(0, 400)
        self.weight.setDecimals(1)
        self.weight.setSuffix(" kg")
        self.weight.setSpecialValueText("— not weighed —")
        self.weight.setAccessibleName("Weight")
        self.sci = QLineEdit(self)
        self.sci.setAccessibleName("Spinal cord injury level")
        self.sci.setPlaceholderText("e.g. T4 or C6 (blank: none)")
        form = QFormLayout()
        form.addRow("&MRN:", self.mrn)
        form.addRow("&Name:", self.name)
        form.addRow("Date of &birth:", self.dob)
        form.addRow("B&ed:", self.bed)
        form.addRow("&Weight:", self.weight)
        form.addRow("Spinal injury &level:", self.sci)
        flags = QGroupBox("Safety flags", self)
        grid = QGridLayout(flags)
        self.flag_boxes: dict[Flag, QCheckBox] = {}
        for i, flag in enumerate(Flag):
            box = QCheckBox(FLAG_LABELS.get(flag, flag.value), flags)
            box.setAccessibleName(f"Flag: {FLAG_LABELS.get(flag, flag.value)}")
            self.flag_boxes[flag] = box
            grid.addWidget(box, i // 2, i % 2)
        self.error = problem_label(self, "admitError")
        self.buttons, self.save_button = accept_cancel(self, "&Admit", self.save)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(flags)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self.fields = {"mrn": self.mrn, "name": self.name, "dob": self.dob, "bed": self.bed,
                       "weight-kg": self.weight, "sci-level": self.sci, "ward": self.bed}
        allow(ctx, self.save_button, Action.EDIT_PATIENT)

    def save(self) -> None:
        try:
            born = typed_date(self.dob.text(), "dob")
        except InvalidInput as exc:
            show_error(self.error, exc, self.fields)
            return
        new = pts.NewPatient(
            mrn=self.mrn.text(), name=self.name.text(), dob=born, bed=self.bed.text(),
            weight_kg=self.weight.value() or None, sci_level=self.sci.text().strip() or None,
            flags=tuple(f for f, box in self.flag_boxes.items() if box.isChecked()))
        try:
            self.admitted = self.ops.run(lambda: pts.add_patient(self.ctx, new))
        except WardError as exc:
            show_error(self.error, exc, self.fields)
            return
        self.accept()


class TransferDialog(QDialog):
    """Move a patient to another bed on the ward. ``moved`` is the patient once saved."""

    def __init__(self, ctx: Context, patient: Patient, parent=None, *, ops: Ops | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.ops = runner(ctx, ops, self)
        self.patient = patient
        self.moved: Patient | None = None
        self.setWindowTitle(f"Move bed — {patient.name}")
        self.setAccessibleName("Move bed")
        taken = sorted((p.bed for p in pts.list_patients(ctx) if p.ward == patient.ward
                        and p.id != patient.id), key=bed_key)
        self.bed = QLineEdit(self)
        self.bed.setAccessibleName("New bed")
        self.bed.setPlaceholderText("e.g. 12 or SR 2")
        in_use = QLabel(f"Beds in use on {patient.ward}: {', '.join(taken) or 'none'}", self)
        in_use.setWordWrap(True)
        form = QFormLayout()
        form.addRow("Now in bed:", QLabel(patient.bed, self))
        form.addRow("Move to &bed:", self.bed)
        self.error = problem_label(self, "transferError")
        self.buttons, self.save_button = accept_cancel(self, "&Move", self.save)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(_heading(patient), self))
        layout.addLayout(form)
        layout.addWidget(in_use)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(420)
        allow(ctx, self.save_button, Action.EDIT_PATIENT)

    def save(self) -> None:
        try:
            self.moved = self.ops.run(
                lambda: admissions.transfer(self.ctx, self.patient.id, self.bed.text()))
        except WardError as exc:
            show_error(self.error, exc, {"bed": self.bed})
            return
        self.accept()


class DischargeDialog(QDialog):
    """Discharge a patient now: where they go, and first what is still open for them (active
    alerts, doses with no record, a pump to hand on). ``discharged`` is the patient once saved."""

    def __init__(self, ctx: Context, patient: Patient, parent=None, *, ops: Ops | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.ops = runner(ctx, ops, self)
        self.patient = patient
        self.discharged: Patient | None = None
        self.setWindowTitle(f"Discharge — {patient.name}")
        self.setAccessibleName("Discharge patient")
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(_heading(patient), self))
        try:
            notes = admissions.discharge_check(ctx, patient.id).notes()
        except WardError as exc:
            notes = [str(exc)]
        self.notes = QLabel("<br>".join(f"⚠ {n}" for n in notes) if notes else
                            "Nothing is still open for this patient.", self)
        self.notes.setObjectName("dischargeNotes")
        self.notes.setWordWrap(True)
        self.notes.setAccessibleName("Still open before discharge")
        layout.addWidget(self.notes)
        self.to = QComboBox(self)
        self.to.setEditable(True)
        self.to.addItems(DESTINATIONS)
        self.to.setCurrentIndex(-1)
        self.to.setAccessibleName("Discharged to")
        line = self.to.lineEdit()
        if line is not None:
            line.setPlaceholderText("where the patient goes (may be left blank)")
            line.setMaxLength(admissions.DESTINATION_LONGEST)
        form = QFormLayout()
        form.addRow("Discharged &to:", self.to)
        moment = ctx.now().astimezone(ctx.zone)
        form.addRow("At:", QLabel(f"{moment:%d %b %Y %H:%M}", self))
        layout.addLayout(form)
        warning = QLabel("Once discharged the patient leaves the board and their alerts stop "
                         "showing; their record stays and can be read, but nothing more can be "
                         "recorded for them.", self)
        warning.setWordWrap(True)
        layout.addWidget(warning)
        self.error = problem_label(self, "dischargeError")
        layout.addWidget(self.error)
        self.buttons, self.save_button = accept_cancel(self, "&Discharge", self.save)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(480)
        self.setMaximumWidth(720)
        allow(ctx, self.save_button, Action.EDIT_PATIENT)

    def save(self) -> None:
        where = self.to.currentText()
        try:
            self.discharged = self.ops.run(
                lambda: admissions.discharge(self.ctx, self.patient.id, where))
        except WardError as exc:
            show_error(self.error, exc, {"to": self.to})
            return
        self.accept()


class DischargedDialog(QDialog):
    """Discharged patients, the most recent first: Enter (or *Open record*) opens the chosen
    patient's chart, read-only."""

    def __init__(self, ctx: Context, open_record: Callable[[int], object], parent=None):
        super().__init__(parent)
        self.ctx = ctx
        self.open_record = open_record
        self.setWindowTitle("Discharged patients")
        self.setAccessibleName("Discharged patients")
        self.list = QListWidget(self)
        self.list.setAccessibleName("Discharged patients, most recent first")
        self.list.setWordWrap(True)
        gone = admissions.discharged_patients(ctx)
        audit_read(ctx, "patients", detail={"discharged": len(gone)}, near=parent)
        for p in gone:
            text = f"{p.name} (MRN {p.mrn}), was in bed {p.bed}\n{p.discharge_text(ctx.zone)}"
            item = QListWidgetItem(text)
            item.setToolTip(text)
            item.setData(Qt.ItemDataRole.UserRole, p.id)
            self.list.addItem(item)
        if self.list.count():
            self.list.setCurrentRow(0)
        self.list.itemActivated.connect(lambda _item: self._open())
        buttons = QDialogButtonBox(self)
        self.open_button = buttons.addButton("&Open record", QDialogButtonBox.ButtonRole.AcceptRole)
        self.open_button.setEnabled(self.list.count() > 0)
        buttons.addButton(QDialogButtonBox.StandardButton.Close)
        buttons.accepted.connect(self._open)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Their records can be read, not changed." if self.list.count()
                                else "No patient has been discharged from this ward.", self))
        layout.addWidget(self.list, 1)
        layout.addWidget(buttons)
        self.resize(640, 420)

    def _open(self) -> None:
        item = self.list.currentItem()
        if item is None:
            return
        self.open_record(int(item.data(Qt.ItemDataRole.UserRole)))
        self.accept()


def _refresh_due_now(window: QWidget | None) -> None:
    """The window's Due now list, if open, without a patient who moved bed or left."""
    due = getattr(window, "due_dialog", None)
    if due is not None and due.isVisible():
        due.refresh()


def discharged_row(ctx: Context, patient_id: int) -> BoardRow | None:
    """The row a discharged patient's chart opens with (as they stood at discharge); None for
    a patient on the board or not on record."""
    try:
        patient = pts.patient_by_id(ctx, patient_id)
        if not patient.discharged:
            return None
        return chart_overview(ctx, patient_id).row_for(patient_id)
    except WardError:
        return None


class PatientMenu:
    """The main window's *Patient* menu: admit, move bed and discharge (the board's selected
    patient), and the discharged patients' records."""

    def __init__(self, window: Any, before: QAction | None = None):
        """``window``: the main window (not imported here: it imports this module)."""
        self.window = window
        self.menu = QMenu("&Patient", window.menuBar())
        self.menu.setObjectName("patientMenu")
        if before is None:
            window.menuBar().addMenu(self.menu)
        else:  # before the Help menu
            window.menuBar().insertMenu(before, self.menu)
        self.admit_action = self._action("&Admit patient…", "Ctrl+Shift+N", self.admit,
                                         "Admit a new patient to a free bed")
        self.transfer_action = self._action("&Move to another bed…", "Ctrl+Shift+B",
                                            self.transfer, "Move the selected patient to another "
                                            "bed")
        self.discharge_action = self._action("&Discharge…", "Ctrl+Shift+D", self.discharge,
                                             "Discharge the selected patient: they leave the "
                                             "board; their record stays, read-only")
        self.menu.addSeparator()
        self.discharged_action = self._action("Discharged &patients…", "Ctrl+Shift+R",
                                              self.show_discharged, "Read the record of a "
                                              "patient who has left the ward")

    def _action(self, text: str, keys: str, slot: Callable[[], object], tip: str) -> QAction:
        action = QAction(text, self.window)
        action.setShortcut(QKeySequence(keys))
        action.setToolTip(tip)
        action.setStatusTip(tip)
        action.triggered.connect(slot)
        self.menu.addAction(action)
        return action

    def apply_permissions(self) -> None:
        ctx = self.window.ctx
        for action in (self.admit_action, self.transfer_action, self.discharge_action):
            allow(ctx, action, Action.EDIT_PATIENT, tip=action.toolTip())
        allow(ctx, self.discharged_action, Action.READ, tip=self.discharged_action.toolTip())

    def _selected(self) -> Patient | None:
        board = self.window.board
        index = board.table.currentIndex()
        if not index.isValid():
            QMessageBox.information(self.window, "Select a patient",
                                    "Select a patient on the board first.")
            return None
        row = board.model.row_at(board.proxy.mapToSource(index).row())
        try:
            return pts.patient_by_id(self.window.ctx, row.patient_id)
        except WardError as exc:
            QMessageBox.warning(self.window, "Patient not found", str(exc))
            return None

    def admit(self) -> AdmitDialog:
        dialog = AdmitDialog(self.window.ctx, self.window, ops=self.window.ops)
        dialog.exec()
        return dialog

    def transfer(self) -> None:
        patient = self._selected()
        if patient is not None:
            TransferDialog(self.window.ctx, patient, self.window, ops=self.window.ops).exec()
            self._refresh_chart(patient.id)

    def discharge(self) -> None:
        patient = self._selected()
        if patient is not None:
            DischargeDialog(self.window.ctx, patient, self.window, ops=self.window.ops).exec()
            self._refresh_chart(patient.id)

    def _refresh_chart(self, patient_id: int) -> None:
        """An open chart of the patient shows the new bed, or that they were discharged (the
        window's refresh leaves out a patient no longer on the board); so does Due now."""
        chart = self.window.charts.get(patient_id)
        if chart is not None and chart.isVisible():
            chart.refresh()
        _refresh_due_now(self.window)

    def show_discharged(self) -> DischargedDialog:
        dialog = DischargedDialog(self.window.ctx, self.window.open_chart, self.window)
        dialog.exec()
        return dialog


class ChartMoves:
    """A chart's *Move bed…* and *Discharge…* buttons, and its read-only state once the patient
    is discharged: a banner saying when and where to, and every recording button and action
    disabled (a button with the property ``read_only_ok`` set stays enabled: reading, printing)."""

    def __init__(self, chart: Any):
        """``chart``: the patient chart (not imported here: it imports this module)."""
        self.chart = chart
        self.banner = QLabel(chart)
        self.banner.setObjectName("dischargedBanner")
        self.banner.setAccessibleName("Discharged")
        self.banner.setWordWrap(True)
        self.banner.setStyleSheet("QLabel#dischargedBanner { background: #e8e8e8; color: #000000; "
                                  "font-weight: bold; padding: 4px; border: 1px solid #777777; }")
        self.banner.hide()
        self.transfer_button = QPushButton("Move &bed…", chart)
        self.transfer_button.setToolTip("Move this patient to another bed on the ward")
        self.transfer_button.clicked.connect(self.transfer)
        self.discharge_button = QPushButton("Dischar&ge…", chart)
        self.discharge_button.setToolTip("Discharge this patient: they leave the board; their "
                                         "record stays, read-only")
        self.discharge_button.clicked.connect(self.discharge)
        reprint = getattr(chart, "reprint_button", None)  # reading a sheet again records nothing
        if reprint is not None:
            reprint.setProperty("read_only_ok", True)

    def transfer(self) -> None:
        chart = self.chart
        dialog = TransferDialog(chart.ctx, chart.patient, chart, ops=chart.ops)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            chart.refresh()
            chart.setWindowTitle(f"{chart.row.name} — bed {chart.row.bed} — chart")
            _refresh_due_now(chart.parentWidget())

    def discharge(self) -> None:
        chart = self.chart
        dialog = DischargeDialog(chart.ctx, chart.patient, chart, ops=chart.ops)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            chart.refresh()
            _refresh_due_now(chart.parentWidget())

    def apply(self) -> None:
        """After the chart's own permissions: the move buttons by role; and for a discharged
        patient, the banner and everything that records disabled, saying why."""
        chart = self.chart
        for button in (self.transfer_button, self.discharge_button):
            allow(chart.ctx, button, Action.EDIT_PATIENT)
        reason = chart.patient.read_only_reason(chart.ctx.zone)
        self.banner.setVisible(reason is not None)
        if reason is None:
            return
        self.banner.setText(f"{chart.patient.discharge_text(chart.ctx.zone)}. This record is "
                            "read-only.")
        chart.setWindowTitle(f"{chart.patient.name} — discharged — chart")
        for button in chart.findChildren(QPushButton):
            if not button.property("read_only_ok"):
                button.setEnabled(False)
                button.setToolTip(reason)
        for action in chart.actions():
            if action.text() not in ("Close", "Refresh"):
                action.setEnabled(False)


__all__ = ["DESTINATIONS", "AdmitDialog", "ChartMoves", "DischargeDialog", "DischargedDialog",
           "PatientMenu", "TransferDialog", "discharged_row"]
