"""The session on a shared workstation: the window locks after idle time (setting
``session.lock_minutes``), on Ctrl+L and on Switch user. While locked, every screen is covered
(the log-in on one, an opaque cover on each of the others, following screens plugged in or out)
and every open form is hidden (not made transparent: without a compositor a transparent window
still shows). Logging back in as the same user brings the forms back exactly as they were (typed
text kept). If another user logs in, the first user's open forms stay put away, untouched (never
shown to the next user, never submitted under the wrong name), and come back, as they were, when
that user logs in again here. The forms that can be opened again (``gui/form_state.py``) are also
kept in the ward database, so they come back after the window closed or crashed."""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QRect, Qt, QTimer
from PySide6.QtGui import QColor, QGuiApplication, QPalette, QScreen
from PySide6.QtWidgets import QApplication, QDialog, QLabel, QVBoxLayout, QWidget
from shiboken6 import isValid

from ward_app.domain.errors import WardError
from ward_app.gui.form_state import Parkable
from ward_app.services import parked_forms
from ward_app.services.context import Actor, Context
from ward_app.services.parked_forms import ParkedForm
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
    """Calls ``on_idle`` once after ``seconds`` without a key press, click or mouse move; and,
    with ``lock_now``, that when Ctrl+L is pressed in a form (a modal form blocks the window's own
    Ctrl+L shortcut, and a form is a window of its own where that shortcut does not reach, yet a
    nurse called away mid-form must be able to lock)."""

    def __init__(self, seconds: float, on_idle: Callable[[], None], parent: QObject | None = None,
                 *, lock_now: Callable[[], None] | None = None):
        super().__init__(parent)
        self.seconds = seconds
        self.on_idle = on_idle
        self.lock_now = lock_now
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
        if (self.lock_now is not None and event.type() == QEvent.Type.KeyPress
                and isinstance(watched, QWidget)  # the widget's turn, not its QWindow's
                and event.key() == Qt.Key.Key_L
                and event.modifiers() & Qt.KeyboardModifier.ControlModifier):
            # A Ctrl+L the window's own shortcut did not take (it never reaches here then): in a
            # form, modal or not, whichever widget has the focus (or none: the form itself).
            # Taken here, on the first widget it reaches, so it locks once.
            QTimer.singleShot(0, self.lock_now)  # after this key event, not inside it
            return True
        return False

    def stop(self) -> None:
        self.timer.stop()
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)

    def touch(self) -> None:
        self.last = time.monotonic()

    def set_minutes(self, minutes: float) -> None:
        """A new lock time (the setting ``session.lock_minutes`` changed): in force at once, at
        the next check (within 5 s), counted from the last key press or click as before."""
        if minutes <= 0:
            raise ValueError(f"the lock time must be more than 0 minutes, not {minutes}")
        self.seconds = 60 * float(minutes)

    def check(self) -> None:
        if not self.paused and time.monotonic() - self.last >= self.seconds:
            self.paused = True
            try:
                self.on_idle()
            finally:
                self.paused = False
                self.touch()


LOCK_BACKGROUND = "#2b3a4a"


def cover_for(screen: QScreen, text: str = "Locked: log in on the other screen.") -> QWidget:
    """An opaque, frameless, always-on-top window over the whole of ``screen`` (anything with a
    ``geometry()``; a real QScreen is also given to the window, so it opens there)."""
    cover = QWidget(None, Qt.WindowType.Window | Qt.WindowType.FramelessWindowHint
                    | Qt.WindowType.WindowStaysOnTopHint)
    cover.setObjectName("lockCover")
    cover.setWindowTitle("ward_app — locked")
    cover.setAccessibleName("Locked")
    palette = cover.palette()
    palette.setColor(QPalette.ColorRole.Window, QColor(LOCK_BACKGROUND))
    cover.setPalette(palette)
    cover.setAutoFillBackground(True)  # opaque: every pixel painted, nothing behind shows
    label = QLabel(text, cover)
    label.setStyleSheet("color: #ffffff; font-size: 16pt;")
    label.setAlignment(Qt.AlignmentFlag.AlignCenter)
    QVBoxLayout(cover).addWidget(label)
    if isinstance(screen, QScreen):
        cover.setScreen(screen)
    cover.setGeometry(QRect(screen.geometry()))
    return cover


