"""Backups that happen by themselves and a way back: a daily copy beside the database (the last
``backup.keep_days`` kept), the latest backup offered when the database is damaged, and restoring
a backup with the damaged file set aside, never deleted."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from ward_app.domain.errors import InvalidInput, Refused
from ward_app.domain.roles import Action
from ward_app.domain.roles import require as require_role
from ward_app.services.changes import Kind
from ward_app.services.context import Actor, Context
from ward_app.storage import audit, people
from ward_app.storage.backup import (
    InUse,
    backup_file,
    backup_to,
    backups_dir,
    check_backup_file,
    check_restored,
    copy_private,
    damaged_advice,
    held_alone,
    latest_backup,
    unique_aside,
    ward_names,
)
from ward_app.storage.database import NoDatabase, file_integrity_problems, open_database, transaction
from ward_app.storage.errors import StorageProblem, actionable_errors
from ward_app.storage.files import make_folder, write_private

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


def restoring_admin(open_ctx: Callable[[], Context]) -> Actor | None:
    """Who restores: the acting user of the live database (``open_ctx()``), who must be an
    administrator; None when that database is damaged or missing (it cannot say who is who: then
    the backup may be put back from the workstation, as the window offers at start-up)."""
    try:
        ctx = open_ctx()
    except StorageProblem as exc:
        if exc.damaged or isinstance(exc, NoDatabase):
            return None
        raise
    return ctx.require(Action.ADMIN)


def damaged_or_missing(db_path: Path) -> bool:
    if not db_path.exists() or db_path.stat().st_size == 0:
        return True
    try:
        return bool(file_integrity_problems(db_path))
    except StorageProblem:
        return True


def restore(db_path: Path, backup: Path, *, by: Actor | None = None,
            at: datetime | None = None) -> Path:
    """Put ``backup`` in place of the database; the current file (damaged or not) is moved to
    backups/<name>-replaced-<time>.db first (a name no earlier file has). Returns where the old
    file went. ``by`` must be an administrator; without one only a damaged or missing database
    is replaced. Refused when the backup is another ward's, or while any other process has the
    database open. The restored database gets an audit entry: who put back which file, from when."""
    db_path, backup = Path(db_path), Path(backup)
    if by is not None:
        require_role(by.role, Action.ADMIN)
    _check_is_ward_backup(backup)
    if db_path.exists() and backup.resolve() == db_path.resolve():
        raise InvalidInput("from", "That is the database itself: choose a file from backups/.")
    if by is None and not damaged_or_missing(db_path):
        raise Refused("restore.admin", "Only an administrator can restore a backup over a sound "
                      "ward database: act as an administrator.")
    ours, theirs = ward_names(db_path) if db_path.exists() else None, ward_names(backup)
    if ours and theirs is not None and ours != theirs:
        raise Refused("restore.other_ward", f"{backup} is a backup of another ward "
                      f"({', '.join(sorted(theirs)) or 'no ward'}), not of this one "
                      f"({', '.join(sorted(ours))}). Nothing was changed; choose this ward's backup.")
    folder = backups_dir(db_path)
    aside: Path | None = None
    try:
        make_folder(folder)
        with contextlib.ExitStack() as held:
            if db_path.exists():
                try:
                    held.enter_context(held_alone(db_path))
                except InUse as exc:
                    raise Refused("restore.in_use", str(exc)) from None
                aside = unique_aside(folder, db_path.stem)
                os.replace(db_path, aside)
                for suffix in ("-wal", "-shm"):
                    extra = Path(f"{db_path}{suffix}")
                    if extra.exists():
                        os.replace(extra, f"{aside}{suffix}")
            partial = db_path.with_name(db_path.name + ".restoring")
            partial.unlink(missing_ok=True)
            copy_private(backup, partial)
            partial.replace(db_path)
    except OSError as exc:
        raise StorageProblem(f"The backup could not be put in place ({exc.strerror or exc}); the "
                             f"previous file is at {aside} if it was moved.") from None
    ok = check_restored(db_path)
    if ok != "ok":
        raise StorageProblem(f"The restored file failed its check ({ok}); the previous file is at "
                             f"{aside}.")
    _audit_restore(db_path, backup, by, at or datetime.now(UTC), aside)
    return aside or db_path


def _audit_restore(db_path: Path, backup: Path, by: Actor | None, at: datetime,
                   aside: Path | None) -> None:
    made = datetime.fromtimestamp(backup.stat().st_mtime, UTC)
    db, _ = open_database(db_path, check_integrity="none")  # brings an older backup up to date
    try:
        with actionable_errors(), transaction(db):
            user = people.user_by_name(db, by.name) if by is not None else None
            audit.record(db, at=at, user_id=user.id if user else None, action="restore",
                         entity="database",
                         detail={"file": str(backup), "backup_made": made.isoformat(),
                                 "by": by.name if by else "(nobody: the database was damaged)",
                                 "replaced_kept_at": str(aside) if aside else None})
    finally:
        db.close()


__all__ = ["DailyBackups", "DailyCopy", "after_daily", "backup_file", "backups_dir", "daily_backup",
           "daily_target", "damaged_advice", "file_integrity_problems", "latest_backup", "restore",
           "restoring_admin", "write_private"]
