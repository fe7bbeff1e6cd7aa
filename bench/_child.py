"""One start-up in a fresh process, for the start-up benchmark: ``bare`` (an empty QTableView, the
yardstick) or ``ward DB NOW USER`` (the ward app's main window on DB, its clock fixed at NOW, USER
acting); ``imports`` only imports what ``ward`` imports (so that it is compiled to bytecode first).

Prints one JSON line when the table's viewport has been painted: the CLOCK_MONOTONIC time of the
paint (the parent knows when it started the process), a few marks on the way, and the process's
resident memory (VmRSS, VmHWM in kB). Imports nothing before it is told what to start.
"""

from __future__ import annotations

import json
import os
import sys
import time


def _memory_kb() -> dict[str, int]:
    out = {}
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith(("VmRSS:", "VmHWM:")):
                key, value = line.split(":", 1)
                out[key] = int(value.split()[0])
    return out


def main(argv: list[str]) -> None:
    mode = argv[0]
    marks: dict[str, float] = {}
    from PySide6.QtCore import QEvent, QObject, QTimer
    from PySide6.QtWidgets import QApplication

    if mode == "bare":
        from PySide6.QtWidgets import QTableView

        marks["imported"] = time.monotonic()
        app = QApplication(sys.argv[:1])
        window = QTableView()
        viewport = window.viewport()
        window.resize(1200, 800)
        finish = None
    elif mode in ("ward", "imports"):
        from pathlib import Path

        from ward_app.gui.alarm import SilentSound
        from ward_app.gui.app import application, open_ward
        from ward_app.gui.main_window import MainWindow
        from ward_app.services.context import resolve_actor

        marks["imported"] = time.monotonic()
        if mode == "imports":
            print(json.dumps({"painted": marks["imported"]}), flush=True)
            return
        app = application()
        ctx = open_ward(Path(argv[1]), None, argv[2])
        ctx.actor = resolve_actor(ctx, argv[3])  # the log-in dialog skipped
        marks["opened"] = time.monotonic()
        window = MainWindow(ctx, drill=True, sound=SilentSound())
        marks["window"] = time.monotonic()
        viewport = window.board.table.viewport()
        finish = ctx.close
    else:
        raise SystemExit(f"unknown mode {mode!r}: bare, ward or imports")

    def painted() -> None:
        at = time.monotonic()
        app.processEvents()
        print(json.dumps({"painted": at, "marks": marks, **_memory_kb()}), flush=True)
        if finish is not None:
            finish()
        os._exit(0)  # the figure is taken; tearing Qt down is not part of it

    class PaintSeen(QObject):
        def __init__(self) -> None:
            super().__init__()
            self.seen = False

        def eventFilter(self, watched, event) -> bool:
            if not self.seen and event.type() == QEvent.Type.Paint:
                self.seen = True
                QTimer.singleShot(0, painted)  # after this paint has been done
            return False

    seen = PaintSeen()
    viewport.installEventFilter(seen)
    window.show()
    marks["shown"] = time.monotonic()

    def too_long() -> None:
        print(json.dumps({"error": "no paint within 120 s"}), flush=True)
        os._exit(1)

    QTimer.singleShot(120_000, too_long)
    app.exec()


if __name__ == "__main__":
    main(sys.argv[1:])
