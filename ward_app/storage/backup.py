"""Consistent online copies of the ward database through SQLite's backup API."""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from ward_app.storage.connection import Database
from ward_app.storage.errors import StorageProblem, actionable_errors
from ward_app.storage.files import FILE_MODE, create_private, make_folder, read_only, read_only_uri
from ward_app.storage.steps import MIGRATION_SET


def backup_file(db_path: Path, folder: Path, filename: str) -> Path:
    """Like ``backup_to``, on a connection of its own (read-only): for a worker thread, while the
    window keeps using its connection."""
    with read_only(db_path) as source:
        return backup_to(Database(source), folder, filename)


#: Free space a backup needs beyond the database's own size: a tenth of it, and at least 1 MB.
SPACE_MARGIN = 0.10
SPACE_MIN_MB = 1


def space_needed(db: Database) -> int:
    """Bytes a copy of the database needs on the disk (its size with a margin)."""
    size = db.execute("PRAGMA page_count").fetchone()[0] * db.execute("PRAGMA page_size").fetchone()[0]
    return int(size + max(size * SPACE_MARGIN, SPACE_MIN_MB * 1024 * 1024))


def refuse_without_space(folder: Path, needed: int) -> None:
    """StorageProblem (exit 3) when ``folder``'s disk has less than ``needed`` bytes free."""
    free = shutil.disk_usage(folder).free
    if free < needed:
        raise StorageProblem(
            f"There is not enough free disk space for a copy in {folder} ({free // 2**20} MB "
            f"free, {needed // 2**20} MB needed). Nothing was written; free some space or choose "
            "another folder.")


def _remove_partial(partial: Path) -> None:
    for suffix in ("", "-journal", "-wal", "-shm"):
        Path(f"{partial}{suffix}").unlink(missing_ok=True)


def backup_to(db: Database, folder: Path, filename: str) -> Path:
    """Copy the live database to ``folder/filename`` (0600) and verify the copy opens and is
    intact. Refused before anything is written when the disk is short of space; a copy that fails
    half-way leaves nothing behind."""
    make_folder(folder)
    target = folder / filename
    if target.exists():
        raise StorageProblem(f"A backup named {target} already exists; nothing was overwritten.")
    with actionable_errors():
        refuse_without_space(folder, space_needed(db))
    partial = target.with_suffix(target.suffix + ".partial")
    try:
        _remove_partial(partial)  # left by an earlier copy that was killed
        with actionable_errors():
            create_private(partial)
            dest = sqlite3.connect(str(partial))
            try:
                db.conn.backup(dest)
                dest.execute("PRAGMA journal_mode = DELETE")
                ok = dest.execute("PRAGMA integrity_check").fetchone()[0]
            finally:
                dest.close()
        if ok != "ok":
            raise StorageProblem(f"The backup copy failed its integrity check ({ok}); nothing was "
                                 "kept.")
        with actionable_errors():
            partial.replace(target)
    except BaseException:
        _remove_partial(partial)
        raise
    return target


def table_counts(conn: sqlite3.Connection) -> dict[str, int]:
    """Rows per table: how a backup is shown to match its source."""
    names = [
        r[0]
        for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'"
        )
    ]
    return {n: conn.execute(f'SELECT count(*) FROM "{n}"').fetchone()[0] for n in sorted(names)}


def file_table_counts(path: Path) -> dict[str, int]:
    """``table_counts`` of a database file, read on a read-only connection of its own."""
    with actionable_errors(), read_only(path) as conn:
        return table_counts(conn)


def check_backup_file(path: Path) -> tuple[str, int] | None:
    """(the integrity check's first line, 'ok' when sound; how many ward schema steps it has) of a
    file offered as a backup, or None when it is not an SQLite database that can be read."""
    try:
        conn = sqlite3.connect(read_only_uri(path), uri=True)
        try:
            ok = conn.execute("PRAGMA integrity_check").fetchone()[0]
            steps = conn.execute("SELECT count(*) FROM _sqlite_migrations WHERE migration_set = ?",
                                 [MIGRATION_SET]).fetchone()[0]
        finally:
            conn.close()
    except sqlite3.Error:
        return None
    return str(ok), int(steps)


