"""The main window: the ward board, the alerts panel and patient charts. Every write goes through
one runner (``gui/ops.py``); what it changed is refreshed once, for the patients it changed
(``apply_changes``). Everything is refreshed once a minute (alerts depend on the clock, not only
on data), on F5, and after a change to the whole ward (a setting)."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import TYPE_CHECKING

from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtGui import QAction, QIcon, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QDockWidget,
    QLabel,
    QMainWindow,
    QMessageBox,
    QVBoxLayout,
    QWidget,
)
from shiboken6 import isValid

from ward_app import __version__
from ward_app.domain.errors import WardError
from ward_app.domain.roles import Action
from ward_app.gui.admission_dialogs import PatientMenu, discharged_row
from ward_app.gui.alarm import AlarmBanner, AlertSound, new_alarm_keys
from ward_app.gui.alerts_panel import AlertsPanel
from ward_app.gui.login_dialog import LoginDialog
from ward_app.gui.ops import Ops
from ward_app.gui.permissions import allow
from ward_app.gui.reopen_forms import reopen_form
from ward_app.gui.scanner import ScanDetector
from ward_app.gui.session import IdleWatch, ParkedForms, ScreenCovers, audit_read
from ward_app.gui.sync_status import OfflineStrip, SyncStatusButton, WardServerDialog, WardSync
from ward_app.gui.ward_board import ACUITY_COLUMN, WardBoardPanel
from ward_app.gui.worker import run_in_background
from ward_app.resources import resource_path
from ward_app.services import people, scanning
from ward_app.services.backups import DailyBackups, backup_file, damaged_advice, file_integrity_problems
from ward_app.services.board import BoardRow, WardOverview, ward_overview
from ward_app.services.changes import Changes, Kind
from ward_app.services.context import Context
from ward_app.services.errors import StorageProblem

if TYPE_CHECKING:
    from ward_app.gui.handover_dialog import HandoverDialog
    from ward_app.gui.patient_chart import PatientChart
    from ward_app.services.sync import SyncStatus

REFRESH_MS = 60_000
#: The status bar's share of doses scanned covers this much of the past.
SCAN_SHARE_SPAN = timedelta(hours=24)
#: This workstation's choice: the board sorted most acute first (View → Sort by acuity).
ACUITY_KEY = "board/sort_by_acuity"


class MainWindow(QMainWindow):
    def __init__(self, ctx: Context, *, drill: bool = False, sound: AlertSound | None = None,
                 parent=None, lock_after_s: float | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.drill = drill
        # forms put away at the lock, per user: in this window and in the database (issue 16)
        self.parked = ParkedForms(ctx, reopen=lambda kept: reopen_form(self, kept))
        self.locked = False
        self.lock_screen: LoginDialog | None = None  # the last lock's log-in (tests look at it)
        self.screen_covers: ScreenCovers | None = None  # the other screens' covers while locked
        self._jobs: list = []
        self._storage_problem: str | None = None  # the last one shown, not shown again
        self.backups = DailyBackups(ctx)  # when to make today's copy; the window makes it
        self.sound = sound if sound is not None else AlertSound()
        self._alarm_keys: set[str] = set()
        self.charts: dict[int, PatientChart] = {}
        self.overview: WardOverview | None = None
        self.ops = Ops(ctx, self)  # every write the window makes, then one refresh
        self.ops.changed.connect(self.apply_changes)
        wards = people.wards(ctx.db)
        self.ward_name = wards[0].name if wards else "no ward"
        self.drill_ward = bool(wards) and wards[0].drill  # a drill (training) ward says DRILL
        self.setWindowTitle(f"DRILL — {self.ward_name} — ward_app" if self.drill_ward
                            else f"{self.ward_name} — ward_app")
        self.setWindowIcon(QIcon(str(resource_path("icons/ward-app.svg"))))
        self.setObjectName("mainWindow")

        self.board = WardBoardPanel(self, zone=ctx.zone)
        self.due_dialog = None  # View → Due now, once opened
        self.banner = AlarmBanner(self)
        self.banner.open_requested.connect(self.open_chart)
        self.banner.acknowledge_requested.connect(self._acknowledge_key)
        central = QWidget(self)
        column = QVBoxLayout(central)
        column.setContentsMargins(0, 0, 0, 0)
        self.drill_banner: QLabel | None = None
        if self.drill_ward:
            self.drill_banner = QLabel("DRILL — a training ward: these are not real patients' "
                                       "records", central)
            self.drill_banner.setObjectName("drillBanner")
            self.drill_banner.setAccessibleName("Drill ward")
            self.drill_banner.setAlignment(Qt.AlignmentFlag.AlignCenter)
            self.drill_banner.setStyleSheet("QLabel#drillBanner { background: #ffd400; color: "
                                            "#000000; font-weight: bold; padding: 4px; }")
            column.addWidget(self.drill_banner)
        # not in step with the ward server (issue 19): since when, and what is missing
        self.offline_strip = OfflineStrip(central)
        column.addWidget(self.offline_strip)
        column.addWidget(self.banner)
        column.addWidget(self.board, 1)
        self.setCentralWidget(central)
        self.board.table.activated.connect(self._open_from_board)
        # Enter in the find box opens the first patient found
        self.board.find_box.returnPressed.connect(
            lambda: self._open_from_board(self.board.proxy.index(0, 0)))
        self.board.table.doubleClicked.connect(self._open_from_board)

        self.alerts = AlertsPanel(ctx.zone, self, ctx=ctx, ops=self.ops)
        self.alerts.patient_requested.connect(self.open_chart)
        self.alerts.checklist_requested.connect(self.show_pump_checklist)
        self.alerts_dock = QDockWidget("Alerts", self)
        self.alerts_dock.setObjectName("alertsDock")
        self.alerts_dock.setWidget(self.alerts)
        self.alerts_dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable)
        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.alerts_dock)

        self._build_actions()
        self._build_status_bar()
        # the ward server (issue 19): nothing shows, and nothing runs, for a file not joined
        self.sync = WardSync(ctx, self)
        self.sync.status_changed.connect(self._show_sync)
        self.sync.received.connect(self._synced)
        self.ops.changed.connect(lambda _changes: self._sync_counts())  # records waiting
        self.sync_button.clicked.connect(self.show_ward_server)
        if self.sync.status is not None:
            self._show_sync(self.sync.status)
        app = QApplication.instance()
        if app is not None:  # the app waits (a few seconds at most) for the worker to end
            app.aboutToQuit.connect(self.sync.wait)
        self._lock_after_s = lock_after_s  # fixed (tests); else the setting, kept current
        idle = lock_after_s if lock_after_s is not None else \
            60 * float(ctx.thresholds().session_lock_minutes)
        self.idle = IdleWatch(idle, self.lock, self, lock_now=lambda: self.lock(by_hand=True))
        self.timer = QTimer(self)
        self.timer.setInterval(REFRESH_MS)
        self.timer.timeout.connect(self.refresh)
        self.timer.start()
        self.apply_permissions()
        self.refresh()
        if self.acuity_action.isChecked():  # this workstation's default, once there are rows
            self._sort_by_acuity(True)
        self.fit_to_screen()
        # a USB scanner typing a wristband or a pack, wherever the focus is (issue 20)
        self.scanner = ScanDetector(self, watching=self._watching_scans)
        self.scanner.scanned.connect(self._scanned)
        if app is not None:
            app.installEventFilter(self.scanner)
        QTimer.singleShot(0, self._forms_back)  # kept when a window before this one closed
        self._closed = False
        QTimer.singleShot(0, self._start_sync)

    def _forms_back(self) -> None:
        """The logged-in user's forms kept in the database (put away at a lock in a window that
        has closed or crashed since) opened again, as they were left."""
        if self.ctx.actor is not None and not self.locked:
            self._say_forms_back(self.parked.restore(self.ctx.actor, self.refresh))

    def _say_forms_back(self, forms: list, before: str = "") -> None:
        """One status line: ``before`` (whose forms stay kept), the user's forms back, and any
        that could not be kept or opened again."""
        problems, self.parked.problems = self.parked.problems, []
        words = [before] if before else []
        if forms:
            n = len(forms)
            words.append(f"{n} form{'s' if n != 1 else ''} you left open "
                         f"{'are' if n != 1 else 'is'} back as you left "
                         f"{'them' if n != 1 else 'it'}: Save to record, Cancel to discard.")
        words.extend(problems)
        if words:
            self._status(" ".join(words), 60_000)

    def _build_actions(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        self.refresh_action = QAction("&Refresh", self)
        self.refresh_action.setShortcut(QKeySequence.StandardKey.Refresh)
        self.refresh_action.triggered.connect(self.refresh)
        file_menu.addAction(self.refresh_action)
        self.handover_action = QAction("Print &handover…", self)
        self.handover_action.setShortcut(QKeySequence.StandardKey.Print)
        self.handover_action.setToolTip("The shift handover sheet: preview, print, save")
        self.handover_action.triggered.connect(self.print_handover)
        file_menu.addAction(self.handover_action)
        file_menu.addSeparator()
        self.take_over_action = QAction("&Take over the ward…", self)
        self.take_over_action.setToolTip("Start your shift: what is outstanding, and confirm each "
                                         "unstable patient (the next handover starts here)")
        self.take_over_action.triggered.connect(self.take_over)
        file_menu.addAction(self.take_over_action)
        self.lock_action = QAction("&Lock now", self)
        self.lock_action.setShortcut(QKeySequence("Ctrl+L"))
        self.lock_action.setToolTip("Lock the window before leaving the workstation")
        self.lock_action.triggered.connect(lambda: self.lock(by_hand=True))
        file_menu.addAction(self.lock_action)
        self.switch_action = QAction("S&witch user…", self)
        self.switch_action.triggered.connect(lambda: self.lock(by_hand=True))
        file_menu.addAction(self.switch_action)
        file_menu.addSeparator()
        self.audit_action = QAction("&Audit trail…", self)
        self.audit_action.triggered.connect(self.show_audit)
        file_menu.addAction(self.audit_action)
        self.settings_action = QAction("&Settings…", self)
        self.settings_action.triggered.connect(self.show_settings)
        file_menu.addAction(self.settings_action)
        self.users_action = QAction("&Users…", self)
        self.users_action.setToolTip("Add users, set a new password, deactivate a leaver")
        self.users_action.triggered.connect(self.show_users)
        file_menu.addAction(self.users_action)
        self.packs_action = QAction("&Medicine packs (what each scanned GTIN is)…", self)
        self.packs_action.setToolTip("The pharmacy's table of medicine packs by GTIN")
        self.packs_action.triggered.connect(self.show_medicine_packs)
        file_menu.addAction(self.packs_action)
        file_menu.addSeparator()
        quit_action = QAction("&Quit", self)
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.close)
        file_menu.addAction(quit_action)

        view_menu = self.menuBar().addMenu("&View")
        self.find_action = QAction("&Find patient", self)
        self.find_action.setShortcut(QKeySequence.StandardKey.Find)
        self.find_action.triggered.connect(self._focus_find)
        view_menu.addAction(self.find_action)
        board_action = QAction("Ward &board", self)
        board_action.setShortcut(QKeySequence("Ctrl+1"))
        board_action.triggered.connect(lambda: self.board.table.setFocus())
        view_menu.addAction(board_action)
        alerts_action = QAction("&Alerts", self)
        alerts_action.setShortcut(QKeySequence("Ctrl+2"))
        alerts_action.triggered.connect(lambda: self.alerts.table.setFocus())
        view_menu.addAction(alerts_action)
        view_menu.addAction(self.alerts.ack_action)
        self.chart_action = QAction("Open patient &chart", self)
        self.chart_action.setShortcut(QKeySequence("Ctrl+O"))
        self.chart_action.triggered.connect(
            lambda: self._open_from_board(self.board.table.currentIndex()))
        view_menu.addAction(self.chart_action)
        self.acuity_action = QAction("Sort by &acuity (worst alert, then NEWS2)", self)
        self.acuity_action.setCheckable(True)
        self.acuity_action.setShortcut(QKeySequence("Ctrl+Shift+A"))
        self.acuity_action.setChecked(bool(QSettings().value(ACUITY_KEY, False, type=bool)))
        self.acuity_action.toggled.connect(self._sort_by_acuity)
        view_menu.addAction(self.acuity_action)
        self.due_now_action = QAction("&Due now (the next hour on the ward)", self)
        self.due_now_action.setShortcut(QKeySequence("Ctrl+D"))
        self.due_now_action.triggered.connect(self.show_due_now)
        view_menu.addAction(self.due_now_action)
        self.pump_calendar_action = QAction("&Pump calendar (every pump's dates, 90 days)", self)
        self.pump_calendar_action.setShortcut(QKeySequence("Ctrl+Shift+P"))
        self.pump_calendar_action.triggered.connect(self.show_pump_calendar)
        view_menu.addAction(self.pump_calendar_action)
        self.legend_action = QAction("&Legend (what the icons and colours mean)", self)
        self.legend_action.setShortcut(QKeySequence("F1"))
        self.legend_action.triggered.connect(self._show_legend)
        view_menu.addAction(self.legend_action)
        view_menu.addSeparator()
        self.ward_server_action = QAction("Ward &server (in step with the other "
                                          "workstations?)…", self)
        self.ward_server_action.triggered.connect(self.show_ward_server)
        self.ward_server_action.setVisible(False)  # a ward file joined to a server only
        view_menu.addAction(self.ward_server_action)
        self.mute_action = QAction("&Mute alert sound on this workstation", self)
        self.mute_action.setCheckable(True)
        self.mute_action.setChecked(self.sound.muted)
        self.mute_action.setShortcut(QKeySequence("Ctrl+Shift+M"))
        self.mute_action.toggled.connect(self._set_muted)
        view_menu.addAction(self.mute_action)

        self.patient_menu = PatientMenu(self)  # admit, move bed, discharge, discharged records

        help_menu = self.menuBar().addMenu("&Help")
        about = QAction("&About ward_app", self)
        about.triggered.connect(self._about)
        help_menu.addAction(about)

    def _build_status_bar(self) -> None:
        actor = self.ctx.actor
        who = f"{actor.name} ({actor.role.replace('_', ' ')})" if actor else "no user"
        self.user_label = QLabel(f"User: {who}")
        self.user_label.setAccessibleName("Acting user")
        self.db_label = QLabel(f"Database: {self.ctx.path}")
        self.db_label.setAccessibleName("Database file")
        self.count_label = QLabel()
        self.updated_label = QLabel()
        self.updated_label.setAccessibleName("Last refreshed")
        bar = self.statusBar()
        bar.addWidget(self.user_label)
        bar.addWidget(self.db_label, 1)
        if self.drill:
            moment = self.ctx.now().astimezone(self.ctx.zone)
            drill = QLabel(f"DRILL TIME {moment:%d %b %Y %H:%M}")
            drill.setAccessibleName("Drill time")
            bar.addPermanentWidget(drill)
        self.sync_button = SyncStatusButton()
        # the share of doses scanned (issue 20): skipping is visible, not impossible
        self.scan_label = QLabel()
        self.scan_label.setObjectName("scanShare")
        self.scan_label.setAccessibleName("Doses scanned")
        bar.addPermanentWidget(self.scan_label)
        bar.addPermanentWidget(self.updated_label)
        bar.addPermanentWidget(self.count_label)

    def start_background_work(self) -> None:
        """After the window is shown: the full integrity check, then (if the file is sound)
        today's backup, each on a worker thread with a connection of its own (the window stays
        usable). A damaged file is never copied over the backups."""
        path = self.ctx.path
        self._jobs.append(run_in_background(self, lambda: file_integrity_problems(path),
                                            self._integrity_done, self._integrity_failed))

    def _integrity_done(self, problems: list[str]) -> None:
        self.backups.check_done(problems)
        if problems:
            self._say_damaged(f"The ward database failed its integrity check ({problems[0]}).")
            return
        self._daily_backup()

    def _integrity_failed(self, exc: BaseException) -> None:
        self.backups.check_failed(exc)
        if getattr(exc, "damaged", False):
            self._say_storage_problem(exc)
            return
        # busy, or could not run: say so quietly; the backup still goes ahead
        self._status(f"The background integrity check could not run: {exc}", 60_000)
        self._daily_backup()

    def _say_damaged(self, what: str) -> None:
        if self._storage_problem == "damaged":  # said already (by the refresh or the check)
            return
        self._storage_problem = "damaged"
        QMessageBox.critical(
            self, "The ward database is damaged",
            f"{what} Stop recording here and tell IT now.{damaged_advice(self.ctx.path)}")

    def _say_storage_problem(self, exc: BaseException) -> None:
        """A problem with the database file itself, shown once until it changes: the board may
        be out of date or empty, which a nurse must not mistake for an empty ward. A passing one
        (another workstation saving) stays in the status bar, with the board marked NOT
        UPDATED."""
        text = str(exc)
        if getattr(exc, "transient", False) or text == self._storage_problem:
            return
        if getattr(exc, "damaged", False):
            self._say_damaged(text.split(" Nothing was changed;")[0])
            return
        self._storage_problem = text
        QMessageBox.warning(self, "The ward database cannot be read", text)

    def _daily_backup(self) -> None:
        """Today's copy of the database beside it, when ``self.backups`` says it is due (once a
        ward day; a failed copy again 10 minutes later), made on a worker thread."""
        try:
            copy = self.backups.due(self.ctx.now(), time.monotonic())
        except WardError:
            return
        if copy is None:
            return

        def done(written) -> None:
            try:
                self.backups.saved(written)
            except WardError as exc:
                self.statusBar().showMessage(f"Backup saved but not audited: {exc}", 60_000)
                return
            self.statusBar().showMessage(f"Today's backup saved: {written.name}", 10_000)

        def failed(exc: BaseException) -> None:
            self.backups.failed(time.monotonic())  # tried again at a refresh after that
            self.statusBar().showMessage(f"Today's automatic backup failed: {exc}", 60_000)

        self._jobs.append(run_in_background(
            self, lambda: backup_file(copy.db_path, copy.folder, copy.name), done, failed))

    def refresh(self) -> None:
        """Everything again: the minute timer, F5, a change to the whole ward."""
        self._take_settings()  # one saved on another workstation too, within the minute
        if self.backups.on:  # once the background integrity check has let it
            self._daily_backup()  # a new ward day since the window opened, or a retry
        try:
            overview = ward_overview(self.ctx)
        except WardError as exc:
            self._not_refreshed(exc)
            return
        self._storage_problem = None
        self._show(overview)
        self._show_scan_share()
        self.updated_label.setText(
            f"Updated {overview.at.astimezone(self.ctx.zone):%H:%M}")
        self._sync_counts()
        for chart in list(self.charts.values()):
            if chart.isVisible():
                chart.apply_changes(Changes.everything(), overview)

    #: What the board, the alerts and the charts show; users and audit lines they do not.
    SHOWN = (Kind.DOSES, Kind.OBSERVATIONS, Kind.ORDERS, Kind.PUMP, Kind.PATIENT, Kind.ACKS)

    def apply_changes(self, changes: Changes) -> None:
        """After a write: the changed patients' rows and alerts worked out again and merged into
        the board and the alerts panel, and each open chart told (it ignores other patients)."""
        if changes.any_of(Kind.SETTINGS):
            self.apply_settings()
            return
        if changes.ward or self.overview is None:
            self.refresh()
            return
        if not (changes.any_of(*self.SHOWN) and changes.patient_ids):
            return
        try:
            part = ward_overview(self.ctx, patient_ids=changes.patient_ids)
        except WardError as exc:
            self._not_refreshed(exc)
            return
        self._show(self.overview.replacing(part, changes.patient_ids))
        if changes.any_of(Kind.DOSES):
            self._show_scan_share()
        for chart in list(self.charts.values()):
            if chart.isVisible():
                chart.apply_changes(changes, part)

    def _not_refreshed(self, exc: WardError) -> None:
        self.updated_label.setText("NOT UPDATED")
        self._status(f"Not refreshed: {exc}", 60_000)
        if isinstance(exc, StorageProblem):
            self._say_storage_problem(exc)

    def _show(self, overview: WardOverview) -> None:
        self.overview = overview
        self.board.set_rows(overview.rows, overview.at)
        self.alerts.set_alerts(overview.alerts)
        self.banner.show_alerts(overview.alerts)
        if self.locked and self.lock_screen is not None and isValid(self.lock_screen):
            self.lock_screen.show_alert_counts(overview.alerts)  # counts only, never whose
        fresh = new_alarm_keys(overview.alerts, self._alarm_keys)
        self._alarm_keys = new_alarm_keys(overview.alerts, set())
        if fresh:
            self.sound.play()
        urgent = sum(a.severity >= 2 for a in overview.alerts)
        self.alerts_dock.setWindowTitle(
            f"Alerts ({len(overview.alerts)}{f', {urgent} urgent or worse' if urgent else ''})")
        rows = overview.rows
        self.count_label.setText(
            f"{len(rows)} patient{'s' if len(rows) != 1 else ''}" if rows else "no patients")

    def _status(self, text: str, ms: int) -> None:
        """A status-bar message; one given before the window is shown waits until it is (shown
        earlier, Qt draws it over the user and database labels)."""
        if self.isVisible():
            self.statusBar().showMessage(text, ms)
        else:
            QTimer.singleShot(0, lambda: self.statusBar().showMessage(text, ms))

    def closeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        """Closing the window ends the session's timers (nothing refreshes a closed ward)."""
        self.timer.stop()
        self.idle.stop()
        self._closed = True
        app = QApplication.instance()
        if app is not None:
            self.scanner.flush()
            app.removeEventFilter(self.scanner)
        self.sync.stop()  # the worker ends on its own; the app waits for it when it quits
        super().closeEvent(event)

    # -- the ward server (issue 19) ----------------------------------------------------------------

    def _synced(self, changes: Changes) -> None:
        """Other workstations' records arrived: shown through the same path as a write made
        here (the board, the alerts, the banner and its chime, open charts), and Due now."""
        self.apply_changes(changes)
        if changes.any_of(Kind.SETTINGS):
            return  # apply_settings did Due now too
        if changes.any_of(*self.SHOWN) and self.due_dialog is not None and \
                self.due_dialog.isVisible():
            self.due_dialog.refresh()

    def _start_sync(self) -> None:
        """Sync in the background, when this ward file has joined a ward server."""
        if not self._closed:
            self.sync.start()

    def _sync_counts(self) -> None:
        if self.sync.joined:  # e.g. one more record waiting to be sent while offline
            self.sync.update_status()

    def _show_sync(self, status: SyncStatus) -> None:
        zone = self.ctx.zone
        if status.joined and self.sync_button.parent() is None:
            # added once joined: a hidden permanent widget re-shows the bar's widgets under a
            # message ("Not refreshed …"), which a ward without a server must not change
            self.statusBar().addPermanentWidget(self.sync_button)
        self.sync_button.show_status(status, zone)
        self.offline_strip.show_status(status, zone)
        self.ward_server_action.setVisible(status.joined)

    def show_ward_server(self) -> WardServerDialog:
        """The Ward server dialog: where, whether in step, what waits; Sync now."""
        dialog = WardServerDialog(self.sync, self.ctx.zone, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.setModal(True)
        dialog.show()
        return dialog

    def apply_permissions(self) -> None:
        # a nurse reads the handover on screen (issue 17); printing it stays the charge nurse's
        allow(self.ctx, self.handover_action, Action.HANDOVER, Action.TAKE_OVER)
        allow(self.ctx, self.settings_action, Action.ADMIN)
        allow(self.ctx, self.take_over_action, Action.TAKE_OVER)
        allow(self.ctx, self.users_action, Action.ADMIN)
        allow(self.ctx, self.packs_action, Action.READ)
        allow(self.ctx, self.alerts.ack_action, Action.ACK_ALERT)
        allow(self.ctx, self.alerts.ack_button, Action.ACK_ALERT)
        self.patient_menu.apply_permissions()
        actor = self.ctx.actor
        who = f"{actor.name} ({actor.role.replace('_', ' ')})" if actor else "no user"
        self.user_label.setText(f"User: {who}")

    def lock(self, by_hand: bool = False) -> None:
        """Lock the window: patient data hidden until someone logs in. Every screen is covered
        (``ScreenCovers``); every open form is hidden (parked for the user who had it open) and
        comes back, as typed, when that same user logs in again; another user never sees it."""
        if self.locked or self.ctx.actor is None:
            return
        self.locked = True
        previous = self.ctx.actor
        forms = ParkedForms.open_forms()
        hidden: list[QWidget] = [w for w in [self.centralWidget(), self.alerts_dock,
                                             *self.charts.values()] if w is not None and w.isVisible()]
        self.parked.park(previous, forms)  # hidden first: nothing shows behind the lock
        for w in hidden:
            w.hide()
        covers: ScreenCovers | None = None
        try:
            dialog = LoginDialog(self.ctx, self, locked_by=previous, ops=self.ops,
                                 by_hand=by_hand)
            self.lock_screen = dialog
            if self.overview is not None:
                dialog.show_alert_counts(self.overview.alerts)

            def fill(screen) -> None:  # the log-in's screen was unplugged: fill another one
                dialog.setGeometry(screen.geometry())
                dialog.raise_()

            covers = ScreenCovers(dialog.screen(), fill, self)
            self.screen_covers = covers
            covers.cover()
            dialog.exec()
            user = dialog.actor or previous
        finally:
            if covers is not None:
                covers.uncover()
            self.locked = False
        for w in hidden:
            if isValid(w):
                w.show()
        # theirs again, as typed (none for a new user); also any kept in the database only
        forms_back = self.parked.restore(user, self.refresh)
        if user.id != previous.id:
            self.alerts.forget_requests()  # a pending acknowledgement is not the new user's
            for pid, chart in self.charts.items():
                if chart.isVisible():  # now read by the new user
                    audit_read(self.ctx, "chart", pid, {"after": "user switch"}, near=self)
        kept = self.parked.waiting().get(previous.id, 0) if user.id != previous.id else 0
        self._say_forms_back(forms_back, f"{kept} form{'s' if kept != 1 else ''} {previous.name} "
                             f"had open {'are' if kept != 1 else 'is'} kept for them, unsaved and "
                             "hidden, until they log in here again." if kept else "")
        self.apply_permissions()
        for chart in self.charts.values():
            chart.apply_permissions()
        self.refresh()

    def show_audit(self) -> None:
        from ward_app.gui.audit_dialog import AuditDialog

        AuditDialog(self.ctx, self).exec()

    def apply_settings(self) -> None:
        """The one path after a setting changes (Settings… saved): what the window keeps from the
        settings is taken again at once (the idle lock's minutes, the ward's time zone) and
        everything is worked out again with the new values: the board, the alerts and their
        thresholds, open charts (dose windows), Due now. The minute refresh does the same for a
        change saved on another workstation."""
        self.refresh()
        if self.due_dialog is not None and self.due_dialog.isVisible():
            self.due_dialog.refresh()

    def _take_settings(self) -> None:
        try:
            t = self.ctx.thresholds()
        except WardError:
            return  # the refresh that follows says why
        if self._lock_after_s is None:
            # IdleWatch reads ``seconds`` at each of its checks (every 5 s)
            self.idle.set_minutes(t.session_lock_minutes)
        zone = self.ctx.zone
        if zone != self.board.model.zone:  # only possible before any clinical record
            from ward_app.gui.alerts_panel import alert_columns

            self.board.model.zone = zone
            self.alerts.model._zone = zone  # the detail pane's times
            self.alerts.model.set_rows(self.alerts.model.rows, alert_columns(zone))

    def show_users(self) -> None:
        from ward_app.gui.users_dialog import UsersDialog

        UsersDialog(self.ctx, self, ops=self.ops).exec()

    def show_medicine_packs(self):  # type: ignore[no-untyped-def]
        from ward_app.gui.medicine_packs_dialog import MedicinePacksDialog

        dialog = MedicinePacksDialog(self.ctx, self, ops=self.ops)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.setModal(True)
        dialog.show()
        return dialog

    def _show_scan_share(self) -> None:
        """The last 24 hours' doses given, and how many were scanned (tooltip: the skips)."""
        now = self.ctx.now()
        try:
            share = scanning.scan_share(self.ctx, now - SCAN_SHARE_SPAN, now)
        except WardError:
            return
        self.scan_label.setText("Scanned: —" if share.percent is None else
                                f"Scanned: {share.percent} % of doses (24 h)")
        self.scan_label.setToolTip("Doses given in the last 24 hours: " + share.sentence())
        low = share.percent is not None and share.skipped_total + share.unscanned > 0
        self.scan_label.setStyleSheet("color: #8a4b00; font-weight: bold;" if low else "")

    def show_settings(self) -> None:
        from ward_app.gui.settings_dialog import SettingsDialog

        SettingsDialog(self.ctx, self, ops=self.ops).exec()  # a change refreshes everything

    def show_pump_checklist(self, patient_id: int):  # type: ignore[no-untyped-def]
        """A pump failure alert activated: its checklist beside the chart (issue 18, item 6)."""
        from ward_app.gui.pump_checklist import PumpChecklistDialog

        dialog = PumpChecklistDialog(self.ctx, patient_id, self, ops=self.ops)
        dialog.show()
        # above the chart the same activation opened (a window of its own, raised after this)
        QTimer.singleShot(0, dialog.raise_)
        QTimer.singleShot(0, dialog.activateWindow)
        return dialog

    def show_pump_calendar(self):  # type: ignore[no-untyped-def]
        """View → Pump calendar: every pump's refill-by, alarm, empty, ERI and stability dates."""
        from ward_app.gui.pump_calendar import show_pump_calendar

        return show_pump_calendar(self)

    def take_over(self):  # type: ignore[no-untyped-def]
        """File → Take over the ward…: the incoming nurse's take-over (clinical-rules §8)."""
        from ward_app.gui.takeover_dialog import TakeOverDialog

        dialog = TakeOverDialog(self.ctx, self, ops=self.ops)
        if dialog.exec() == TakeOverDialog.DialogCode.Accepted and dialog.taken is not None:
            view = dialog.taken
            scope = f"beds {', '.join(view.beds)}" if view.beds else "the ward"
            self._status(f"You took over {scope} at {view.at:%H:%M}; {len(view.outstanding)} "
                         "item(s) outstanding (View → Due now).", 60_000)
        return dialog

    def print_handover(self) -> HandoverDialog:
        from ward_app.gui.handover_dialog import HandoverDialog  # reportlab: loaded when needed

        dialog = HandoverDialog(self.ctx, self, ops=self.ops)
        dialog.setModal(True)
        dialog.show()
        return dialog

    def _set_muted(self, muted: bool) -> None:
        self.sound.set_muted(muted)
        self.statusBar().showMessage(
            "Alert sound muted on this workstation: the red banner still shows new urgent alerts."
            if muted else "Alert sound on.", 10_000)

    def _acknowledge_key(self, key: str) -> None:
        if self.alerts.select_key(key):
            self.alerts.acknowledge_current()

    def row_for(self, patient_id: int) -> BoardRow | None:
        rows = self.overview.rows if self.overview else []
        return next((r for r in rows if r.patient_id == patient_id), None)

    def _sort_by_acuity(self, on: bool) -> None:
        """Most acute first (kept as this workstation's default), or by bed."""
        QSettings().setValue(ACUITY_KEY, on)
        column = ACUITY_COLUMN if on else 0
        self.board.table.sortByColumn(column, Qt.SortOrder.AscendingOrder)

    def show_due_now(self):  # type: ignore[no-untyped-def]
        """The Due now worklist, beside the board (one at a time; shown again if open)."""
        from ward_app.gui.due_now import DueNowDialog

        if self.due_dialog is None or not self.due_dialog.isVisible():
            self.due_dialog = DueNowDialog(self.ctx, self._open_due_item, self)
        else:
            self.due_dialog.refresh()
        self.due_dialog.show()
        self.due_dialog.raise_()
        self.due_dialog.activateWindow()
        return self.due_dialog

    def _open_due_item(self, item) -> None:  # type: ignore[no-untyped-def]
        chart = self.open_chart(item.patient_id)
        if chart is not None and item.kind == "dose":
            chart.record_due(item.due)
        if self.due_dialog is not None and self.due_dialog.isVisible():
            self.due_dialog.refresh()

    def fit_to_screen(self) -> None:
        """Open at 1200×800, or smaller where the screen's free area (less task bars) is: the
        status bar and the alerts stay in sight on a 1280×800 screen (issue 16)."""
        screen = self.screen() or QApplication.primaryScreen()
        free = screen.availableGeometry() if screen is not None else None
        if free is None or free.width() <= 0:
            self.resize(1200, 800)
            return
        frame = 40  # the window manager's title bar and borders
        width, height = min(1200, free.width()), min(800, free.height() - frame)
        self.resize(width, height)
        self.move(free.x() + (free.width() - width) // 2,
                  free.y() + max(0, (free.height() - height - frame) // 2))

    def _show_legend(self) -> None:
        from ward_app.gui.legend import LegendDialog

        LegendDialog(self, self.ctx.thresholds()).exec()

    def _open_from_board(self, index) -> None:
        if not index.isValid():
            return
        source = self.board.proxy.mapToSource(index)
        self.open_chart(self.board.model.row_at(source.row()).patient_id)

    def open_chart(self, patient_id: int) -> PatientChart | None:
        from ward_app.gui.patient_chart import PatientChart  # pyqtgraph: loaded with the first chart

        row = self.row_for(patient_id) or discharged_row(self.ctx, patient_id)  # read-only
        if row is None:
            return None
        chart = self.charts.get(patient_id)
        if chart is None or not chart.isVisible():  # opened, not merely raised: audited
            audit_read(self.ctx, "chart", patient_id, near=self)
        if chart is None:
            chart = PatientChart(self.ctx, row, self, ops=self.ops)
            self.charts[patient_id] = chart
        else:
            chart.refresh(row)
        chart.show()
        chart.raise_()
        chart.activateWindow()
        return chart

    # -- scanning (issue 20) -----------------------------------------------------------------------

    def _watching_scans(self, widget: QWidget) -> bool:
        """Keys typed in this window, its charts and their dialogs (never while locked)."""
        if self.locked:
            return False
        w: QWidget | None = widget
        while w is not None:
            if w is self:
                return True
            w = w.parentWidget()
        return False

    def _scanned(self, text: str, widget: object) -> None:
        # out of the event filter first: what a scan opens may run an event loop of its own
        QTimer.singleShot(0, lambda: self.handle_scan(text, widget))

    def handle_scan(self, text: str, widget: object = None) -> None:
        """A scanned code: a form that takes scans (the record dialog) gets it; otherwise a
        wristband opens that patient's chart, and a pack says where to scan it."""
        window = _scan_taker(widget) or _scan_taker(QApplication.activeModalWidget())
        taker = getattr(window, "handle_scan", None) if window not in (None, self) else None
        if taker is not None and window is not None and window.isVisible() and taker(text):
            return
        try:
            found = scanning.read_scan(self.ctx, text)
        except WardError as exc:
            QMessageBox.warning(self, "Scan", str(exc))
            return
        if found.kind == "wristband" and found.patient is not None:
            chart = self.open_chart(found.patient.id)
            self._status(f"Wristband scanned: {found.patient.name}, bed {found.patient.bed}"
                         if chart is not None else f"Wristband scanned: {found.patient.name} "
                         "(no chart to open)", 10_000)
        elif found.kind == "medicine":
            product = found.product.product if found.product is not None else \
                f"GTIN {found.code.gtin} (not in the ward's medicine table)"  # type: ignore[union-attr]
            QMessageBox.information(
                self, "Medicine pack scanned",
                f"{product}.\n\nTo give it: scan the patient's wristband (their chart opens), "
                "choose the dose and Record…, then scan the pack in the Record dose window: it "
                "is checked against the order there.")
        else:
            title = "Wristband not on this ward" if found.kind == "wristband" else \
                "Code not recognised"
            QMessageBox.warning(self, title, str(found.problem))

    def _focus_find(self) -> None:
        self.board.find_box.setFocus()
        self.board.find_box.selectAll()

    def _about(self) -> None:
        QMessageBox.about(
            self, "About ward_app",
            f"ward_app {__version__}\n\nMedication record, observations and alerts for ward "
            f"patients on baclofen.\n\nDatabase: {self.ctx.path}",
        )


def _scan_taker(widget: object) -> QWidget | None:
    """The form a scan belongs to: the nearest window up from ``widget`` that takes scans (the
    record dialog, the refill dialog...), also when the focus is in a drop-down list or a date
    popup of that form, whose own window is the popup."""
    w = widget if isinstance(widget, QWidget) and isValid(widget) else None
    while w is not None:
        top = w.window()
        if hasattr(top, "handle_scan"):
            return top
        w = top.parentWidget()
    return None
