"""The main window: composes the ward board and says where the data is and who is acting."""

from __future__ import annotations

from PySide6.QtGui import QAction, QIcon, QKeySequence
from PySide6.QtWidgets import QLabel, QMainWindow, QMessageBox

from ward_app import __version__
from ward_app.domain.errors import WardError
from ward_app.gui.ward_board import WardBoardPanel
from ward_app.resources import resource_path
from ward_app.services.board import ward_board
from ward_app.services.context import Context
from ward_app.storage import people


class MainWindow(QMainWindow):
    def __init__(self, ctx: Context, *, drill: bool = False, parent=None):
        super().__init__(parent)
        self.ctx = ctx
        self.drill = drill
        wards = people.wards(ctx.db)
        self.ward_name = wards[0].name if wards else "no ward"
        self.setWindowTitle(f"{self.ward_name} — ward_app")
        self.setWindowIcon(QIcon(str(resource_path("icons/ward-app.svg"))))
        self.setObjectName("mainWindow")

        self.board = WardBoardPanel(self)
        self.setCentralWidget(self.board)
        self._build_actions()
        self._build_status_bar()
        self.refresh()
        self.resize(1100, 720)

    def _build_actions(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        self.refresh_action = QAction("&Refresh ward board", self)
        self.refresh_action.setShortcut(QKeySequence.StandardKey.Refresh)
        self.refresh_action.triggered.connect(self.refresh)
        file_menu.addAction(self.refresh_action)
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
        bar = self.statusBar()
        bar.addWidget(self.user_label)
        bar.addWidget(self.db_label, 1)
        if self.drill:
            moment = self.ctx.now().astimezone(self.ctx.zone)
            drill = QLabel(f"DRILL TIME {moment:%d %b %Y %H:%M}")
            drill.setAccessibleName("Drill time")
            bar.addPermanentWidget(drill)
        bar.addPermanentWidget(self.count_label)

    def refresh(self) -> None:
        try:
            rows = ward_board(self.ctx)
        except WardError as exc:
            QMessageBox.warning(self, "Ward board not refreshed", str(exc))
            return
        self.board.set_rows(rows)
        self.count_label.setText(f"{len(rows)} patients" if rows else "no patients")

    def _focus_find(self) -> None:
        self.board.find_box.setFocus()
        self.board.find_box.selectAll()

    def _about(self) -> None:
        QMessageBox.about(
            self, "About ward_app",
            f"ward_app {__version__}\n\nMedication record, observations and alerts for ward "
            f"patients on baclofen.\n\nDatabase: {self.ctx.path}",
        )
