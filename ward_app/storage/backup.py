"""Consistent online copies of the ward database through SQLite's backup API."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlite_utils import Database

from ward_app.storage.database import read_only_uri
from ward_app.storage.errors import StorageProblem, actionable_errors


def backup_file(db_path: Path, folder: Path, filename: str) -> Path:
    """Like ``backup_to``, on a connection of its own (read-only): for a worker thread, while the
    window keeps using its connection."""
    with actionable_errors():
        source = sqlite3.connect(read_only_uri(db_path), uri=True)
    try:
        return backup_to(Database(source), folder, filename)
    finally:
        source.close()


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


