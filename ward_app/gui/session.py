"""The session on a shared workstation: the window locks after idle time (setting
``session.lock_minutes``). Logging back in as the same user carries on exactly where they were.
If another user logs in, the first user's open forms are put away untouched (not submitted under
the wrong name) and come back, as they were, when that user logs in again."""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QDialog, QWidget
from shiboken6 import isValid

from ward_app.domain.errors import WardError
from ward_app.services.context import Actor, Context
from ward_app.services.reads import record_read

_ACTIVITY = {QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress, QEvent.Type.MouseMove,
             QEvent.Type.Wheel, QEvent.Type.TouchBegin}


def audit_read(ctx: Context, what: str, patient_id: int | None = None,
               detail: dict | None = None, *, near: QWidget | None = None) -> bool:
    """Audit a read of patient data the window shows (a chart opened, a sheet printed or saved,
    records exported): one audit row. When the row cannot be written (the database busy or
    unreadable), the data is still shown (patient care first) and the window's status bar says
    the read was not audited; False then."""
    try:
        record_read(ctx, what, patient_id, detail)
    except WardError as exc:
        window = near.window() if near is not None else None
        bar = getattr(window, "statusBar", None)
        if callable(bar):
            bar().showMessage(f"This {what.replace('_', ' ')} was not recorded in the audit "
                              f"trail: {exc}", 30_000)
        return False
    return True


class IdleWatch(QObject):
    """Calls ``on_idle`` once after ``seconds`` without a key press, click or mouse move."""

    def __init__(self, seconds: float, on_idle: Callable[[], None], parent: QObject | None = None):
        super().__init__(parent)
        self.seconds = seconds
        self.on_idle = on_idle
        self.last = time.monotonic()
        self.paused = False
        self.timer = QTimer(self)
        self.timer.setInterval(5_000)
        self.timer.timeout.connect(self.check)
        self.timer.start()
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)

    def eventFilter(self, watched, event):  # noqa: N802 - Qt's name
        if event.type() in _ACTIVITY:
            self.last = time.monotonic()
        return False

    def stop(self) -> None:
        self.timer.stop()
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)

    def touch(self) -> None:
        self.last = time.monotonic()

    def check(self) -> None:
        if not self.paused and time.monotonic() - self.last >= self.seconds:
            self.paused = True
            try:
                self.on_idle()
            finally:
                self.paused = False
                self.touch()


class ParkedForms:
    """Forms a user left open when someone else logged in, kept per user until they return."""

    def __init__(self) -> None:
        self.by_user: dict[int, list[QDialog]] = {}

    @staticmethod
    def open_forms(exclude: QWidget | None = None) -> list[QDialog]:
        return [w for w in QApplication.topLevelWidgets()
                if isinstance(w, QDialog) and isValid(w) and w.isVisible() and w is not exclude]

    def park(self, user: Actor, forms: list[QDialog]) -> None:
        """Put ``forms`` away for ``user``: hidden (their own modal loops end as if cancelled;
        nothing is submitted), their contents kept."""
        kept = self.by_user.setdefault(user.id, [])
        for form in forms:
            form.setProperty("parked_for", user.name)
            kept.append(form)
            form.hide()

    def restore(self, user: Actor, on_accepted: Callable[[], None]) -> list[QDialog]:
        """Show again what ``user`` had open, as they left it."""
        forms = [f for f in self.by_user.pop(user.id, []) if isValid(f)]
        for form in forms:
            form.accepted.connect(on_accepted)
            form.open()
        return forms

    def waiting(self) -> dict[int, int]:
        return {uid: len(forms) for uid, forms in self.by_user.items() if forms}
