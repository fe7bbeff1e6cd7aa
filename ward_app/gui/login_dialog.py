"""Logging in: the window opens on this dialog, and the lock screen is the same dialog. Five
failed attempts lock the account for a while (settings); nothing about the password is kept."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from ward_app.domain.alerts import Alert, Severity
from ward_app.domain.errors import WardError
from ward_app.gui.form_parts import problem_label, show_problem
from ward_app.gui.ops import Ops, runner
from ward_app.services.auth import login
from ward_app.services.context import Actor, Context

#: The log-in panel's width; its texts wrap inside it (less the margins).
PANEL_WIDTH = 480
_TEXT_WIDTH = PANEL_WIDTH - 36


def _fit(label: QLabel, padding: int = 0) -> None:
    """A wrapped label as tall as its text at the panel's width (and its style's padding): the
    panel is centred in the lock screen, where the layout does not ask labels their height for
    the width, so a long line was cut off."""
    label.setMinimumHeight(label.heightForWidth(_TEXT_WIDTH - 2 * padding) + 2 * padding + 2)


class LoginDialog(QDialog):
    """``actor`` is set when a user logged in successfully."""

    def __init__(self, ctx: Context, parent=None, *, ward: str = "", locked_by: Actor | None = None,
                 demo_hint: str | None = None, ops: Ops | None = None, by_hand: bool = False):
        super().__init__(parent)
        self.ctx = ctx
        self.ops = runner(ctx, ops, self)
        self.actor: Actor | None = None
        self.setWindowTitle("ward_app — locked" if locked_by else "ward_app — log in")
        self.setAccessibleName("Log in")
        self.setObjectName("loginDialog")
        if locked_by is not None:
            why = "by its user" if by_hand else "after a time without use"
            text = (f"<b>Locked</b> {why}. {locked_by.name} was working here: "
                    "log in to carry on. Another user may log in; anything the first user had "
                    "open is kept for them, untouched.")
        else:
            text = f"<b>{ward}</b><br>Log in with your own user name and password."
        heading = QLabel(text, self)
        heading.setWordWrap(True)
        heading.setTextFormat(Qt.TextFormat.RichText)
        self.name = QLineEdit(self)
        self.name.setAccessibleName("User name")
        self.name.setObjectName("loginName")
        if locked_by is not None:
            self.name.setText(locked_by.name)
        self.password = QLineEdit(self)
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setAccessibleName("Password")
        self.password.setObjectName("loginPassword")
        self.error = problem_label(self, "loginError")
        form = QFormLayout()
        form.addRow("&User name:", self.name)
        form.addRow("&Password:", self.password)
        buttons = QDialogButtonBox(self)
        ok = buttons.addButton("&Log in", QDialogButtonBox.ButtonRole.AcceptRole)
        ok.setDefault(True)
        if locked_by is None:
            buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.submit)
        buttons.rejected.connect(self.reject)
        panel = QWidget(self)
        panel.setObjectName("loginPanel")
        panel.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        layout = QVBoxLayout(panel)
        layout.setContentsMargins(18, 16, 18, 16)
        layout.setSpacing(10)
        _fit(heading)
        layout.addWidget(heading)
        self.alert_counts = QLabel(panel)  # the lock screen: how many alerts, never whose
        self.alert_counts.setObjectName("lockAlerts")
        self.alert_counts.setAccessibleName("Active alerts on the ward")
        self.alert_counts.setWordWrap(True)
        self.alert_counts.hide()
        layout.addWidget(self.alert_counts)
        if demo_hint:
            hint = QLabel(demo_hint, panel)
            hint.setObjectName("demoHint")
            hint.setWordWrap(True)
            hint.setStyleSheet("background: #e6f0fa; color: #111111; padding: 6px;")
            _fit(hint, 6)
            layout.addWidget(hint)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        outer = QVBoxLayout(self)
        outer.addStretch(1)
        outer.addWidget(panel, 0, Qt.AlignmentFlag.AlignHCenter)
        outer.addStretch(1)
        panel.setFixedWidth(PANEL_WIDTH)  # its wrapped texts are measured at this width
        if locked_by is not None:
            # The lock covers the whole screen: nothing of the ward shows while it is locked.
            self.setObjectName("lockScreen")
            self.setWindowFlags(Qt.WindowType.Dialog | Qt.WindowType.FramelessWindowHint
                                | Qt.WindowType.WindowStaysOnTopHint)
            self.setStyleSheet("#lockScreen { background: #2b3a4a; } #loginPanel { background: "
                               "palette(window); border-radius: 6px; }")
            screen = (parent.screen() if parent is not None else None) or \
                QGuiApplication.primaryScreen()
            if screen is not None:
                self.setGeometry(screen.geometry())
        (self.password if self.name.text() else self.name).setFocus()

    def show_alert_counts(self, alerts: Sequence[Alert]) -> None:
        """On the lock screen: the count of active emergency and urgent alerts, in the banner's
        colour; no patient is named. Nothing shown when there are none."""
        emergency = sum(a.severity is Severity.EMERGENCY for a in alerts)
        urgent = sum(a.severity is Severity.URGENT for a in alerts)
        new = sum(not a.acknowledged and a.severity >= Severity.URGENT for a in alerts)
        if not (emergency or urgent):
            self.alert_counts.hide()
            return
        parts = [f"{emergency} EMERGENCY"] if emergency else []
        parts += [f"{urgent} URGENT"] if urgent else []
        self.alert_counts.setText(
            f"⚠ {' and '.join(parts)} alert{'s' if emergency + urgent != 1 else ''} active on "
            f"the ward ({new} not yet acknowledged). Log in to see them.")
        colour = "#b91c1c" if emergency else "#9a3412"
        self.alert_counts.setStyleSheet(f"background: {colour}; color: #ffffff; "
                                        "font-weight: bold; padding: 8px;")
        _fit(self.alert_counts, 8)
        self.alert_counts.show()

    def submit(self) -> None:
        try:
            name, password = self.name.text(), self.password.text()
            self.actor = self.ops.run(lambda: login(self.ctx, name, password))
        except WardError as exc:
            self.password.clear()
            show_problem(self.error, str(exc))
            self.password.setFocus()
            return
        self.password.clear()
        self.accept()

    def reject(self) -> None:
        if self.windowTitle().endswith("locked"):
            return  # the lock screen cannot be dismissed without logging in
        super().reject()
