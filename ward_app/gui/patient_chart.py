"""A patient's chart: who they are, their order, their alerts, the MAR grid and its history."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from html import escape

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from ward_app.domain.errors import WardError
from ward_app.domain.patient import Patient
from ward_app.domain.roles import Action
from ward_app.gui.looks import SEVERITY_TEXT
from ward_app.gui.mar_panel import OPEN_STATES, MarGridModel, MarHistoryModel
from ward_app.gui.observation_dialog import ObservationDialog
from ward_app.gui.observations_panel import ObservationHistoryModel
from ward_app.gui.patient_details_dialog import PatientDetailsDialog
from ward_app.gui.permissions import allow
from ward_app.gui.pump_panel import PumpPanel
from ward_app.gui.record_dialog import CorrectRecordDialog, RecordDoseDialog
from ward_app.gui.taper_dialog import TaperDialog
from ward_app.gui.trend_chart import TrendChart
from ward_app.services import observations as obs_svc
from ward_app.services import tapers
from ward_app.services.alerts import ward_alerts
from ward_app.services.board import BoardRow
from ward_app.services.context import Context
from ward_app.services.mar import MarEntry, mar_entries
from ward_app.services.patients import patient_by_id

DAYS_SHOWN = 7
OBS_HOURS = 72  # observation history and trends shown


class PatientChart(QWidget):
    """A window per patient. ``changed`` is emitted after anything is recorded."""

    changed = Signal()

    def __init__(self, ctx: Context, row: BoardRow, parent=None):
        super().__init__(parent, Qt.WindowType.Window)
        self.ctx = ctx
        self.row = row
        self.patient: Patient = patient_by_id(ctx, row.patient_id)
        self.setWindowTitle(f"{row.name} — bed {row.bed} — chart")
        self.setObjectName("patientChart")
        self.setAccessibleName(f"Chart of {row.name}")

        self.heading = QLabel(self)
        self.heading.setTextFormat(Qt.TextFormat.RichText)
        self.heading.setWordWrap(True)
        self.alerts_label = QLabel(self)
        self.alerts_label.setObjectName("chartAlerts")
        self.alerts_label.setWordWrap(True)
        self.alerts_label.setTextFormat(Qt.TextFormat.RichText)
        self.alerts_label.setAccessibleName("Alerts for this patient")

        self.grid_model = MarGridModel(ctx.zone, self)
        self.grid = QTableView(self)
        self.grid.setObjectName("marGrid")
        self.grid.setAccessibleName("Medication record grid")
        self.grid.setModel(self.grid_model)
        self.grid.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.grid.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.grid.setWordWrap(True)
        self.grid.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.grid.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.grid.activated.connect(self._open_cell)
        self.grid.doubleClicked.connect(self._open_cell)

        self.history_model = MarHistoryModel(ctx.zone, self)
        self.history = QTableView(self)
        self.history.setObjectName("marHistory")
        self.history.setAccessibleName("Record history")
        self.history.setModel(self.history_model)
        self.history.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.history.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.history.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.history.verticalHeader().setVisible(False)
        self.history.horizontalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.ResizeToContents)
        self.history.horizontalHeader().setStretchLastSection(True)

        self.record_button = QPushButton("&Record dose…", self)
        self.record_button.setToolTip("Record the selected due dose (Enter)")
        self.record_button.clicked.connect(lambda: self._open_cell(self.grid.currentIndex()))
        self.correct_button = QPushButton("Mark entered in &error…", self)
        self.correct_button.setToolTip("Mark the selected history record as entered in error")
        self.correct_button.clicked.connect(self._correct_selected)
        close = QAction("Close", self)
        close.setShortcut(QKeySequence(QKeySequence.StandardKey.Close))
        close.triggered.connect(self.close)
        self.addAction(close)
        refresh = QAction("Refresh", self)
        refresh.setShortcut(QKeySequence(QKeySequence.StandardKey.Refresh))
        refresh.triggered.connect(self.refresh)
        self.addAction(refresh)

        self.obs_button = QPushButton("Record &observations…", self)
        self.obs_button.setToolTip("Vital signs, sedation, spasticity and the withdrawal checklist "
                                   "(Ctrl+Shift+O)")
        self.obs_button.clicked.connect(self.record_observations)
        obs_action = QAction("Record observations", self)
        obs_action.setShortcut(QKeySequence("Ctrl+Shift+O"))
        obs_action.triggered.connect(self.record_observations)
        self.addAction(obs_action)
        self.details_button = QPushButton("Flags and &medicines…", self)
        self.details_button.setToolTip("Safety flags, spinal injury level, surgery date, renal "
                                       "result and co-medications")
        self.details_button.clicked.connect(self.edit_details)

        self.taper_button = QPushButton("Taper pla&n…", self)
        self.taper_button.setToolTip("Plan a gradual reduction of oral baclofen, print the sheet, "
                                     "apply it")
        self.taper_button.clicked.connect(self.plan_taper)
        self.cancel_taper_button = QPushButton("Cancel taper…", self)
        self.cancel_taper_button.setToolTip("Stop the taper: the last full order applies again")
        self.cancel_taper_button.clicked.connect(self.cancel_taper)

        buttons = QHBoxLayout()
        buttons.addWidget(self.record_button)
        buttons.addWidget(self.correct_button)
        buttons.addWidget(self.taper_button)
        buttons.addWidget(self.cancel_taper_button)
        buttons.addStretch(1)
        buttons.addWidget(self.obs_button)
        buttons.addWidget(self.details_button)

        lower = QWidget(self)
        lower_layout = QVBoxLayout(lower)
        lower_layout.setContentsMargins(0, 0, 0, 0)
        lower_layout.addWidget(QLabel("<b>History</b> (records entered in error are struck "
                                      "through)", lower))
        lower_layout.addWidget(self.history)
        split = QSplitter(Qt.Orientation.Vertical, self)
        split.addWidget(self.grid)
        split.addWidget(lower)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)

        self.obs_model = ObservationHistoryModel(ctx.zone, self)
        self.obs_table = QTableView(self)
        self.obs_table.setObjectName("obsHistory")
        self.obs_table.setAccessibleName("Observation history")
        self.obs_table.setModel(self.obs_model)
        self.obs_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.obs_table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.obs_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.obs_table.verticalHeader().setVisible(False)
        self.obs_table.horizontalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.ResizeToContents)
        self.obs_table.horizontalHeader().setStretchLastSection(True)
        self.obs_error_button = QPushButton("Mark observations entered in error…", self)
        self.obs_error_button.clicked.connect(self._correct_observation)
        obs_page = QWidget(self)
        obs_layout = QVBoxLayout(obs_page)
        obs_layout.addWidget(QLabel(f"Last {OBS_HOURS} hours, newest first. Each score is "
                                    "coloured as on the NEWS2 chart.", obs_page))
        obs_layout.addWidget(self.obs_table, 1)
        obs_row = QHBoxLayout()
        obs_row.addStretch(1)
        obs_row.addWidget(self.obs_error_button)
        obs_layout.addLayout(obs_row)
        self.trends = TrendChart(ctx.zone, self)

        self.tabs = QTabWidget(self)
        self.tabs.setObjectName("chartTabs")
        self.tabs.addTab(split, "Medi&cation record")
        self.tabs.addTab(obs_page, "Obser&vations")
        self.tabs.addTab(self.trends, "&Trends")
        self.pump_panel = PumpPanel(ctx, self)
        self.pump_panel.changed.connect(self._pump_changed)
        self.tabs.addTab(self.pump_panel, "&Pump")

        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.alerts_label)
        layout.addLayout(buttons)
        layout.addWidget(self.tabs, 1)
        self.resize(1100, 800)
        self.refresh()

    def refresh(self, row: BoardRow | None = None) -> None:
        if row is not None:
            self.row = row
        try:
            self.patient = patient_by_id(self.ctx, self.row.patient_id)
            now = self.ctx.now()
            today = now.astimezone(self.ctx.zone).date()
            days = [today - timedelta(days=i) for i in range(DAYS_SHOWN - 1, -1, -1)]
            start = datetime.combine(days[0], time(0)).replace(tzinfo=self.ctx.zone)
            end = datetime.combine(today + timedelta(days=1), time(0)).replace(tzinfo=self.ctx.zone)
            entries = mar_entries(self.ctx, self.patient, start, end)
            alerts = ward_alerts(self.ctx, now, patient_id=self.patient.id)
            obs_start = now - timedelta(hours=OBS_HOURS)
            obs_rows = obs_svc.history(self.ctx, self.patient, obs_start, now + obs_svc.CLOCK_SLACK)
            obs_due = obs_svc.next_obs_due(self.ctx, self.patient, now)
        except WardError as exc:
            QMessageBox.warning(self, "Chart not refreshed", str(exc))
            return
        r = self.row
        flags = ", ".join(r.flags) or "none"
        latest = next((x for x in obs_rows if x.score is not None and not x.entered_in_error), None)
        if latest is None or latest.score is None:
            news = "no vital signs in the last 72 h"
        else:
            taken = latest.observation.taken_at.astimezone(self.ctx.zone)
            news = f"{latest.score.text()} at {taken:%d %b %H:%M}"
        if obs_due is not None:
            late = " — OVERDUE" if obs_due < now else ""
            news += f"; next set due {obs_due.astimezone(self.ctx.zone):%d %b %H:%M}{late}"
        high_risk = " · <b>ITB HIGH RISK</b>" if r.itb_high_risk else ""
        self.heading.setText(
            f"<span style='font-size:14pt'><b>{escape(r.name)}</b></span> &nbsp; bed "
            f"{escape(r.bed)} · MRN {escape(r.mrn)} · age {r.age}{high_risk}<br>"
            f"Baclofen: <b>{escape(r.route or 'none')} {escape(r.dose)}</b><br>Flags: "
            f"{escape(flags)}<br>Observations: {escape(news)}")
        if alerts:
            items = "".join(f"<li><b>{SEVERITY_TEXT[a.severity]}</b> {escape(a.rule)}: "
                            f"{escape(a.message)}</li>" for a in alerts)
            self.alerts_label.setText(f"<ul style='margin:0'>{items}</ul>")
        else:
            self.alerts_label.setText("No active alerts for this patient.")
        self.obs_model.set_rows(obs_rows)
        self.trends.set_rows(obs_rows, obs_start, now)
        self.pump_panel.refresh(self.patient, now)
        tapering = "taper" in r.dose
        self.taper_button.setVisible(r.route in ("oral", "enteral") and not tapering)
        self.cancel_taper_button.setVisible(tapering)
        pump_tab = self.tabs.indexOf(self.pump_panel)
        self.tabs.setTabVisible(pump_tab, r.route == "intrathecal" or self.pump_panel.view is not None)
        self.apply_permissions()
        keep = self.grid.currentIndex()
        self.grid_model.set_entries(entries, days)
        self.history_model.set_entries(entries)
        if keep.isValid() and keep.row() < self.grid_model.rowCount():
            self.grid.setCurrentIndex(self.grid_model.index(keep.row(), keep.column()))
        else:
            self._select_first_open()

    def _select_first_open(self) -> None:
        last_col = self.grid_model.columnCount() - 1
        for row in range(self.grid_model.rowCount()):
            entry = self.grid_model.entry(row, last_col)
            if entry is not None and entry.state in OPEN_STATES:
                self.grid.setCurrentIndex(self.grid_model.index(row, last_col))
                return
        if self.grid_model.rowCount():
            self.grid.setCurrentIndex(self.grid_model.index(0, max(last_col, 0)))

    def _open_cell(self, index) -> None:
        if not index.isValid():
            return
        entry = self.grid_model.entry(index.row(), index.column())
        if entry is None:
            return
        reason = self.ctx.why_not(Action.RECORD_DOSE)
        if reason is not None:
            QMessageBox.information(self, "Not allowed", reason)
            return
        if entry.state not in OPEN_STATES:
            self._offer_correction(entry)
            return
        dialog = RecordDoseDialog(self.ctx, self.patient, entry, self)
        if dialog.exec() == RecordDoseDialog.DialogCode.Accepted:
            self.refresh()
            self.changed.emit()

    def _offer_correction(self, entry: MarEntry) -> None:
        dialog = CorrectRecordDialog(self.ctx, entry, self)
        if dialog.exec() == CorrectRecordDialog.DialogCode.Accepted:
            self.refresh()
            self.changed.emit()

    def _correct_selected(self) -> None:
        index = self.history.currentIndex()
        if not index.isValid():
            QMessageBox.information(self, "Mark entered in error",
                                    "Select a record in the history first.")
            return
        entry = self.history_model.entry(index.row())
        if entry.corrected:
            QMessageBox.information(self, "Mark entered in error",
                                    f"Record {entry.id} is already marked entered in error.")
            return
        self._offer_correction(entry)

    def apply_permissions(self) -> None:
        """Disable what the acting user's role may not do, saying who can (tooltips)."""
        ctx = self.ctx
        for button in (self.record_button, self.correct_button):
            allow(ctx, button, Action.RECORD_DOSE)
        allow(ctx, self.obs_button, Action.RECORD_OBS)
        allow(ctx, self.obs_error_button, Action.RECORD_OBS)
        allow(ctx, self.details_button, Action.EDIT_PATIENT, Action.COMED, Action.ADD_LAB)
        allow(ctx, self.taper_button, Action.TAPER)
        allow(ctx, self.cancel_taper_button, Action.TAPER)
        has_pump = self.pump_panel.view is not None
        for button, action in ((self.pump_panel.refill_button, Action.REFILL_PUMP),
                               (self.pump_panel.alarm_button, Action.PUMP_ALARM)):
            if allow(ctx, button, action) and not has_pump:
                button.setEnabled(False)
        allow(ctx, self.pump_panel.details_button, Action.SET_PUMP)

    def plan_taper(self) -> None:
        dialog = TaperDialog(self.ctx, self.patient, self)
        dialog.exec()
        if dialog.applied_id is not None:
            self.refresh()
            self.changed.emit()

    def cancel_taper(self) -> None:
        reason, ok = QInputDialog.getText(
            self, "Cancel taper", "Why is the taper stopping? From now the last full order "
            "applies again.\n\nReason:")
        if not ok:
            return
        try:
            restored = tapers.cancel(self.ctx, self.patient.id, reason)
        except WardError as exc:
            QMessageBox.warning(self, "Taper not cancelled", str(exc))
            return
        QMessageBox.information(self, "Taper cancelled",
                                f"From now the order is {restored.describe()} again.")
        self.refresh()
        self.changed.emit()

    def _pump_changed(self) -> None:
        self.refresh()
        self.changed.emit()

    def record_observations(self) -> None:
        dialog = ObservationDialog(self.ctx, self.patient, self)
        if dialog.exec() == ObservationDialog.DialogCode.Accepted:
            self.tabs.setCurrentIndex(1)
            self.refresh()
            self.changed.emit()

    def edit_details(self) -> None:
        dialog = PatientDetailsDialog(self.ctx, self.patient, self)
        dialog.exec()
        if dialog.changed:
            self.refresh()
            self.changed.emit()

    def _correct_observation(self) -> None:
        index = self.obs_table.currentIndex()
        if not index.isValid():
            QMessageBox.information(self, "Mark entered in error",
                                    "Select a set of observations in the table first.")
            return
        row = self.obs_model.row_at(index.row())
        if row.entered_in_error:
            QMessageBox.information(self, "Mark entered in error",
                                    "These observations are already marked entered in error.")
            return
        taken = row.observation.taken_at.astimezone(self.ctx.zone)
        reason, ok = QInputDialog.getText(
            self, "Mark entered in error",
            f"Observations taken {taken:%d %b %H:%M} by {row.observation.by}.\nThey stay in the "
            "history, struck through, and no longer count for NEWS2 or alerts.\n\nReason:")
        if not ok:
            return
        try:
            obs_svc.correct_observation(self.ctx, row.observation.id, reason)
        except WardError as exc:
            QMessageBox.warning(self, "Not marked", str(exc))
            return
        self.refresh()
        self.changed.emit()
