"""Edit what changes a patient's alerts: safety flags, spinal injury level, planned surgery, renal
result and co-medications. Every change goes through the services (audited, one transaction)."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
)

from ward_app.domain.drugs import classes_of
from ward_app.domain.errors import WardError
from ward_app.domain.patient import FLAG_LABELS, Flag, Patient
from ward_app.domain.roles import Action
from ward_app.gui.form_parts import problem_label, show_error, show_problem
from ward_app.gui.ops import Ops, runner
from ward_app.gui.permissions import allow
from ward_app.services import patients as svc
from ward_app.services.context import Context


class PatientDetailsDialog(QDialog):
    """Flags and co-medications; ``changed`` is True once anything was saved."""

    def __init__(self, ctx: Context, patient: Patient, parent=None, *, ops: Ops | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.ops = runner(ctx, ops, self)
        self.patient = patient
        self.changed = False
        self.setWindowTitle(f"Flags and medicines — {patient.name}")
        self.setAccessibleName("Flags and medicines")

        flags_box = QGroupBox("Safety flags", self)
        grid = QGridLayout(flags_box)
        self.flag_boxes: dict[Flag, QCheckBox] = {}
        for i, flag in enumerate(Flag):
            box = QCheckBox(FLAG_LABELS.get(flag, flag.value), flags_box)
            box.setAccessibleName(f"Flag: {FLAG_LABELS.get(flag, flag.value)}")
            box.setChecked(flag in patient.flags)
            self.flag_boxes[flag] = box
            grid.addWidget(box, i // 2, i % 2)

        other = QGroupBox("Injury, surgery and kidneys", self)
        form = QFormLayout(other)
        self.sci = QLineEdit(patient.sci_level or "", other)
        self.sci.setAccessibleName("Spinal cord injury level")
        self.sci.setPlaceholderText("e.g. T4 or C6 (blank: none)")
        self.surgery_on = QCheckBox("Surgery planned on", other)
        self.surgery = QDateEdit(other)
        self.surgery.setCalendarPopup(True)
        self.surgery.setDisplayFormat("dd MMM yyyy")
        self.surgery.setAccessibleName("Planned surgery date")
        today = ctx.now().astimezone(ctx.zone).date()
        when = patient.surgery_date or today
        self.surgery.setDate(QDate(when.year, when.month, when.day))
        self.surgery_on.setChecked(patient.surgery_date is not None)
        surgery_row = QHBoxLayout()
        surgery_row.addWidget(self.surgery_on)
        surgery_row.addWidget(self.surgery, 1)
        lab = svc.latest_lab(ctx, patient)
        shown = ("none recorded" if lab is None else
                 f"{'on dialysis' if lab.dialysis else ''}"
                 f"{', ' if lab.dialysis and lab.egfr is not None else ''}"
                 f"{'' if lab.egfr is None else f'eGFR {lab.egfr:g}'} "
                 f"({lab.taken_at.astimezone(ctx.zone):%d %b %Y})")
        self.egfr = QDoubleSpinBox(other)
        self.egfr.setRange(-1, 200)
        self.egfr.setSpecialValueText("— no new result —")
        self.egfr.setValue(-1)
        self.egfr.setDecimals(0)
        self.egfr.setSuffix(" mL/min/1.73m²")
        self.egfr.setAccessibleName("New eGFR result")
        self.dialysis = QCheckBox("On &dialysis", other)
        form.addRow("Spinal injury &level:", self.sci)
        form.addRow(surgery_row)
        form.addRow("Latest renal result:", QLabel(shown, other))
        form.addRow("New e&GFR:", self.egfr)
        form.addRow(self.dialysis)

        meds = QGroupBox("Co-medications (interactions are flagged)", self)
        meds_layout = QVBoxLayout(meds)
        self.meds = QListWidget(meds)
        self.meds.setAccessibleName("Current co-medications")
        self.new_drug = QLineEdit(meds)
        self.new_drug.setAccessibleName("Co-medication to add")
        self.new_drug.setPlaceholderText("Generic or brand name, e.g. Oxycodone")
        self.new_drug.returnPressed.connect(self.add_drug)
        add = QPushButton("&Add", meds)
        add.clicked.connect(self.add_drug)
        self.stop_button = QPushButton("S&top selected", meds)
        self.stop_button.clicked.connect(self.stop_drug)
        row = QHBoxLayout()
        row.addWidget(self.new_drug, 1)
        row.addWidget(add)
        row.addWidget(self.stop_button)
        meds_layout.addWidget(self.meds)
        meds_layout.addLayout(row)

        self.error = problem_label(self, "detailsError")
        buttons = QDialogButtonBox(self)
        save = buttons.addButton("&Save flags and results", QDialogButtonBox.ButtonRole.AcceptRole)
        save.setDefault(False)
        save.setAutoDefault(False)
        buttons.addButton(QDialogButtonBox.StandardButton.Close)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)

        self.setMinimumWidth(560)
        self.may_edit = allow(ctx, flags_box, Action.EDIT_PATIENT)
        allow(ctx, self.sci, Action.EDIT_PATIENT)
        allow(ctx, self.surgery_on, Action.EDIT_PATIENT)
        allow(ctx, self.surgery, Action.EDIT_PATIENT)
        self.may_lab = allow(ctx, self.egfr, Action.ADD_LAB)
        allow(ctx, self.dialysis, Action.ADD_LAB)
        for w in (self.new_drug, add, self.stop_button):
            allow(ctx, w, Action.COMED)
        allow(ctx, save, Action.EDIT_PATIENT, Action.ADD_LAB)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(f"<b>Bed {patient.bed} · {patient.name}</b> (MRN {patient.mrn})",
                                self))
        layout.addWidget(flags_box)
        layout.addWidget(other)
        layout.addWidget(meds, 1)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.reload_meds()

    def show_problem(self, message: str) -> None:
        show_problem(self.error, message)

    def reload_meds(self) -> None:
        self.meds.clear()
        for drug in svc.comedications(self.ctx, self.patient.id):
            classes = classes_of(drug)
            text = drug + (f"  — {', '.join(c.label for c in classes)}" if classes else "")
            item = QListWidgetItem(text)
            item.setData(Qt.ItemDataRole.UserRole, drug)
            self.meds.addItem(item)
        self.stop_button.setEnabled(self.meds.count() > 0 and self.ctx.can(Action.COMED))

    def add_drug(self) -> None:
        try:
            drug = self.new_drug.text()
            self.ops.run(lambda: svc.add_comedication(self.ctx, self.patient.id, drug))
        except WardError as exc:
            show_error(self.error, exc, {"drug": self.new_drug})
            return
        self.error.hide()
        self.changed = True
        self.new_drug.clear()
        self.reload_meds()

    def stop_drug(self) -> None:
        item = self.meds.currentItem()
        if item is None:
            self.show_problem("Select the co-medication to stop first.")
            return
        try:
            drug = item.data(Qt.ItemDataRole.UserRole)
            self.ops.run(lambda: svc.stop_comedication(self.ctx, self.patient.id, drug))
        except WardError as exc:
            show_error(self.error, exc, {"drug": self.meds})
            return
        self.error.hide()
        self.changed = True
        self.reload_meds()

    def save(self) -> None:
        """Save flag, injury, surgery and renal changes; stay open on a refusal."""
        wanted = {f for f, box in self.flag_boxes.items() if box.isChecked()}
        adding = sorted(f.value for f in wanted - self.patient.flags)
        clearing = sorted(f.value for f in self.patient.flags - wanted)
        sci = self.sci.text().strip()
        surgery: date | None = self.surgery.date().toPython() if self.surgery_on.isChecked() \
            else None  # type: ignore[assignment]
        egfr = None if self.egfr.value() < 0 else self.egfr.value()
        try:
            self.ops.run(lambda: self._save(adding, clearing, sci, surgery, egfr))
        except WardError as exc:
            show_error(self.error, exc, {"egfr": self.egfr, "sci-level": self.sci,
                                         "surgery-date": self.surgery})
            return
        self.accept()

    def _save(self, adding: list[str], clearing: list[str], sci: str, surgery: date | None,
              egfr: float | None) -> None:
        """The details' writes, run as one operation (one refresh of the window)."""
        if not self.may_edit:
            adding = clearing = []
            sci, surgery = "", None
        if not self.may_lab:
            egfr = None
            self.dialysis.setChecked(False)
        if adding or clearing or (sci and sci != (self.patient.sci_level or "")) or (
                surgery is not None and surgery != self.patient.surgery_date):
            self.patient = svc.set_patient(self.ctx, self.patient.id, svc.PatientChanges(
                set_flags=tuple(Flag(f) for f in adding),
                clear_flags=tuple(Flag(f) for f in clearing),
                sci_level=sci if sci and sci != (self.patient.sci_level or "") else None,
                surgery_date=surgery if surgery != self.patient.surgery_date else None))
            self.changed = True
        if egfr is not None or self.dialysis.isChecked():
            svc.add_lab(self.ctx, self.patient.id, egfr=egfr, dialysis=self.dialysis.isChecked())
            self.changed = True
