"""The taper dialog on a patient's chart: parameters, a live day-by-day preview, the taper sheet
shown inside the app with Print and Save as PDF, and Apply (the plan becomes the patient's future
order versions). The PDF is rendered off the GUI thread from a snapshot."""

from __future__ import annotations

from datetime import date, timedelta

from PySide6.QtCore import QAbstractTableModel, QDate, Qt, QTimer
from PySide6.QtGui import QFont, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ward_app.domain.errors import WardError
from ward_app.domain.patient import Patient
from ward_app.domain.taper import Form, TaperPlan, amount_text
from ward_app.gui.form_parts import clear_marks, show_error
from ward_app.gui.pdf_preview import PdfPreview
from ward_app.gui.worker import Job, run_in_background
from ward_app.reports.taper_sheet import taper_sheet_pdf
from ward_app.services import reports as report_svc
from ward_app.services import tapers as svc
from ward_app.services.context import Context


class PlanModel(QAbstractTableModel):
    """One row per day: day, date, each dose time (mg and how to give it), the day's total."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.plan: TaperPlan | None = None

    def set_plan(self, plan: TaperPlan | None) -> None:
        self.beginResetModel()
        self.plan = plan
        self.endResetModel()

    def rowCount(self, parent=None):
        if parent is not None and parent.isValid() or self.plan is None:
            return 0
        return len(self.plan.days)

    def columnCount(self, parent=None):
        if parent is not None and parent.isValid() or self.plan is None:
            return 0
        return 3 + len(self.plan.times)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if role != Qt.ItemDataRole.DisplayRole or orientation != Qt.Orientation.Horizontal:
            return None
        if self.plan is None:
            return None
        names = ["Day", "Date", *self.plan.times, "Total"]
        return names[section] if 0 <= section < len(names) else None

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if self.plan is None or not index.isValid() or index.row() >= len(self.plan.days):
            return None
        day = self.plan.days[index.row()]
        col = index.column()
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            if col == 0:
                return str(day.day)
            if col == 1:
                return day.date.strftime("%a %d %b %Y")
            if col == 2 + len(self.plan.times):
                return "No more baclofen" if day.daily_mg <= 0 else f"{day.daily_mg:g} mg"
            mg = day.doses[col - 2][1]
            return "—" if mg <= 0 else f"{mg:g} mg"
        if role == Qt.ItemDataRole.ToolTipRole and 2 <= col < 2 + len(self.plan.times):
            mg = day.doses[col - 2][1]
            return amount_text(mg, self.plan.form) if mg > 0 else None
        if role == Qt.ItemDataRole.FontRole:
            previous = self.plan.days[index.row() - 1] if index.row() else None
            if previous is None or previous.doses != day.doses:
                font = QFont()
                font.setBold(True)  # the day the doses change
                return font
        return None


class TaperDialog(QDialog):
    def __init__(self, ctx: Context, patient: Patient, parent=None):
        super().__init__(parent)
        self.ctx = ctx
        self.patient = patient
        self.current: svc.TaperPreview | None = None
        self.applied_id: int | None = None
        self._job: Job | None = None
        self._generation = 0
        self.setWindowTitle(f"Taper plan — {patient.name}")
        self.setAccessibleName("Taper plan")
        t = ctx.thresholds()
        today = ctx.now().astimezone(ctx.zone).date()
        self.printing = report_svc.printing(ctx)

        self.step = QDoubleSpinBox(self)
        self.step.setRange(1, 50)
        self.step.setDecimals(0)
        self.step.setSuffix(" mg")
        self.step.setValue(float(t["taper.step_mg"]))
        self.step.setAccessibleName("Step")
        self.step_kind = QComboBox(self)
        self.step_kind.addItem("mg each step", "mg")
        self.step_kind.addItem("% of the starting daily dose", "pct")
        self.step_kind.setAccessibleName("Step is in")
        self.every = QSpinBox(self)
        self.every.setRange(1, 28)
        self.every.setValue(int(t["taper.every_days"]))
        self.every.setSuffix(" days")
        self.every.setAccessibleName("Days between steps")
        self.start = QDateEdit(self)
        self.start.setCalendarPopup(True)
        self.start.setDisplayFormat("ddd dd MMM yyyy")
        tomorrow = today + timedelta(days=1)
        self.start.setDate(QDate(tomorrow.year, tomorrow.month, tomorrow.day))
        self.start.setAccessibleName("Start (day 1)")
        self.form = QComboBox(self)
        self.form.addItem("Tablets (5, 10, 20 mg)", "tablet")
        self.form.addItem("Oral solution (5 mg/5 mL)", "solution")
        self.form.setCurrentIndex(max(0, self.form.findData(patient.oral_form)))
        self.form.setAccessibleName("Form")
        self.prescriber = QLineEdit(self)
        self.prescriber.setPlaceholderText("Prescriber's name (printed on the sheet)")
        self.prescriber.setAccessibleName("Prescriber")
        step_row = QHBoxLayout()
        step_row.addWidget(self.step)
        step_row.addWidget(self.step_kind, 1)
        form = QFormLayout()
        step_label = QLabel("Reduce &by:", self)
        step_label.setBuddy(self.step)
        form.addRow(step_label, step_row)
        form.addRow("&Every:", self.every)
        form.addRow("Start (day &1):", self.start)
        form.addRow("&Form:", self.form)
        form.addRow("&Prescriber:", self.prescriber)

        self.summary = QLabel(self)
        self.summary.setObjectName("taperSummary")
        self.summary.setWordWrap(True)
        self.error = QLabel(self)
        self.error.setObjectName("taperError")
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #9b1c1c; font-weight: bold;")
        self.error.hide()
        self.model = PlanModel(self)
        self.table = QTableView(self)
        self.table.setObjectName("taperPreview")
        self.table.setAccessibleName("Taper plan, day by day")
        self.table.setModel(self.model)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.pdf = PdfPreview(self, empty_text="The taper sheet appears here.")

        self.print_button = QPushButton("&Print…", self)
        self.print_button.clicked.connect(lambda: self.pdf.print_with_dialog(self))
        QShortcut(QKeySequence(QKeySequence.StandardKey.Print), self,
                  lambda: self.pdf.print_with_dialog(self))
        self.save_button = QPushButton("Save as P&DF…", self)
        self.save_button.clicked.connect(self.save_pdf)
        self.apply_button = QPushButton("&Apply taper", self)
        self.apply_button.setToolTip("Turn the plan into the patient's future order versions")
        self.apply_button.clicked.connect(self.apply)
        close = QPushButton("Close", self)
        close.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addWidget(self.print_button)
        buttons.addWidget(self.save_button)
        buttons.addStretch(1)
        buttons.addWidget(self.apply_button)
        buttons.addWidget(close)

        left = QWidget(self)
        left_layout = QVBoxLayout(left)
        left_layout.addWidget(QLabel(f"<b>Bed {patient.bed} · {patient.name}</b> "
                                     f"(MRN {patient.mrn})", left))
        left_layout.addLayout(form)
        left_layout.addWidget(self.summary)
        left_layout.addWidget(self.error)
        left_layout.addWidget(self.table, 1)
        split = QSplitter(Qt.Orientation.Horizontal, self)
        split.addWidget(left)
        split.addWidget(self.pdf)
        split.setStretchFactor(0, 1)
        split.setStretchFactor(1, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(split, 1)
        layout.addLayout(buttons)
        self.resize(1300, 820)

        self._pdf_timer = QTimer(self)
        self._pdf_timer.setSingleShot(True)
        self._pdf_timer.setInterval(300)
        self._pdf_timer.timeout.connect(self.render_pdf)
        for widget in (self.step, self.every):
            widget.valueChanged.connect(self.update_plan)
        for combo in (self.step_kind, self.form):
            combo.currentIndexChanged.connect(self.update_plan)
        self.start.dateChanged.connect(self.update_plan)
        self.prescriber.textChanged.connect(lambda _text: self._pdf_timer.start())
        self.update_plan()

    def done(self, result: int) -> None:
        self._pdf_timer.stop()  # no sheet is made for a closed dialog
        self._generation += 1
        super().done(result)

    def params(self) -> svc.TaperParams:
        pct = self.step_kind.currentData() == "pct"
        start: date = self.start.date().toPython()  # type: ignore[assignment]
        return svc.TaperParams(
            patient_id=self.patient.id, step_mg=None if pct else self.step.value(),
            step_pct=self.step.value() if pct else None, every_days=self.every.value(),
            start=start, form=Form(self.form.currentData()))

    def _fields(self) -> dict[str, QWidget]:
        """Which widget shows each field a refusal can name."""
        return {"step-mg": self.step, "step-pct": self.step, "every-days": self.every,
                "start": self.start, "form": self.form, "prescriber": self.prescriber}

    def update_plan(self) -> None:
        if self.applied_id is not None:
            return
        self.step.setSuffix(" %" if self.step_kind.currentData() == "pct" else " mg")
        try:
            self.current = svc.preview(self.ctx, self.params())
        except WardError as exc:
            self.current = None
            self.model.set_plan(None)
            self.summary.setText("")
            show_error(self.error, exc, self._fields(), focus=False)
            self.pdf.set_pdf(b"")
            self._sync_buttons()
            return
        self.error.hide()
        clear_marks(self._fields())
        plan = self.current.plan
        self.model.set_plan(plan)
        notes = "".join(f"<br>⚠ {n}" for n in plan.notes)
        self.summary.setText(
            f"From <b>{self.current.order.describe()}</b>: {plan.step_mg:g} mg every "
            f"{plan.every_days} days; last dose {plan.days[-2].date:%a %d %b}; <b>no baclofen from "
            f"{plan.end_date:%a %d %b %Y}</b> ({plan.length_days} days).{notes}")
        self._sync_buttons()
        self._pdf_timer.start()

    def _sync_buttons(self) -> None:
        ready = self.current is not None
        self.apply_button.setEnabled(ready and self.applied_id is None)
        self.print_button.setEnabled(ready)
        self.save_button.setEnabled(ready)

    def render_pdf(self) -> None:
        """Take the snapshot here (GUI thread, database) and render it on a worker."""
        if self.current is None:
            return
        sheet = report_svc.taper_sheet(self.ctx, self.current,
                                       self.prescriber.text().strip() or "(not yet prescribed)",
                                       self.printing)
        self._generation += 1
        generation = self._generation

        def done(data: bytes) -> None:
            if generation == self._generation:  # a newer plan may have been asked for since
                self.pdf.set_pdf(data)

        def failed(exc: BaseException) -> None:
            self.error.setText(f"⚠ The taper sheet could not be made ({type(exc).__name__}); this "
                               "is a bug, please report it.")
            self.error.show()

        self._job = run_in_background(self, lambda: taper_sheet_pdf(sheet), done, failed)

    def save_pdf(self) -> None:
        if self.current is None:
            return
        name = f"taper-{self.patient.mrn}-{self.current.plan.start:%Y%m%d}.pdf"
        self.pdf.save_with_dialog(self, name)

    def apply(self) -> None:
        if self.current is None:
            return
        prescriber = self.prescriber.text().strip()
        if not prescriber:
            self.error.setText("⚠ Name the prescriber who decided the taper before applying it.")
            self.error.show()
            self.prescriber.setFocus()
            return
        plan = self.current.plan
        answer = QMessageBox.question(
            self, "Apply taper",
            f"Apply this taper for {self.patient.name}? From {plan.start:%d %b %Y} the medication "
            f"record follows the plan; no baclofen from {plan.end_date:%d %b %Y}.")
        if answer != QMessageBox.StandardButton.Yes:
            return
        try:
            _p, self.applied_id = svc.apply(self.ctx, self.params(), prescriber)
        except WardError as exc:
            show_error(self.error, exc, self._fields())
            return
        self.summary.setText(self.summary.text() + "<br><b>Applied.</b> Print the sheet for the "
                             "drug chart and the patient.")
        for widget in (self.step, self.step_kind, self.every, self.start, self.form):
            widget.setEnabled(False)  # the applied plan is what the sheet shows
        self._sync_buttons()
        self.render_pdf()
