"""A patient's chart: who they are, their order, their alerts, the MAR grid and its history.

Every write made here goes through the window's runner (``gui/ops.py``); when it says what
changed, the chart reloads only its tabs that show it (a dose: the MAR; observations: their tab;
a refill: the pump tab) and takes its heading and alerts from the window's refresh."""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from ward_app.domain.alerts import alert_title
from ward_app.domain.errors import WardError
from ward_app.domain.handover import HandoverNote
from ward_app.domain.orders import Order
from ward_app.domain.patient import Patient
from ward_app.domain.roles import Action
from ward_app.gui.admission_dialogs import ChartMoves
from ward_app.gui.looks import SEVERITY_TEXT
from ward_app.gui.mar_panel import OPEN_STATES, MarGridModel, MarHistoryModel, PlannedGridModel
from ward_app.gui.observation_dialog import ObservationDialog
from ward_app.gui.observations_panel import ObservationHistoryModel
from ward_app.gui.ops import Ops
from ward_app.gui.order_dialog import OrderDialog, StopOrderDialog
from ward_app.gui.patient_details_dialog import PatientDetailsDialog
from ward_app.gui.permissions import allow
from ward_app.gui.pump_panel import PumpPanel
from ward_app.gui.record_dialog import CorrectRecordDialog, RecordDoseDialog
from ward_app.gui.tables import table_view
from ward_app.gui.taper_dialog import TaperDialog, TaperSheetDialog
from ward_app.gui.trend_chart import TrendChart
from ward_app.services import observations as obs_svc
from ward_app.services import orders as order_svc
from ward_app.services import tapers, wristbands
from ward_app.services.board import BoardRow, WardOverview, chart_overview
from ward_app.services.changes import Changes, Kind
from ward_app.services.chart import (  # DAYS_SHOWN: what the grid shows (tests read it here)
    DAYS_SHOWN,  # noqa: F401
    OBS_HOURS,
    PLANNED_DAYS,
    mar_view,
    observations_line,
    observations_view,
)
from ward_app.services.context import Context
from ward_app.services.handover import note_for, set_note
from ward_app.services.mar import MarEntry
from ward_app.services.patients import patient_by_id

#: What each part of the chart shows, by the kinds of change that reach it.
MAR_KINDS = (Kind.DOSES, Kind.ORDERS)
OBS_KINDS = (Kind.OBSERVATIONS,)
PUMP_KINDS = (Kind.PUMP, Kind.ORDERS)
EVERYTHING = (Kind.PATIENT, Kind.SETTINGS)  # flags change NEWS2 scoring; settings, every state


