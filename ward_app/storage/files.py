"""Connections of their own to a database file (read-only, for checks and copies off the window's
connection): below both ``database`` and ``backup``, so neither has to import the other for it."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from pathlib import Path

from ward_app.storage.errors import actionable_errors


def read_only_uri(path: Path) -> str:
    """An SQLite URI opening ``path`` read-only. The path is percent-encoded: a folder named
    'Ward #3' would otherwise open 'Ward ' (SQLite reads '#' and '?' as URI syntax)."""
    return Path(path).absolute().as_uri() + "?mode=ro"


@contextlib.contextmanager
def read_only(path: Path) -> Iterator[sqlite3.Connection]:
    """A read-only connection to the file at ``path``, closed afterwards. Opening it raises
    StorageProblem for what a user can act on; errors while it is used are the caller's."""
    with actionable_errors():
        conn = sqlite3.connect(read_only_uri(path), uri=True)
    try:
        yield conn
    finally:
        conn.close()


def integrity(conn: sqlite3.Connection) -> list[str]:
    """What SQLite's full integrity check found: [] when the file is sound."""
    found = [r[0] for r in conn.execute("PRAGMA integrity_check").fetchall()]
    return [] if found == ["ok"] else found
