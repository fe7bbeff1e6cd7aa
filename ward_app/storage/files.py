"""Connections of their own to a database file (read-only, for checks and copies off the window's
connection): below both ``database`` and ``backup``, so neither has to import the other for it."""

from __future__ import annotations

import contextlib
import os
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


#: Files the app writes (database, backups, exports, PDFs) are readable by their owner only; the
#: folders it makes for them too. Patient data must not be world-readable on a shared machine.
FILE_MODE = 0o600
FOLDER_MODE = 0o700


def make_folder(folder: Path) -> None:
    """A folder the app keeps files in, made readable by this user only when it is new."""
    Path(folder).mkdir(parents=True, exist_ok=True, mode=FOLDER_MODE)


def create_private(path: Path, mode: int = FILE_MODE) -> None:
    """Create ``path`` empty with ``mode`` (0600): before SQLite opens a new file, so it never
    exists readable by others (SQLite gives its -wal and -shm files the database's mode)."""
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode))


def write_private(path: Path, data: bytes | str) -> Path:
    """Write an output file (a PDF, a CSV) owner-readable only: first to ``path.part`` (0600),
    then renamed over ``path``, so a half-written file never has the real name."""
    path = Path(path)
    part = path.with_name(path.name + ".part")
    raw = data.encode("utf-8") if isinstance(data, str) else data
    fd = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
    try:
        if hasattr(os, "fchmod"):  # a .part left by an earlier, killed attempt
            os.fchmod(fd, FILE_MODE)
        with os.fdopen(fd, "wb") as f:
            fd = -1
            f.write(raw)
            f.flush()
            os.fsync(f.fileno())
        os.replace(part, path)
    except BaseException:
        if fd != -1:
            os.close(fd)
        part.unlink(missing_ok=True)
        raise
    return path
