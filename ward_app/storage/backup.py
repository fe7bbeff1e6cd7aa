"""Consistent online copies of the ward database through SQLite's backup API."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from ward_app.storage.connection import Database
from ward_app.storage.errors import StorageProblem, actionable_errors
from ward_app.storage.files import read_only, read_only_uri
from ward_app.storage.steps import MIGRATION_SET


def backup_file(db_path: Path, folder: Path, filename: str) -> Path:
    """Like ``backup_to``, on a connection of its own (read-only): for a worker thread, while the
    window keeps using its connection."""
    with read_only(db_path) as source:
        return backup_to(Database(source), folder, filename)


def backup_to(db: Database, folder: Path, filename: str) -> Path:
    """Copy the live database to ``folder/filename`` and verify the copy opens and is intact."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / filename
    if target.exists():
        raise StorageProblem(f"A backup named {target} already exists; nothing was overwritten.")
    partial = target.with_suffix(target.suffix + ".partial")
    with actionable_errors():
        dest = sqlite3.connect(str(partial))
        try:
            db.conn.backup(dest)
            dest.execute("PRAGMA journal_mode = DELETE")
            ok = dest.execute("PRAGMA integrity_check").fetchone()[0]
        finally:
            dest.close()
    if ok != "ok":
        partial.unlink(missing_ok=True)
        raise StorageProblem(f"The backup copy failed its integrity check ({ok}); nothing was kept.")
    partial.replace(target)
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


