"""The taper dialog on a patient's chart: parameters, a live day-by-day preview, the taper sheet
shown inside the app with Print and Save as PDF, and Apply (the plan becomes the patient's future
order versions); and the applied taper's sheet again (Reprint sheet). The PDF is rendered off the
GUI thread from a snapshot. Both fit a 1280×800 screen: the parameters scroll, the buttons stay."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from PySide6.QtCore import QDate, Qt, QTimer
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from ward_app.domain.errors import WardError
from ward_app.domain.patient import Patient
from ward_app.domain.taper import Form, TaperDay, TaperPlan, amount_text
from ward_app.gui.form_parts import clear_marks, show_error
from ward_app.gui.ops import Ops, runner
from ward_app.gui.pdf_preview import PdfPreview, SheetButtons
from ward_app.gui.rows_model import Column, RowsModel, bold, for_all
from ward_app.gui.screen_fit import fit_to_screen
from ward_app.gui.session import audit_read
from ward_app.gui.tables import table_view
from ward_app.gui.worker import Job, run_in_background
from ward_app.reports.taper_sheet import taper_sheet_pdf
from ward_app.services import reports as report_svc
from ward_app.services import tapers as svc
from ward_app.services.context import Context


@dataclass(frozen=True)
class PlanDay:
    """A day of the plan, and whether its doses differ from the day before (shown in bold)."""

    day: TaperDay
    changes: bool


def plan_columns(plan: TaperPlan) -> list[Column[PlanDay]]:
    """Day, date, each dose time (mg, and how to give it as a tooltip), the day's total."""

    def dose(i: int) -> Column[PlanDay]:
        def text(r: PlanDay) -> str:
            mg = r.day.doses[i][1]
            return "—" if mg <= 0 else f"{mg:g} mg"

        def tooltip(r: PlanDay) -> str | None:
            mg = r.day.doses[i][1]
            return amount_text(mg, plan.form) if mg > 0 else None

        return Column(plan.times[i], text, tooltip=tooltip)

    return for_all([
        Column("Day", lambda r: str(r.day.day)),
        Column("Date", lambda r: r.day.date.strftime("%a %d %b %Y")),
        *(dose(i) for i in range(len(plan.times))),
        Column("Total", lambda r: "No more baclofen" if r.day.daily_mg <= 0 else f"{r.day.daily_mg:g} mg"),
    ], font=lambda r: bold() if r.changes else None)


