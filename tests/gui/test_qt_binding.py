"""The Qt binding itself: PySide6 6.12.0 (abi3 wheel) on Python 3.11 returned None from void calls
and True from emit() without a reference of their own, so every call cost None or True a reference
and Python aborted ("none_dealloc: deallocating None") once a count reached zero: pyqtgraph's
repaints hit it within seconds. pyproject.toml pins PySide6 below 6.12; this test fails if a build
with that fault is installed again."""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject, Signal


class _Emitter(QObject):
    ping = Signal()


def test_qt_calls_keep_none_and_true_alive():
    emitter = _Emitter()
    none_before, true_before = sys.getrefcount(None), sys.getrefcount(True)
    for _ in range(1000):
        emitter.setObjectName("probe")  # a void call: returns None
        emitter.ping.emit()  # returns True
    # other threads may add or drop a few references meanwhile; the fault loses 1000 of each
    assert none_before - sys.getrefcount(None) < 500
    assert true_before - sys.getrefcount(True) < 500
