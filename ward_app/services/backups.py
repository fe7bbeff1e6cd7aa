"""Backups that happen by themselves and a way back: a daily copy beside the database (the last
``backup.keep_days`` kept), the latest backup offered when the database is damaged, and restoring
a backup with the damaged file set aside, never deleted."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from ward_app.domain.errors import InvalidInput
from ward_app.services.changes import Kind
from ward_app.services.context import Context
from ward_app.storage import audit
from ward_app.storage.backup import (
    backup_file,
    backup_to,
    backups_dir,
    check_backup_file,
    check_restored,
    damaged_advice,
    latest_backup,
)
from ward_app.storage.database import file_integrity_problems
from ward_app.storage.errors import StorageProblem

DAILY = "daily"


def daily_name(db_path: Path, day: str) -> str:
    return f"{Path(db_path).stem}-{DAILY}-{day}.db"


def daily_target(ctx: Context, now: datetime | None = None) -> tuple[Path, str] | None:
    """(folder, file name) of today's copy (ward date; today is ``now``'s day, else the
    context's) when it is still to be made, else None."""
    day = (now or ctx.now()).astimezone(ctx.zone).strftime("%Y%m%d")
    folder = backups_dir(ctx.path)
    name = daily_name(ctx.path, day)
    return None if (folder / name).exists() else (folder, name)


def after_daily(ctx: Context, written: Path | None) -> None:
    """Audit today's copy (if one was made) and keep only the newest ``backup.keep_days``."""
    if written is not None:
        with ctx.write(Kind.AUDIT) as db:
            audit.record(db, at=ctx.entered(), user_id=ctx.actor.id if ctx.actor else None,
                         action="backup.daily", entity="database", detail={"file": str(written)})
    keep = int(ctx.thresholds().backup_keep_days)
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


#: A daily copy that failed is tried again at the first chance this many seconds later.
RETRY_AFTER_S = 600.0


@dataclass(frozen=True)
class DailyCopy:
    """Today's copy, to be made on a worker thread: ``backup_file(db_path, folder, name)``."""

    db_path: Path
    folder: Path
    name: str


@dataclass
class DailyBackups:
    """When the window makes today's copy (the window runs the copy on its worker thread):

    - not before the background integrity check has run, and never once it found the file
      damaged (a damaged file is not copied over the backups);
    - once a ward day, when today's copy is not there yet;
    - after a copy failed, again at the first chance ``retry_after_s`` later.

    ``now`` is the ward clock (which day it is); ``ticks`` a monotonic count of seconds, so the
    wait before a retry is real time even in a drill running at a fixed moment.
    """

    ctx: Context
    retry_after_s: float = RETRY_AFTER_S
    on: bool = False  # the integrity check has run and did not find damage
    day: date | None = None  # the ward day whose copy was made or is being made
    retry_at: float = 0.0  # ticks before which a failed copy is not tried again

    def check_done(self, problems: list[str]) -> None:
        """The background integrity check found ``problems`` ([] when the file is sound)."""
        self.on = not problems

    def check_failed(self, exc: BaseException) -> None:
        """The check could not run: the copies go ahead (each is checked before it is kept, so
        a damaged file never replaces a good backup), unless the file was found damaged."""
        self.on = not getattr(exc, "damaged", False)

    def due(self, now: datetime, ticks: float) -> DailyCopy | None:
        """The copy to make now, or None: asked after the check and at every refresh."""
        if not self.on:
            return None
        day = now.astimezone(self.ctx.zone).date()
        if day == self.day or ticks < self.retry_at:
            return None
        self.day = day
        target = daily_target(self.ctx, now)
        return None if target is None else DailyCopy(self.ctx.path, *target)

    def failed(self, ticks: float) -> None:
        """The copy failed: try again at the first chance ``retry_after_s`` after ``ticks``."""
        self.day = None
        self.retry_at = ticks + self.retry_after_s

    def saved(self, written: Path) -> None:
        """The copy was written: audit it and keep only the newest ``backup.keep_days``."""
        after_daily(self.ctx, written)


def _check_is_ward_backup(path: Path) -> None:
    if not path.is_file():
        raise InvalidInput("from", f"There is no backup file {path}.")
    found = check_backup_file(path)
    if found is None:
        raise InvalidInput("from", f"{path} is not a ward database backup (or it is damaged): "
                           "choose another backup file.")
    ok, steps = found
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
    ok = check_restored(db_path)
    if ok != "ok":
        raise StorageProblem(f"The restored file failed its check ({ok}); the previous file is at "
                             f"{aside}.")
    return aside


__all__ = ["DailyBackups", "DailyCopy", "after_daily", "backup_file", "backups_dir", "daily_backup",
           "daily_target", "damaged_advice", "file_integrity_problems", "latest_backup", "restore"]
