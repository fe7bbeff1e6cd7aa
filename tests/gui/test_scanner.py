"""A keyboard-wedge scanner told from a person typing (gui/scanner.py): by the time between keys."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QLineEdit

from ward_app.gui.scanner import GAP_MS, MIN_CHARS, ScanDetector


def _key(text: str) -> QKeyEvent:
    if text == "\n":
        return QKeyEvent(QEvent.Type.KeyPress, Qt.Key.Key_Return, Qt.KeyboardModifier.NoModifier,
                         "\r")
    if text == "\x1d":
        return QKeyEvent(QEvent.Type.KeyPress, Qt.Key.Key_BracketRight,
                         Qt.KeyboardModifier.ControlModifier, text)
    key = Qt.Key(ord(text.upper())) if text.isalnum() else Qt.Key.Key_unknown
    mods = Qt.KeyboardModifier.ShiftModifier if text.isupper() else Qt.KeyboardModifier.NoModifier
    return QKeyEvent(QEvent.Type.KeyPress, key, mods, text)


class Keyboard:
    """Keys sent through the real application event filter, each with its own time stamp."""

    def __init__(self, detector: ScanDetector, widget) -> None:
        self.detector, self.widget, self.now = detector, widget, 1000.0
        self.scans: list[str] = []
        detector.scanned.connect(lambda text, _w: self.scans.append(text))

    def type(self, text: str, gap_ms: float) -> None:
        """As the window system sends them: a capital letter comes after a press of Shift, ASCII
        29 after a press of Ctrl (each with its own time, a millisecond before the key)."""
        for ch in text:
            self.now += gap_ms
            modifier = Qt.Key.Key_Shift if ch.isupper() else \
                Qt.Key.Key_Control if ch == "\x1d" else None
            if modifier is not None:
                press = QKeyEvent(QEvent.Type.KeyPress, modifier, Qt.KeyboardModifier.NoModifier)
                press.setTimestamp(int(self.now) - 1)
                QApplication.sendEvent(self.widget, press)
            event = _key(ch)
            event.setTimestamp(int(self.now))
            QApplication.sendEvent(self.widget, event)


@pytest.fixture
def keyboard(qtbot):
    box = QLineEdit()
    qtbot.addWidget(box)
    box.show()
    detector = ScanDetector(box)
    QApplication.instance().installEventFilter(detector)
    yield Keyboard(detector, box)
    QApplication.instance().removeEventFilter(detector)


def test_a_fast_burst_ending_in_enter_is_a_scan_and_never_reaches_the_text_box(keyboard):
    entered = []
    keyboard.widget.returnPressed.connect(lambda: entered.append(keyboard.widget.text()))
    keyboard.type("RX240891\n", gap_ms=5)
    assert keyboard.scans == ["RX240891"]
    assert keyboard.widget.text() == "" and entered == []  # the Enter was taken too


def test_shift_before_each_capital_neither_breaks_nor_joins_the_burst(keyboard):
    # a scanner presses Shift for every capital, as xdotool does: the burst must hold across it
    keyboard.type("RXAB0891\n", gap_ms=5)
    assert keyboard.scans == ["RXAB0891"]
    assert keyboard.widget.text() == ""


def test_a_person_typing_reaches_the_box_unchanged(keyboard, qtbot):
    entered = []
    keyboard.widget.returnPressed.connect(lambda: entered.append(keyboard.widget.text()))
    keyboard.type("RX240891\n", gap_ms=180)
    assert keyboard.scans == [] and keyboard.widget.text() == "RX240891"
    assert entered == ["RX240891"]


def test_just_over_the_gap_is_typing_and_at_the_gap_is_a_scan(keyboard):
    keyboard.type("ABCD\n", gap_ms=GAP_MS + 1)
    assert keyboard.scans == [] and keyboard.widget.text() == "ABCD"
    keyboard.widget.clear()
    keyboard.type("ABCD\n", gap_ms=GAP_MS)
    assert keyboard.scans == ["ABCD"] and keyboard.widget.text() == ""


def test_fewer_than_four_characters_is_typing(keyboard):
    keyboard.type("AB1\n", gap_ms=5)
    assert MIN_CHARS == 4 and keyboard.scans == [] and keyboard.widget.text() == "AB1"


def test_a_burst_without_enter_is_let_through_after_the_pause(keyboard, qtbot):
    keyboard.type("abcdef", gap_ms=5)
    assert keyboard.widget.text() == ""  # held for a moment
    qtbot.waitUntil(lambda: keyboard.widget.text() == "abcdef", timeout=1000)
    assert keyboard.scans == []


def test_typing_then_a_scan_keeps_the_typing_in_order(keyboard):
    keyboard.type("hi", gap_ms=300)
    keyboard.now += 400
    keyboard.type("0102000000000114\x1d10B1\n", gap_ms=4)
    assert keyboard.widget.text() == "hi"
    assert keyboard.scans == ["0102000000000114\x1d10B1"]  # the group separator kept


def test_a_password_box_is_never_watched(qtbot):
    box = QLineEdit()
    box.setEchoMode(QLineEdit.EchoMode.Password)
    qtbot.addWidget(box)
    detector = ScanDetector(box)
    QApplication.instance().installEventFilter(detector)
    try:
        keys = Keyboard(detector, box)
        keys.type("secret-pw\n", gap_ms=3)
        assert keys.scans == [] and box.text() == "secret-pw"
    finally:
        QApplication.instance().removeEventFilter(detector)


def test_keys_a_program_made_without_a_time_are_never_held(keyboard):
    for ch in "RX240891":
        QApplication.sendEvent(keyboard.widget, _key(ch))  # no timestamp: e.g. a test robot
    assert keyboard.widget.text() == "RX240891" and keyboard.scans == []


def test_a_burst_is_not_split_when_the_window_was_busy_mid_scan(keyboard, qtbot):
    # the scanner's keys keep coming while the window is busy (a refresh): they queue up with
    # their own times, and the overdue hold timer may be run before them (the window system's
    # order): the queued keys still join the burst
    keyboard.type("RX12", gap_ms=5)
    for ch in "3456\n":
        keyboard.now += 5
        event = _key(ch)
        event.setTimestamp(int(keyboard.now))
        QApplication.postEvent(keyboard.widget, event)  # queued, not yet delivered
    keyboard.detector._timer.stop()
    keyboard.detector._timed_out()  # the hold timer, run first
    qtbot.wait(50)
    assert keyboard.scans == ["RX123456"]
    assert keyboard.widget.text() == ""