class ScreenCovers(QObject):
    """While the window is locked: one opaque cover on every screen but ``login_screen`` (the one
    the log-in fills), added and removed as screens are plugged in or out. When the log-in's own
    screen goes, ``moved_login(screen)`` is told the screen it should fill now (and that screen's
    cover goes)."""

    def __init__(self, login_screen: QScreen | None,
                 moved_login: Callable[[QScreen], None] | None = None,
                 parent: QObject | None = None):
        super().__init__(parent)
        self.login_screen = login_screen
        self.moved_login = moved_login
        self.covers: dict[int, tuple[QScreen, QWidget]] = {}
        self._following = False

    def cover(self, screens: list[QScreen] | None = None) -> list[QWidget]:
        """Cover ``screens`` (default: every screen there is) and follow screens plugged in or out
        until ``uncover()``; the covers made."""
        app = QGuiApplication.instance()
        if screens is None:
            screens = list(QGuiApplication.screens())
        if app is not None and not self._following:
            app.screenAdded.connect(self.add)  # type: ignore[attr-defined]
            app.screenRemoved.connect(self.remove)  # type: ignore[attr-defined]
            self._following = True
        return [c for c in map(self.add, screens) if c is not None]

    def add(self, screen: QScreen) -> QWidget | None:
        if screen is self.login_screen or id(screen) in self.covers:
            return None
        cover = cover_for(screen)
        self.covers[id(screen)] = (screen, cover)
        cover.show()
        cover.raise_()
        return cover

    def remove(self, screen: QScreen) -> None:
        self._drop(screen)
        if screen is self.login_screen:  # the log-in moves to a screen still there
            primary = QGuiApplication.primaryScreen()
            remaining = [s for s, _c in self.covers.values()]
            target = primary if primary is not None and primary is not screen and (
                primary in QGuiApplication.screens()) else (remaining[0] if remaining else None)
            self.login_screen = target
            if target is not None:
                self._drop(target)  # the log-in covers it now
                if self.moved_login is not None:
                    self.moved_login(target)

    def _drop(self, screen: QScreen) -> None:
        _screen, cover = self.covers.pop(id(screen), (None, None))
        if cover is not None and isValid(cover):
            cover.close()
            cover.deleteLater()

    def covered(self) -> list[QRect]:
        """The geometry of each cover shown (for tests and the manual check)."""
        return [c.geometry() for _s, c in self.covers.values() if isValid(c) and c.isVisible()]

    def uncover(self) -> None:
        app = QGuiApplication.instance()
        if app is not None and self._following:
            app.screenAdded.disconnect(self.add)  # type: ignore[attr-defined]
            app.screenRemoved.disconnect(self.remove)  # type: ignore[attr-defined]
            self._following = False
        for _screen, cover in list(self.covers.values()):
            if isValid(cover):
                cover.close()
                cover.deleteLater()
        self.covers.clear()


