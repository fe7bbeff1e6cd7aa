"""The one way the window writes (Anki's ``CollectionOp``): run a use-case, then tell every view
once what it changed (``changed`` carries a ``services.changes.Changes``); each view refreshes
only what it shows of that.

Writes are short transactions (a few statements) and run on the GUI thread, which owns the
database connection; slow work (PDFs, backups, the integrity check) runs on workers with
connections of their own (``gui/worker.py``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from PySide6.QtCore import QObject, Signal

from ward_app.services.context import Context

T = TypeVar("T")


class Ops(QObject):
    changed = Signal(object)  # Changes: emitted once per use-case that wrote something

    def __init__(self, ctx: Context, parent: QObject | None = None):
        super().__init__(parent)
        self.ctx = ctx

    def run(self, use_case: Callable[[], T]) -> T:
        """Run ``use_case`` (a service call); whatever it committed is announced once, also when
        it then refused (a failed log-in is still audited). Its errors reach the caller, which
        shows them where the nurse typed."""
        self.ctx.take_changes()  # written outside any operation (the daily backup's audit line)
        try:
            return use_case()
        finally:
            changes = self.ctx.take_changes()
            if changes:
                self.changed.emit(changes)


def runner(ctx: Context, ops: Ops | None, owner: QObject) -> Ops:
    """The window's runner, or one of the dialog's own when it is used on its own (tests)."""
    return ops if ops is not None else Ops(ctx, owner)


__all__ = ["Ops", "runner"]
