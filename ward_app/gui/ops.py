"""The one way the window writes (Anki's ``CollectionOp``): run a use-case, then tell every view
once what it changed (``changed`` carries a ``services.changes.Changes``); each view refreshes
only what it shows of that.

The window's writes are short transactions (a few statements): ``run`` runs them on the GUI
thread, which owns the window's database connection. A slow one goes to ``start``: a worker
thread with a connection of its own, its changes announced back on the GUI thread.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from PySide6.QtCore import QObject, Signal

from ward_app.gui.worker import Job, run_in_background
from ward_app.services.changes import Changes
from ward_app.services.context import Context, open_context

T = TypeVar("T")


class Ops(QObject):
    changed = Signal(object)  # Changes: emitted once per use-case that wrote something

    def __init__(self, ctx: Context, parent: QObject | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self._jobs: list[Job] = []  # kept until their result is delivered

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

    def start(self, use_case: Callable[[Context], T], done: Callable[[T], None],
              failed: Callable[[BaseException], None]) -> Job:
        """Run a slow ``use_case(ctx)`` on a worker thread, on a connection of its own opened
        there for the same database, clock and user. Back on the GUI thread: what it changed is
        announced, then ``done(result)`` (or ``failed(error)``)."""
        path, clock, actor = self.ctx.path, self.ctx.clock, self.ctx.actor

        def work() -> tuple[T, Changes]:
            ctx = open_context(path, clock=clock, check_integrity=False)
            try:
                ctx.actor = actor
                try:
                    result = use_case(ctx)
                except Exception as exc:
                    raise _Failed(exc, ctx.take_changes()) from exc
                return result, ctx.take_changes()
            finally:
                ctx.close()

        def finished(out: tuple[T, Changes]) -> None:
            self._jobs.remove(job)
            result, changes = out
            if changes:
                self.changed.emit(changes)
            done(result)

        def stopped(exc: BaseException) -> None:
            self._jobs.remove(job)
            if isinstance(exc, _Failed):
                if exc.changes:
                    self.changed.emit(exc.changes)
                exc = exc.error
            failed(exc)

        job = run_in_background(self, work, finished, stopped)
        self._jobs.append(job)
        return job


class _Failed(Exception):
    """A use-case's error on the worker, with what it had committed before it (if anything)."""

    def __init__(self, error: BaseException, changes: Changes):
        super().__init__(str(error))
        self.error = error
        self.changes = changes


def runner(ctx: Context, ops: Ops | None, owner: QObject) -> Ops:
    """The window's runner, or one of the dialog's own when it is used on its own (tests)."""
    return ops if ops is not None else Ops(ctx, owner)


__all__ = ["Ops", "runner"]