def check_restored(db_path: Path) -> str:
    """The integrity check of a backup just put in place ('ok' when sound), leaving the file in
    WAL mode as the app keeps it (backups are kept in rollback mode)."""
    with actionable_errors():
        conn = sqlite3.connect(str(db_path))
        try:
            ok = conn.execute("PRAGMA integrity_check").fetchone()[0]
            conn.execute("PRAGMA journal_mode = WAL")
        finally:
            conn.close()
    return str(ok)


class InUse(StorageProblem):
    """Another process has the database open."""


@contextlib.contextmanager
def held_alone(db_path: Path) -> Iterator[None]:
    """Hold the database file exclusively for the block, or InUse when any other process has it
    open. In WAL mode every open connection keeps a lock that an EXCLUSIVE locking-mode write
    transaction cannot get past, so this also catches an idle window left open. The file is not
    changed (a damaged one is kept as it is); its -wal and -shm are to be moved with it."""
    conn = sqlite3.connect(str(db_path), isolation_level=None, timeout=0.2)
    try:
        try:
            conn.execute("PRAGMA locking_mode = EXCLUSIVE")
            conn.execute("BEGIN EXCLUSIVE")
            conn.execute("COMMIT")
        except sqlite3.DatabaseError as exc:
            if "locked" in str(exc) or "busy" in str(exc):
                raise InUse(f"The ward database at {db_path} is open in another window or "
                            "process. Nothing was changed; close the app on every workstation, "
                            "then try again.", transient=True) from None
            # a damaged file (not a database any more) is moved aside as it is
        if os.name == "nt":  # an open file cannot be renamed there: let go just before
            conn.close()
        yield
    finally:
        conn.close()


def unique_aside(folder: Path, stem: str) -> Path:
    """A name in ``folder`` for a file set aside that no earlier one has: never overwritten."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    for n in range(1000):
        name = f"{stem}-replaced-{stamp}{f'-{n}' if n else ''}.db"
        if not any(Path(f"{folder / name}{x}").exists() for x in ("", "-wal", "-shm")):
            return folder / name
    raise StorageProblem(f"Too many files set aside in {folder}; move some elsewhere first.")


def copy_private(source: Path, target: Path) -> None:
    """Copy ``source`` to a new file ``target``, readable by its owner only."""
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    with os.fdopen(fd, "wb") as out, open(source, "rb") as src:
        shutil.copyfileobj(src, out, 1024 * 1024)
        out.flush()
        os.fsync(out.fileno())


def ward_names(path: Path) -> set[str] | None:
    """The names of the wards in a database file (lower case), None when it cannot be read."""
    try:
        with read_only(path) as conn:
            return {r[0].casefold() for r in conn.execute("SELECT name FROM wards")}
    except (sqlite3.Error, StorageProblem):
        return None


def backups_dir(db_path: Path) -> Path:
    return Path(db_path).parent / "backups"


@dataclass(frozen=True)
class BackupFile:
    path: Path
    made: datetime  # the file's modification time (UTC)


def latest_backup(db_path: Path) -> BackupFile | None:
    """The newest backup of this database (daily, manual or before an upgrade), if any."""
    folder = backups_dir(db_path)
    if not folder.is_dir():
        return None
    found = [p for p in folder.glob(f"{Path(db_path).stem}-*.db") if p.is_file()]
    if not found:
        return None
    newest = max(found, key=lambda p: p.stat().st_mtime)
    return BackupFile(newest, datetime.fromtimestamp(newest.stat().st_mtime, UTC))


def damaged_advice(db_path: Path) -> str:
    """What to say after 'the database is damaged': the latest backup and how to put it back (in
    the window's words; the command line adds its restore command)."""
    latest = latest_backup(db_path)
    if latest is None:
        return " No backup of it was found beside it: ask IT for the last copy they hold."
    return (f" The latest backup is {latest.path} (made {latest.made:%d %b %Y %H:%M} UTC): close "
            "the app on every workstation, then open it again and choose 'Restore the latest "
            "backup' (or ask IT to restore it).")