class PlanModel(RowsModel[PlanDay]):
    """One row per day of the plan; the columns follow the plan's dose times."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__([], (), parent, key=lambda r: r.day.day)
        self.plan: TaperPlan | None = None

    def set_plan(self, plan: TaperPlan | None) -> None:
        self.plan = plan
        if plan is None:
            self.set_rows([], [])
            return
        days = plan.days
        rows = [PlanDay(d, i == 0 or days[i - 1].doses != d.doses) for i, d in enumerate(days)]
        self.set_rows(rows, plan_columns(plan))


class TaperDialog(QDialog):
    """``cancel_taper``: the chart's *Cancel taper* (reason, confirm), offered here when a taper
    is already planned; it returns whether the taper was cancelled."""

    def __init__(self, ctx: Context, patient: Patient, parent=None, *, ops: Ops | None = None,
                 cancel_taper: Callable[[], bool] | None = None):
        super().__init__(parent)
        self._cancel_taper = cancel_taper
        self.ctx = ctx
        self.ops = runner(ctx, ops, self)
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
        self.step.setValue(float(t.taper_step_mg))
        self.step.setAccessibleName("Step")
        self.step_kind = QComboBox(self)
        self.step_kind.addItem("mg each step", "mg")
        self.step_kind.addItem("% of the starting daily dose", "pct")
        self.step_kind.setAccessibleName("Step is in")
        self.every = QSpinBox(self)
        self.every.setRange(1, 28)
        self.every.setValue(int(t.taper_every_days))
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
        self.cancel_taper_button = QPushButton("Cancel the planned taper…", self)
        self.cancel_taper_button.setObjectName("taperCancelExisting")
        self.cancel_taper_button.setToolTip("As the chart's Cancel taper: give the reason, confirm; "
                                            "then plan the new one here")
        self.cancel_taper_button.clicked.connect(self.cancel_existing)
        self.cancel_taper_button.hide()
        self.model = PlanModel(self)
        self.table = table_view(self, self.model, name="taperPreview",
                                accessible_name="Taper plan, day by day", stretch_last=False)
        self.pdf = PdfPreview(self, empty_text="The taper sheet appears here.")

        self.apply_button = QPushButton("&Apply taper", self)
        self.apply_button.setToolTip("Turn the plan into the patient's future order versions")
        self.apply_button.clicked.connect(self.apply)
        sheet_buttons = SheetButtons(self, self.print_pdf, self.save_pdf, self.apply_button)
        self.print_button, self.save_button = sheet_buttons.print_button, sheet_buttons.save_button
        buttons = sheet_buttons.row

        left = QWidget(self)
        left_layout = QVBoxLayout(left)
        left_layout.addWidget(QLabel(f"<b>Bed {patient.bed} · {patient.name}</b> "
                                     f"(MRN {patient.mrn})", left))
        left_layout.addLayout(form)
        left_layout.addWidget(self.summary)
        left_layout.addWidget(self.error)
        left_layout.addWidget(self.cancel_taper_button)
        left_layout.addWidget(self.table, 1)
        self.table.setMinimumHeight(160)
        scroll = QScrollArea(self)  # on a short screen the parameters scroll; the buttons stay
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setWidget(left)
        split = QSplitter(Qt.Orientation.Horizontal, self)
        split.addWidget(scroll)
        split.addWidget(self.pdf)
        split.setStretchFactor(0, 1)
        split.setStretchFactor(1, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(split, 1)
        layout.addLayout(buttons)
        fit_to_screen(self, 1300, 820)

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
            # a taper already planned: offer the chart's Cancel taper, not the command line
            self.cancel_taper_button.setVisible(getattr(exc, "rule", "") == "taper.exists"
                                                and self._cancel_taper is not None)
            self.pdf.set_pdf(b"")
            self._sync_buttons()
            return
        self.error.hide()
        self.cancel_taper_button.hide()
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

    def print_pdf(self) -> None:
        if self.pdf.print_with_dialog(self):
            audit_read(self.ctx, "print", self.patient.id, {"sheet": "taper"}, near=self)

    def save_pdf(self) -> None:
        if self.current is None:
            return
        name = f"taper-{self.patient.mrn}-{self.current.plan.start:%Y%m%d}.pdf"
        saved = self.pdf.save_with_dialog(self, name)
        if saved is not None:
            audit_read(self.ctx, "print", self.patient.id, {"sheet": "taper", "saved": str(saved)},
                       near=self)

    def cancel_existing(self) -> None:
        if self._cancel_taper is not None and self._cancel_taper():
            self.update_plan()

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
            params = self.params()
            _p, self.applied_id = self.ops.run(lambda: svc.apply(self.ctx, params, prescriber))
        except WardError as exc:
            show_error(self.error, exc, self._fields())
            return
        self.summary.setText(self.summary.text() + "<br><b>Applied.</b> Print the sheet for the "
                             "drug chart and the patient.")
        for widget in (self.step, self.step_kind, self.every, self.start, self.form):
            widget.setEnabled(False)  # the applied plan is what the sheet shows
        self._sync_buttons()
        self.render_pdf()


class TaperSheetDialog(QDialog):
    """The applied taper's sheet again, as it was applied (the chart's *Reprint sheet*): the
    preview, Print and Save as PDF. Every print is audited, as from the taper dialog."""

    def __init__(self, ctx: Context, live: svc.LiveTaper, parent=None):
        super().__init__(parent)
        self.ctx = ctx
        self.live = live
        patient = live.preview.patient
        self.setWindowTitle(f"Taper sheet — {patient.name}")
        self.setAccessibleName("Taper sheet")
        self.setObjectName("taperSheetDialog")
        self.pdf = PdfPreview(self, empty_text="The taper sheet is being made…")
        self.error = QLabel(self)
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #9b1c1c; font-weight: bold;")
        self.error.hide()
        sheet_buttons = SheetButtons(self, self.print_pdf, self.save_pdf)
        self.print_button, self.save_button = sheet_buttons.print_button, sheet_buttons.save_button
        buttons = sheet_buttons.row
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(f"<b>Bed {patient.bed} · {patient.name}</b> (MRN {patient.mrn}): "
                                f"the taper from {live.plan.start:%a %d %b %Y} as applied, "
                                f"prescriber {live.prescriber}", self))
        layout.addWidget(self.pdf, 1)
        layout.addWidget(self.error)
        layout.addLayout(buttons)
        fit_to_screen(self, 800, 900)
        self.print_button.setEnabled(False)
        self.save_button.setEnabled(False)
        sheet = report_svc.taper_sheet(ctx, live.preview, live.prescriber)

        def done(data: bytes) -> None:
            self.pdf.set_pdf(data)
            self.print_button.setEnabled(True)
            self.save_button.setEnabled(True)

        def failed(exc: BaseException) -> None:
            self.error.setText(f"⚠ The taper sheet could not be made ({type(exc).__name__}); this "
                               "is a bug, please report it.")
            self.error.show()

        self._job = run_in_background(self, lambda: taper_sheet_pdf(sheet), done, failed)

    def print_pdf(self) -> None:
        if self.pdf.pdf and self.pdf.print_with_dialog(self):
            audit_read(self.ctx, "print", self.live.preview.patient.id,
                       {"sheet": "taper", "reprint": self.live.id}, near=self)

    def save_pdf(self) -> None:
        if not self.pdf.pdf:
            return
        p = self.live.preview
        saved = self.pdf.save_with_dialog(self, f"taper-{p.patient.mrn}-{p.plan.start:%Y%m%d}.pdf")
        if saved is not None:
            audit_read(self.ctx, "print", p.patient.id,
                       {"sheet": "taper", "reprint": self.live.id, "saved": str(saved)}, near=self)
