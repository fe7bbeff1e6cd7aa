"""A USB barcode scanner that types like a keyboard, told apart from a person typing.

A scanner sends the characters it read a few milliseconds apart, then Enter. A person types
slower (a tenth of a second or more between keys, nearly always). So every printable key is held
back for ``GAP_MS``: another key within that time joins the burst; a pause lets the burst through
to the widget it was meant for, unchanged and in order; Enter right after a burst of at least
``MIN_CHARS`` keys, none more than ``GAP_MS`` apart, is a scan — its characters never reach a
text box, and the window acts on the code instead.

Key times come from the window system (the moment the key was pressed), so a burst that
queued up while the window was busy is not mistaken for a scan; a key event with no time (one a
program made, e.g. a test robot or an accessibility tool) is never held. Password boxes are never
watched (a fast typist's password is never taken for a code), nor is anything while the window
is locked. Qt's event filters are the documented way to see every key first
(QObject.installEventFilter); there is no scanner support in Qt to use instead.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QLineEdit, QWidget

#: Keys at most this far apart (ms) are one burst (issue 20: a scan's keys are <= 100 ms apart).
GAP_MS = 100
#: A scan has at least this many characters before its Enter.
MIN_CHARS = 4
#: ASCII 29, the GS1 group separator (Ctrl+] on a keyboard).
GS = "\x1d"
#: How a scanned code's group separator (invisible) is shown in a pack box: the ␝ symbol.
SHOWN_GS = "\u241d"

_PLAIN = Qt.KeyboardModifier.NoModifier | Qt.KeyboardModifier.ShiftModifier | \
    Qt.KeyboardModifier.KeypadModifier
_ENTER = (Qt.Key.Key_Return, Qt.Key.Key_Enter)
#: Keys a scanner presses around a character (Shift for a capital, Ctrl for ASCII 29): they
#: neither join nor end a burst.
_MODIFIER_KEYS = frozenset({Qt.Key.Key_Shift, Qt.Key.Key_Control, Qt.Key.Key_Alt,
                            Qt.Key.Key_AltGr, Qt.Key.Key_Meta, Qt.Key.Key_CapsLock,
                            Qt.Key.Key_NumLock})


@dataclass
class _Held:
    widget: QWidget
    event: QKeyEvent
    at: float  # ms


def _copy(event: QKeyEvent) -> QKeyEvent:
    return QKeyEvent(event.type(), event.key(), event.modifiers(), event.nativeScanCode(),
                     event.nativeVirtualKey(), event.nativeModifiers(), event.text(),
                     event.isAutoRepeat(), event.count())


class ScanDetector(QObject):
    """Watches every key the application gets (install with ``app.installEventFilter``) and emits
    ``scanned(text, widget)`` for a scan; ``widget`` had the keyboard focus."""

    scanned = Signal(str, object)

    def __init__(self, parent: QObject | None = None, *, watching: Callable[[QWidget], bool]
                 | None = None) -> None:
        super().__init__(parent)
        self._held: list[_Held] = []
        self._replaying = False
        self._watching = watching or (lambda _w: True)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(GAP_MS + 20)
        self._timer.timeout.connect(self._timed_out)
        self._draining = False

    # -- the filter ------------------------------------------------------------------------------

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if self._replaying or event.type() != QEvent.Type.KeyPress or \
                not isinstance(obj, QWidget) or not isinstance(event, QKeyEvent):
            return False
        if not event.timestamp():  # made by a program (a test, an accessibility tool), not a key
            self.flush()
            return False
        return self.key(obj, event, float(event.timestamp()))

    def key(self, widget: QWidget, event: QKeyEvent, at: float) -> bool:
        """One key pressed at ``at`` (ms): True when it is held back or taken as part of a scan."""
        text = event.text()
        if event.key() in _MODIFIER_KEYS:
            return False  # Shift before a capital letter is part of the burst, not a pause
        if not self._watchable(widget):
            self.flush()
            return False
        if self._held and at - self._held[-1].at > GAP_MS:
            self.flush()  # a pause: what was held was typed
        if event.key() in _ENTER and not event.modifiers() & ~_PLAIN:
            if len(self._held) >= MIN_CHARS:
                code = "".join(h.event.text() for h in self._held)
                self._held.clear()
                self._timer.stop()
                self.scanned.emit(code, widget)
                return True
            self.flush()
            return False
        plain = not event.modifiers() & ~_PLAIN and len(text) == 1 and text.isprintable() \
            and text != " "
        if not (plain or text == GS):
            self.flush()  # Tab, arrows, shortcuts...: what was held goes first, in order
            return False
        self._held.append(_Held(widget, _copy(event), at))
        self._timer.start()
        return True

    def _timed_out(self) -> None:
        """No key for a while by the wall clock. But the window may just have been busy (a
        refresh) while the scanner's next keys queued up: let those in first — they are judged
        by their own times — and let the held keys through only if nothing continued them."""
        if self._draining:
            return
        self._draining = True
        try:
            QApplication.processEvents()
        finally:
            self._draining = False
        if self._held and not self._timer.isActive():
            self.flush()

    def _watchable(self, widget: QWidget) -> bool:
        if isinstance(widget, QLineEdit) and widget.echoMode() != QLineEdit.EchoMode.Normal:
            return False  # a password is never taken for a code
        return self._watching(widget)

    def flush(self) -> None:
        """Let every held key through to its widget, in order (it was typed, not scanned)."""
        self._timer.stop()
        held, self._held = self._held, []
        if not held:
            return
        self._replaying = True
        try:
            for h in held:
                try:
                    QApplication.sendEvent(h.widget, h.event)
                except RuntimeError:  # the widget was closed meanwhile: the key has nowhere to go
                    continue
        finally:
            self._replaying = False

    @property
    def holding(self) -> str:
        return "".join(h.event.text() for h in self._held)


__all__ = ["GAP_MS", "MIN_CHARS", "SHOWN_GS", "ScanDetector"]
