"""Storage errors a nurse can act on become one plain sentence; anything else is a bug.

Modelled on qutebrowser's misc/sql.py: the SQLite error code decides which kind it is.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator

from ward_app.domain.errors import WardError


class StorageProblem(WardError):
    """The database cannot be used right now for a reason outside the app: say what to do.
    ``transient``: it passes by itself (another workstation is saving), so trying again works.
    ``damaged``: the file itself is damaged (or not a database): the latest backup is the way back."""

    exit_code = 3

    def __init__(self, message: str, *, transient: bool = False, damaged: bool = False) -> None:
        super().__init__(message)
        self.transient = transient
        self.damaged = damaged


_ACTIONABLE = {
    "SQLITE_BUSY": "The ward database is busy: another workstation is saving. Nothing was saved; "
    "try again in a moment.",
    "SQLITE_LOCKED": "The ward database is busy: another workstation is saving. Nothing was saved; "
    "try again in a moment.",
    "SQLITE_FULL": "The disk holding the ward database is full. Nothing was saved; ask IT to free "
    "space, then try again.",
    "SQLITE_READONLY": "The ward database is read-only on this workstation. Nothing was saved; ask "
    "IT to check the file's permissions.",
    "SQLITE_CANTOPEN": "The ward database file cannot be opened. Check that the folder exists and "
    "this workstation may write to it.",
    "SQLITE_CORRUPT": "The ward database file is damaged. Nothing was changed; ask IT to restore the "
    "latest backup.",
    "SQLITE_NOTADB": "This file is not a ward database, or it is damaged. Nothing was changed; check "
    "the path, or ask IT to restore the latest backup.",
    "SQLITE_IOERR": "The disk holding the ward database reported an error. Nothing was saved; ask "
    "IT to check the disk, then try again.",
    "SQLITE_PERM": "This workstation may not write the ward database. Nothing was saved; ask IT to "
    "check the file's permissions.",
}


_TRANSIENT = frozenset({"SQLITE_BUSY", "SQLITE_LOCKED"})
_DAMAGED = frozenset({"SQLITE_CORRUPT", "SQLITE_NOTADB"})


def translate(exc: sqlite3.Error) -> StorageProblem | None:
    """The actionable problem behind an SQLite error, or None if it is a bug."""
    name = getattr(exc, "sqlite_errorname", "") or ""
    base = "_".join(name.split("_")[:2])  # SQLITE_IOERR_WRITE -> SQLITE_IOERR
    for key in (name, base):
        if key in _ACTIONABLE:
            return StorageProblem(_ACTIONABLE[key], transient=key in _TRANSIENT,
                                  damaged=key in _DAMAGED)
    text = str(exc).lower()
    if "database is locked" in text:
        return StorageProblem(_ACTIONABLE["SQLITE_BUSY"], transient=True)
    if "disk is full" in text:
        return StorageProblem(_ACTIONABLE["SQLITE_FULL"])
    if "readonly" in text:
        return StorageProblem(_ACTIONABLE["SQLITE_READONLY"])
    if "malformed" in text:
        return StorageProblem(_ACTIONABLE["SQLITE_CORRUPT"], damaged=True)
    if "not a database" in text:
        return StorageProblem(_ACTIONABLE["SQLITE_NOTADB"], damaged=True)
    return None


@contextlib.contextmanager
def actionable_errors() -> Iterator[None]:
    """Re-raise SQLite errors a user can act on as StorageProblem; let bugs through unchanged."""
    try:
        yield
    except sqlite3.Error as exc:
        problem = translate(exc)
        if problem is None:
            raise
        raise problem from exc
