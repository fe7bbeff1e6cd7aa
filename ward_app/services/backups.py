"""Backups that happen by themselves and a way back: a daily copy beside the database (the last
``backup.keep_days`` kept), the latest backup offered when the database is damaged, and restoring
a backup with the damaged file set aside, never deleted."""

from __future__ import annotations

import shutil
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from ward_app.domain.errors import InvalidInput
from ward_app.services.changes import Kind
from ward_app.services.context import Context
from ward_app.storage import audit
from ward_app.storage.backup import backup_to, backups_dir, damaged_advice, latest_backup
from ward_app.storage.database import read_only_uri
from ward_app.storage.errors import StorageProblem, actionable_errors
from ward_app.storage.migrations import MIGRATION_SET

DAILY = "daily"


def daily_name(db_path: Path, day: str) -> str:
    return f"{Path(db_path).stem}-{DAILY}-{day}.db"


def daily_target(ctx: Context) -> tuple[Path, str] | None:
    """(folder, file name) of today's copy (ward date) when it is still to be made, else None."""
    day = ctx.now().astimezone(ctx.zone).strftime("%Y%m%d")
    folder = backups_dir(ctx.path)
    name = daily_name(ctx.path, day)
    return None if (folder / name).exists() else (folder, name)


def after_daily(ctx: Context, written: Path | None) -> None:
    """Audit today's copy (if one was made) and keep only the newest ``backup.keep_days``."""
    if written is not None:
        with ctx.write(Kind.AUDIT) as db:
            audit.record(db, at=ctx.now(), user_id=ctx.actor.id if ctx.actor else None,
                         action="backup.daily", entity="database", detail={"file": str(written)})
    keep = int(ctx.thresholds()["backup.keep_days"])
    dailies = sorted(backups_dir(ctx.path).glob(f"{Path(ctx.path).stem}-{DAILY}-*.db"))
    for old in dailies[:-keep] if keep > 0 else []:
        old.unlink(missing_ok=True)


def daily_backup(ctx: Context) -> Path | None:
    """Today's copy, if there is none yet (ward date); then keep only the newest ``keep_days``.
    Returns the file written, or None when today's copy already exists. (The window does the
    same in two halves, the copy on a worker thread: ``daily_target``, ``after_daily``.)"""
    target = daily_target(ctx)
    written = backup_to(ctx.db, *target) if target is not None else None
    after_daily(ctx, written)
    return written


def _check_is_ward_backup(path: Path) -> None:
    if not path.is_file():
        raise InvalidInput("from", f"There is no backup file {path}.")
    try:
        conn = sqlite3.connect(read_only_uri(path), uri=True)
        try:
            ok = conn.execute("PRAGMA integrity_check").fetchone()[0]
            steps = conn.execute("SELECT count(*) FROM _sqlite_migrations WHERE migration_set = ?",
                                 [MIGRATION_SET]).fetchone()[0]
        finally:
            conn.close()
    except sqlite3.Error:
        raise InvalidInput("from", f"{path} is not a ward database backup (or it is damaged): "
                           "choose another backup file.") from None
    if ok != "ok" or not steps:
        raise InvalidInput("from", f"{path} failed its check ({ok}): choose another backup file.")


def restore(db_path: Path, backup: Path) -> Path:
    """Put ``backup`` in place of the database; the current file (damaged or not) and its WAL are
    moved to backups/<name>-replaced-<time>.db first. Returns where the old file went. Run it
    with the app closed on every workstation."""
    db_path, backup = Path(db_path), Path(backup)
    _check_is_ward_backup(backup)
    if backup.resolve() == db_path.resolve():
        raise InvalidInput("from", "That is the database itself: choose a file from backups/.")
    folder = backups_dir(db_path)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    aside = folder / f"{db_path.stem}-replaced-{stamp}.db"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        if db_path.exists():
            shutil.move(str(db_path), str(aside))
            for suffix in ("-wal", "-shm"):
                extra = Path(f"{db_path}{suffix}")
                if extra.exists():
                    shutil.move(str(extra), str(aside) + suffix)
        partial = db_path.with_name(db_path.name + ".restoring")
        shutil.copyfile(backup, partial)
        partial.replace(db_path)
    except OSError as exc:
        raise StorageProblem(f"The backup could not be put in place ({exc.strerror or exc}); the "
                             f"previous file is at {aside} if it was moved.") from None
    with actionable_errors():
        conn = sqlite3.connect(str(db_path))
        try:
            ok = conn.execute("PRAGMA integrity_check").fetchone()[0]
            conn.execute("PRAGMA journal_mode = WAL")  # backups are kept in rollback mode
        finally:
            conn.close()
    if ok != "ok":
        raise StorageProblem(f"The restored file failed its check ({ok}); the previous file is at "
                             f"{aside}.")
    return aside


__all__ = ["after_daily", "backups_dir", "daily_backup", "daily_target", "damaged_advice",
           "latest_backup", "restore"]