class PatientChart(QWidget):
    """A window per patient. ``changed`` (Changes) is emitted once the chart has shown a change.

    In the main window, the window's runner is passed in and the window calls ``apply_changes``
    with its refreshed rows and alerts; on its own (tests), the chart runs its writes itself
    and works out its row and alerts for its patient."""

    changed = Signal(object)

    def __init__(self, ctx: Context, row: BoardRow, parent=None, *, ops: Ops | None = None):
        super().__init__(parent, Qt.WindowType.Window)
        self.ctx = ctx
        self.row = row
        if ops is None:
            ops = Ops(ctx, self)
            ops.changed.connect(self.apply_changes)
        self.ops = ops
        self.patient: Patient = patient_by_id(ctx, row.patient_id)
        self.order: Order | None = None  # in force now (loaded with the MAR)
        self.taper: tapers.LiveTaper | None = None  # applied, in progress or to come
        self.next_order: Order | None = None  # a change prescribed to start later
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
        self.grid = table_view(self, self.grid_model, name="marGrid",
                               accessible_name="Medication record grid", cells=True,
                               sizing="stretch", stretch_last=False, row_titles=True)
        # Enter, and a double-click (or a single click where the platform activates on one):
        # connecting doubleClicked too opened a second dialog after the first was closed
        self.grid.activated.connect(self._open_cell)

        self.planned_model = PlannedGridModel(ctx.zone, self)
        self.planned = table_view(self, self.planned_model, name="marPlanned",
                                  accessible_name="Planned doses of the coming days",
                                  cells=True, sizing="stretch", stretch_last=False, row_titles=True)
        rows = self.planned.verticalHeader()  # each cell two lines: the dose, "taper step"
        rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        rows.setDefaultSectionSize(self.planned.fontMetrics().lineSpacing() * 2 + 8)
        self.planned_label = QLabel(f"<b>Planned</b>, the next {PLANNED_DAYS} days as the orders "
                                    "stand (not due yet; a taper's steps are marked)", self)

        self.history_model = MarHistoryModel(ctx.zone, self)
        self.history = table_view(self, self.history_model, name="marHistory",
                                  accessible_name="Record history")

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
        self.note_button = QPushButton("Hando&ver note…", self)
        self.note_button.setToolTip("Your own words about this patient for the next shift, printed "
                                    "on the handover until changed")
        self.note_button.clicked.connect(self.edit_handover_note)
        self.wristband_button = QPushButton("&Wristband…", self)
        self.wristband_button.setToolTip("Print the patient's wristband label (MRN as a barcode "
                                         "and QR code that the scanner reads)")
        self.wristband_button.clicked.connect(self.print_wristband)
        self.handover_note: HandoverNote | None = None  # in force (services.handover.note_for)

        self.taper_button = QPushButton("Taper pla&n…", self)
        self.taper_button.setToolTip("Plan a gradual reduction of oral baclofen, print the sheet, "
                                     "apply it")
        self.taper_button.clicked.connect(self.plan_taper)
        self.cancel_taper_button = QPushButton("Cance&l taper…", self)
        self.cancel_taper_button.setToolTip("Stop the taper: the last full order applies again")
        self.cancel_taper_button.clicked.connect(self.cancel_taper)
        self.reprint_button = QPushButton("Repr&int sheet…", self)
        self.reprint_button.setToolTip("The applied taper's sheet again: preview, print, save")
        self.reprint_button.clicked.connect(self.reprint_sheet)
        self.reprint_button.setProperty("read_only_ok", True)  # a sheet to go home with, too
        self.prescribe_button = QPushButton("Pre&scribe…", self)
        self.prescribe_button.setToolTip("Start a baclofen order (any route)")
        self.prescribe_button.clicked.connect(self.prescribe)
        self.change_button = QPushButton("C&hange order…", self)
        self.change_button.setToolTip("A new version of the order from a chosen time")
        self.change_button.clicked.connect(self.change_order)
        self.stop_button = QPushButton("Stop…", self)
        self.stop_button.setToolTip("Stop at once: only for a serious adverse reaction "
                                    "(otherwise taper)")
        self.stop_button.clicked.connect(self.stop_order)

        buttons = QHBoxLayout()
        buttons.addWidget(self.record_button)
        buttons.addWidget(self.correct_button)
        buttons.addStretch(1)
        buttons.addWidget(self.obs_button)
        buttons.addWidget(self.details_button)
        buttons.addWidget(self.note_button)
        buttons.addWidget(self.wristband_button)
        self.moves = ChartMoves(self)  # move bed, discharge; read-only once discharged
        buttons.addWidget(self.moves.transfer_button)
        buttons.addWidget(self.moves.discharge_button)
        order_buttons = QHBoxLayout()
        order_buttons.addWidget(QLabel("Orders:", self))
        for button in (self.prescribe_button, self.change_button, self.stop_button,
                       self.taper_button, self.cancel_taper_button, self.reprint_button):
            order_buttons.addWidget(button)
        order_buttons.addStretch(1)

        lower = QWidget(self)
        lower_layout = QVBoxLayout(lower)
        lower_layout.setContentsMargins(0, 0, 0, 0)
        lower_layout.addWidget(QLabel("<b>History</b> (records entered in error are struck "
                                      "through)", lower))
        lower_layout.addWidget(self.history)
        self.planned_box = planned = QWidget(self)
        planned_layout = QVBoxLayout(planned)
        planned_layout.setContentsMargins(0, 0, 0, 0)
        planned_layout.addWidget(self.planned_label)
        planned_layout.addWidget(self.planned)
        split = QSplitter(Qt.Orientation.Vertical, self)
        split.addWidget(self.grid)
        split.addWidget(planned)
        split.addWidget(lower)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 1)
        split.setStretchFactor(2, 2)

        self.obs_model = ObservationHistoryModel(ctx.zone, self)
        self.obs_table = table_view(self, self.obs_model, name="obsHistory",
                                    accessible_name="Observation history")
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
        self.pump_panel = PumpPanel(ctx, self, ops=self.ops)
        self.tabs.addTab(self.pump_panel, "&Pump")

        layout = QVBoxLayout(self)
        layout.addWidget(self.moves.banner)
        layout.addWidget(self.heading)
        layout.addWidget(self.alerts_label)
        layout.addLayout(buttons)
        layout.addLayout(order_buttons)
        layout.addWidget(self.tabs, 1)
        self.resize(1100, 800)
        self.refresh()

    def refresh(self, row: BoardRow | None = None) -> None:
        """Everything again (opening the chart, F5); ``row``: the patient's board row, if known."""
        if isinstance(row, BoardRow):  # (a QAction's triggered passes ``checked`` here)
            self.row = row
        self._show(Changes.everything(), None)

    def apply_changes(self, changes: Changes, overview: WardOverview | None = None) -> None:
        """Show what a write changed, if it is about this patient: only the tabs it reaches.
        ``overview`` is the window's refresh (this patient's row and alerts in it)."""
        if not changes.touches(self.row.patient_id):
            return
        part = None
        if overview is not None:
            found = overview.row_for(self.row.patient_id)
            if found is None:
                return
            part = (found, overview)
        if self._show(changes, part):
            self.changed.emit(changes)

    def _show(self, changes: Changes, part: tuple[BoardRow, WardOverview] | None) -> bool:
        everything = changes.ward or changes.any_of(*EVERYTHING)
        try:
            if part is None:
                overview = chart_overview(self.ctx, self.row.patient_id)
                found = overview.row_for(self.row.patient_id)
                if found is None:
                    return False
            else:
                found, overview = part
            self.row = found
            now = overview.at
            if everything or changes.any_of(Kind.PATIENT):
                self.patient = patient_by_id(self.ctx, self.row.patient_id)
                self.handover_note = note_for(self.ctx, self.row.patient_id)
            # what is planned (the order in force, a change or taper to come) changes only with
            # the orders: a recorded dose reloads the grid alone
            planning = everything or changes.any_of(Kind.ORDERS)
            mar = mar_view(self.ctx, self.patient, now,
                           planned_days=PLANNED_DAYS if planning else 0) if everything or (
                changes.any_of(*MAR_KINDS)) else None
            if planning:
                self.order = order_svc.order_in_force(self.ctx, self.patient.id, now)
                self.taper = tapers.live_taper(self.ctx, self.patient.id, now)
                latest = order_svc.latest_version(self.ctx, self.patient.id)
                self.next_order = latest if latest is not None and latest.starts_at > now and (
                    latest.taper_id is None) else None
            obs = observations_view(self.ctx, self.patient, now) if everything or changes.any_of(
                *OBS_KINDS) else None
            if everything or changes.any_of(*PUMP_KINDS):
                self.pump_panel.refresh(self.patient, now)
        except WardError as exc:
            QMessageBox.warning(self, "Chart not refreshed", str(exc))
            return False
        self._show_heading(self.row, overview.alerts_for(self.row.patient_id), now)
        if obs is not None:
            self.obs_model.set_rows(obs.rows)
            self.trends.set_rows(obs.rows, obs.start, obs.end)
        if mar is not None:
            keep = self.grid.currentIndex()
            self.grid_model.set_entries(mar.entries, mar.days)
            if planning:
                self.planned_model.set_planned(mar.planned, mar.planned_days)
                self._fit_planned()
            self.history_model.set_entries(mar.entries)
            if keep.isValid() and keep.row() < self.grid_model.rowCount():
                self.grid.setCurrentIndex(self.grid_model.index(keep.row(), keep.column()))
            else:
                self._select_first_open()
        return True

    def _show_heading(self, r: BoardRow, alerts, now) -> None:
        flags = ", ".join(r.flags) or "none"
        news = observations_line(r, self.ctx.zone, now)
        high_risk = " · <b>ITB HIGH RISK</b>" if r.itb_high_risk else ""
        self.heading.setText(
            f"<span style='font-size:14pt'><b>{escape(r.name)}</b></span> &nbsp; bed "
            f"{escape(r.bed)} · MRN {escape(r.mrn)} · age {r.age}{high_risk}<br>"
            f"Baclofen: <b>{escape(f'{r.route} {r.dose}' if r.route else r.dose)}</b>"
            + self._next_order_line()
            + self._taper_line(now)
            + (f"<br>Prescribed despite {len(r.order_cautions)} caution"
               f"{'s' if len(r.order_cautions) > 1 else ''}, acknowledged: "
               f"{escape(' '.join(r.order_cautions))}" if r.order_cautions else "")
            + f"<br>Flags: {escape(flags)}<br>Observations: {escape(news)}"
            + (f"<br>Handover note ({escape(self.handover_note.by)}, "
               f"{self.handover_note.at:%a %H:%M}): <i>{escape(self.handover_note.text)}</i>"
               if self.handover_note is not None else ""))
        if alerts:
            items = "".join(f"<li><b>{SEVERITY_TEXT[a.severity]}</b> {escape(alert_title(a.rule))}: "
                            f"{escape(a.message)}</li>" for a in alerts)
            self.alerts_label.setText(f"<ul style='margin:0'>{items}</ul>")
        else:
            self.alerts_label.setText("No active alerts for this patient.")
        tapering = r.taper_active or self.taper is not None
        self.taper_button.setVisible(r.route in ("oral", "enteral") and not tapering)
        self.cancel_taper_button.setVisible(tapering)
        self.reprint_button.setVisible(self.taper is not None)
        in_force = self.order is not None or bool(r.route)
        self.prescribe_button.setVisible(not in_force)
        self.change_button.setVisible(in_force)
        self.stop_button.setVisible(in_force)
        pump_tab = self.tabs.indexOf(self.pump_panel)
        self.tabs.setTabVisible(pump_tab, r.route == "intrathecal" or self.pump_panel.view is not None)
        self.apply_permissions()

    def _fit_planned(self) -> None:
        """The planned grid as tall as its rows (QDS: four): its doses are read without
        scrolling. Hidden when there are none (an intrathecal pump, no order)."""
        view, rows = self.planned, self.planned_model.rowCount()
        self.planned_box.setVisible(rows > 0)
        if not rows:
            return
        line = view.verticalHeader().defaultSectionSize()
        view.setFixedHeight(view.horizontalHeader().sizeHint().height() + 2 * view.frameWidth()
                            + 2 + rows * line)

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
        reason = self.ctx.why_not(Action.RECORD_DOSE) or self.patient.read_only_reason(self.ctx.zone)
        if reason is not None:
            QMessageBox.information(self, "Not allowed", reason)
            return
        if entry.state not in OPEN_STATES:
            self._offer_correction(entry)
            return
        RecordDoseDialog(self.ctx, self.patient, entry, self, ops=self.ops).exec()

    def record_due(self, due) -> bool:  # type: ignore[no-untyped-def]
        """Select the MAR cell of the dose due at ``due`` and open its record dialog (the Due
        now worklist); False when the grid does not show that dose (e.g. tomorrow's)."""
        for row in range(self.grid_model.rowCount()):
            for column in range(self.grid_model.columnCount()):
                entry = self.grid_model.entry(row, column)
                if entry is not None and entry.due == due:
                    index = self.grid_model.index(row, column)
                    self.tabs.setCurrentIndex(0)
                    self.grid.setCurrentIndex(index)
                    self._open_cell(index)
                    return True
        return False

    def _offer_correction(self, entry: MarEntry) -> None:
        CorrectRecordDialog(self.ctx, entry, self, ops=self.ops).exec()

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

    def edit_handover_note(self) -> None:
        """The nurse's own words for the next handover, kept until changed (empty: cleared)."""
        current = self.handover_note.text if self.handover_note is not None else ""
        text, ok = QInputDialog.getMultiLineText(
            self, "Handover note", f"Your words about {self.patient.name} for the next shift "
            "(printed in the handover's Recommendation until changed; empty clears it):", current)
        if not ok or text.strip() == current:
            return
        try:
            self.ops.run(lambda: set_note(self.ctx, self.patient.id, text))
        except WardError as exc:
            QMessageBox.warning(self, "Handover note not saved", str(exc))

    def apply_permissions(self) -> None:
        """Disable what the acting user's role may not do, saying who can (tooltips)."""
        ctx = self.ctx
        for button in (self.record_button, self.correct_button):
            allow(ctx, button, Action.RECORD_DOSE)
        allow(ctx, self.obs_button, Action.RECORD_OBS)
        allow(ctx, self.obs_error_button, Action.RECORD_OBS)
        allow(ctx, self.note_button, Action.HANDOVER_NOTE)
        allow(ctx, self.wristband_button, wristbands.PRINTS_WRISTBANDS)
        allow(ctx, self.details_button, Action.EDIT_PATIENT, Action.COMED, Action.ADD_LAB)
        allow(ctx, self.taper_button, Action.TAPER)
        allow(ctx, self.cancel_taper_button, Action.TAPER)
        allow(ctx, self.reprint_button, Action.READ)
        for button in (self.prescribe_button, self.change_button, self.stop_button):
            allow(ctx, button, Action.ORDER)
        has_pump = self.pump_panel.view is not None
        for button, action in ((self.pump_panel.refill_button, Action.REFILL_PUMP),
                               (self.pump_panel.alarm_button, Action.PUMP_ALARM)):
            if allow(ctx, button, action) and not has_pump:
                button.setEnabled(False)
        allow(ctx, self.pump_panel.details_button, Action.SET_PUMP)
        self.moves.apply()  # a discharged patient's chart: read-only

    def _next_order_line(self) -> str:
        """'From Thu 26 Nov 12:00: oral 15 mg TDS' for a change prescribed to start later."""
        later = self.next_order
        if later is None:
            return ""
        when = later.starts_at.astimezone(self.ctx.zone)
        return f"<br><b>From {when:%a %d %b %H:%M}:</b> {escape(later.describe())}"

    def _taper_line(self, now) -> str:  # type: ignore[no-untyped-def]
        """The heading's line about an applied taper, in progress or to come ('' without one):
        its start (or the step it is on), the next steps and the day baclofen ends."""
        live = self.taper
        if live is None:
            return ""
        plan = live.plan
        steps = plan.steps()[:-1]  # the last "step" is the first day without baclofen
        today = now.astimezone(self.ctx.zone).date()
        numbered = list(enumerate(steps, 1))
        on = [n for n, s in numbered if s.date <= today]
        where = (f"in progress, step {on[-1]} of {len(steps)}" if live.started and on else
                 f"from {plan.start:%a %d %b %Y}")
        coming = [f"step {n}: {s.daily_mg:g} mg/day from {s.date:%a %d %b}"
                  for n, s in numbered if s.date > today or (not live.started and n == 1)]
        listed = ", ".join(coming[:3]) + (", …" if len(coming) > 3 else "")
        return (f"<br><b>Taper {escape(where)}</b> (prescriber {escape(live.prescriber)})"
                + (f": {escape(listed)}" if listed else "")
                + f"; <b>no baclofen from {plan.end_date:%a %d %b %Y}</b>")

    def plan_taper(self) -> None:
        TaperDialog(self.ctx, self.patient, self, ops=self.ops,
                    cancel_taper=self.cancel_taper).exec()

    def cancel_taper(self) -> bool:
        """Ask why, confirm, and cancel the taper from now; True when it was cancelled."""
        reason, ok = QInputDialog.getText(
            self, "Cancel taper", "Why is the taper stopping? From now the last full order "
            "applies again.\n\nReason:")
        if not ok:
            return False
        restore = self.taper.preview.order.describe() if self.taper else "the last full order"
        answer = QMessageBox.question(
            self, "Cancel taper", f"Cancel the taper for {self.patient.name} from now? The order "
            f"becomes {restore} again; the planned steps no longer count.")
        if answer != QMessageBox.StandardButton.Yes:
            return False
        try:
            restored = self.ops.run(lambda: tapers.cancel(self.ctx, self.patient.id, reason))
        except WardError as exc:
            QMessageBox.warning(self, "Taper not cancelled", str(exc))
            return False
        QMessageBox.information(self, "Taper cancelled",
                                f"From now the order is {restored.describe()} again.")
        return True

    def print_wristband(self):  # type: ignore[no-untyped-def]
        from ward_app.gui.wristband_dialog import WristbandDialog

        dialog = WristbandDialog(self.ctx, self.patient, self)
        dialog.setModal(True)
        dialog.show()
        return dialog

    def reprint_sheet(self) -> None:
        if self.taper is None:
            return
        TaperSheetDialog(self.ctx, self.taper, self).exec()

    def prescribe(self) -> None:
        OrderDialog(self.ctx, self.patient, None, self, ops=self.ops).exec()

    def change_order(self) -> None:
        try:
            current = order_svc.order_in_force(self.ctx, self.patient.id)
        except WardError as exc:
            QMessageBox.warning(self, "Change order", str(exc))
            return
        if current is None:
            self.prescribe()
            return
        OrderDialog(self.ctx, self.patient, current, self, ops=self.ops).exec()

    def stop_order(self) -> None:
        try:
            current = order_svc.order_in_force(self.ctx, self.patient.id)
        except WardError as exc:
            QMessageBox.warning(self, "Stop baclofen", str(exc))
            return
        if current is None:
            QMessageBox.information(self, "Stop baclofen", "No baclofen order is in force.")
            return
        dialog = StopOrderDialog(self.ctx, self.patient, current, self, ops=self.ops)
        if dialog.exec() == StopOrderDialog.DialogCode.Accepted:
            t = self.ctx.thresholds()
            QMessageBox.information(
                self, "Baclofen stopped", "Stopped for a serious adverse reaction. A withdrawal "
                f"watch has started: check for withdrawal signs every "
                f"{t.withdrawal_check_every_hours:g} h for {t.withdrawal_watch_hours:g} h.")

    def record_observations(self) -> None:
        dialog = ObservationDialog(self.ctx, self.patient, self, ops=self.ops)
        if dialog.exec() == ObservationDialog.DialogCode.Accepted:
            self.tabs.setCurrentIndex(1)

    def edit_details(self) -> None:
        PatientDetailsDialog(self.ctx, self.patient, self, ops=self.ops).exec()

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
            obs_id = row.observation.id
            self.ops.run(lambda: obs_svc.correct_observation(self.ctx, obs_id, reason))
        except WardError as exc:
            QMessageBox.warning(self, "Not marked", str(exc))