class ParkedForms:
    """Forms a user left open at the lock, kept per user until they return.

    In this window the form itself is kept, hidden (it comes back exactly as it was). A form
    that can be opened again (``gui/form_state.Parkable``: observations, a dose, a pump refill,
    alarm or details) is also kept in the ward database (``services/parked_forms``), so it comes
    back after the window was closed or crashed: ``reopen`` opens it again against its patient
    from what was kept. A kept form is deleted when it is saved, or discarded (Cancel)."""

    def __init__(self, ctx: Context | None = None,
                 reopen: Callable[[ParkedForm], QDialog | str] | None = None) -> None:
        self.ctx = ctx
        self.reopen = reopen
        self.by_user: dict[int, list[QDialog]] = {}
        #: Forms shown again, held until they close: the code that opened one with exec() has
        #: returned by then (hiding ended its loop), and without a reference PySide deletes it.
        self.restored: list[QDialog] = []
        #: What went wrong keeping or reopening forms the last time (said in the status bar).
        self.problems: list[str] = []

    @staticmethod
    def open_forms(exclude: QWidget | None = None) -> list[QDialog]:
        return [w for w in QApplication.topLevelWidgets()
                if isinstance(w, QDialog) and isValid(w) and w.isVisible() and w is not exclude]

    def park(self, user: Actor, forms: list[QDialog]) -> None:
        """Put ``forms`` away for ``user`` (the acting user still): hidden, not merely
        transparent (their own modal loops end as if cancelled; nothing is submitted), their
        contents kept, and written to the database first where the form can be opened again."""
        self.problems = []
        kept = self.by_user.setdefault(user.id, [])
        for form in forms:
            form.setProperty("parked_for", user.name)
            self._write(form)
            if form not in kept:
                kept.append(form)
            form.hide()

    def _write(self, form: QDialog) -> None:
        if self.ctx is None or not isinstance(form, Parkable):
            return
        patient = getattr(form, "patient", None)
        try:
            form.parked_id = parked_forms.park(  # type: ignore[attr-defined]
                self.ctx, form.form_kind, getattr(patient, "id", None), form.form_state(),
                getattr(form, "parked_id", None))
        except WardError as exc:  # kept in this window all the same
            self.problems.append(f"{form.windowTitle()}: not kept in the database ({exc})")
            return
        self._follow(form)

    def _follow(self, form: QDialog) -> None:
        """Once per form: its kept copy goes when it is saved or cancelled (discarded)."""
        if getattr(form, "parked_hooked", False):
            return
        form.parked_hooked = True  # type: ignore[attr-defined]
        form.finished.connect(lambda code, f=form: self._finished(f, code))

    def _finished(self, form: QDialog, code: int) -> None:
        form_id = getattr(form, "parked_id", None)
        if self.ctx is None or form_id is None:
            return
        form.parked_id = None  # type: ignore[attr-defined]
        try:
            if code == QDialog.DialogCode.Accepted:
                parked_forms.saved(self.ctx, form_id)
            else:
                parked_forms.discard(self.ctx, form_id)
        except WardError:
            pass  # still kept: it comes back at the next log-in, to be saved or cancelled again

    def restore(self, user: Actor, on_accepted: Callable[[], None]) -> list[QDialog]:
        """Show again what ``user`` (the acting user now) had open, as they left it: the forms
        kept in this window, then any kept in the database only (the window was closed or
        crashed since), opened again against their patient."""
        forms = [f for f in self.by_user.pop(user.id, []) if isValid(f)]
        in_window = {getattr(f, "parked_id", None) for f in forms}
        if self.ctx is not None and self.reopen is not None:
            try:
                stored = parked_forms.waiting(self.ctx)
            except WardError as exc:
                stored = []
                self.problems.append(f"Forms kept in the database not read: {exc}")
            for kept in stored:
                if kept.id in in_window:
                    continue
                form = self.reopen(kept)
                if isinstance(form, str):  # cannot be opened again: said, and discarded
                    self.problems.append(form)
                    self._quietly(parked_forms.discard, kept.id, form)
                    continue
                form.parked_id = kept.id  # type: ignore[attr-defined]
                self._follow(form)
                forms.append(form)
        for form in forms:
            form_id = getattr(form, "parked_id", None)
            if self.ctx is not None and form_id is not None:
                self._quietly(parked_forms.restored, form_id)
            if not getattr(form, "restore_hooked", False):  # once, however often it comes back
                form.restore_hooked = True  # type: ignore[attr-defined]
                form.accepted.connect(on_accepted)
                form.finished.connect(lambda _code, f=form: self._closed(f))
            if form not in self.restored:
                self.restored.append(form)
            form.open()
        return forms

    def _quietly(self, write: Callable[..., object], *args: object) -> None:
        """``write(ctx, *args)``; a storage problem is said (the form is shown all the same)."""
        if self.ctx is None:
            return
        try:
            write(self.ctx, *args)
        except WardError as exc:
            self.problems.append(str(exc))

    def _closed(self, form: QDialog) -> None:
        if form in self.restored:
            self.restored.remove(form)

    def waiting(self) -> dict[int, int]:
        """How many forms each user has kept (in this window or the database)."""
        counts = {uid: len(forms) for uid, forms in self.by_user.items() if forms}
        if self.ctx is not None:
            try:
                stored = parked_forms.kept_for_others(self.ctx)
            except WardError:
                stored = {}
            for uid, n in stored.items():
                counts[uid] = max(counts.get(uid, 0), n)
        return counts
