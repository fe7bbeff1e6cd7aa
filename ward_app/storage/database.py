"""Opening the ward database safely: pragmas, integrity, version guard, backup before migrating."""

from __future__ import annotations

import contextlib
import os
import secrets
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from ward_app.storage import guards
from ward_app.storage.backup import backup_to
from ward_app.storage.connection import Database
from ward_app.storage.errors import StorageProblem, actionable_errors
from ward_app.storage.files import create_private, integrity, make_folder, read_only, read_only_uri
from ward_app.storage.steps import MIGRATION_SET, STEPS

BUSY_TIMEOUT_MS = 5000


class NoDatabase(StorageProblem):
    """There is no database at the path given."""

    exit_code = 2


def connect(path: Path, *, wal: bool = True) -> Database:
    """One connection with the pragmas every write relies on (WAL, foreign keys, FULL sync).

    ``wal=False`` leaves the file's journal mode alone, so looking at a file changes nothing.
    """
    conn = sqlite3.connect(str(path), isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000)
    try:
        guards.register(conn)
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA synchronous = FULL")
        conn.execute("PRAGMA foreign_keys = ON")
        if wal:
            enable_wal(conn, path)
    except BaseException:
        conn.close()
        raise
    return Database(conn)


def enable_wal(conn: sqlite3.Connection, path: Path) -> None:
    mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
    if str(mode).lower() != "wal":
        raise StorageProblem(
            f"The ward database at {path} cannot use write-ahead logging (journal mode "
            f"'{mode}'). Keep it on a local disk, not a network share."
        )


def journal_mode(db: Database) -> str:
    """The file's journal mode, lower case ('wal' is how the app keeps it)."""
    return str(db.execute("PRAGMA journal_mode").fetchone()[0]).lower()


def foreign_keys_on(db: Database) -> bool:
    return bool(db.execute("PRAGMA foreign_keys").fetchone()[0])


@contextlib.contextmanager
def transaction(db: Database) -> Iterator[Database]:
    """One transaction: all of it is saved, or none of it.

    The outermost one takes the write lock at once (BEGIN IMMEDIATE), so two workstations
    checking then writing the same thing are serialised (waiting up to busy_timeout) instead
    of both passing the check; nested ones become savepoints.
    """
    if db.conn.in_transaction:
        with db.atomic():
            yield db
        return
    db.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        if db.conn.in_transaction:
            db.execute("ROLLBACK")
        raise
    try:
        db.execute("COMMIT")
    except BaseException:
        if db.conn.in_transaction:
            db.execute("ROLLBACK")
        raise


def applied_names(db: Database) -> list[str]:
    """The schema steps applied to this database, in the order they were applied."""
    if "_sqlite_migrations" not in db.table_names():
        return []
    return [r[0] for r in db.execute("SELECT name FROM _sqlite_migrations WHERE migration_set = ? "
                                     "ORDER BY rowid", [MIGRATION_SET])]


def pending_names(db: Database) -> list[str]:
    applied = set(applied_names(db))
    return [name for name in STEPS if name not in applied]


def unknown_names(db: Database) -> list[str]:
    return [name for name in applied_names(db) if name not in STEPS]


def apply_steps(db: Database) -> None:
    """Apply the pending schema steps (imports the migrations, and sqlite-utils, only now)."""
    from ward_app.storage.migrations import migrations

    migrations.apply(db.as_sqlite_utils())


#: How thoroughly a database is checked when it is opened: "full" (PRAGMA integrity_check: every
#: page and index; seconds on years of data), "quick" (PRAGMA quick_check: pages and constraints,
#: not index contents; about 4 times faster) or "none" (the window checks in the background
#: after it is shown). A database with schema steps to apply always gets the full check first.
CheckLevel = str


def integrity_problems(db: Database, level: CheckLevel = "full") -> list[str]:
    pragma = "quick_check" if level == "quick" else "integrity_check"
    rows = db.execute(f"PRAGMA {pragma}").fetchall()
    found = [r[0] for r in rows]
    return [] if found == ["ok"] else found


@dataclass(frozen=True)
class OpenReport:
    path: Path
    created: bool
    migrated: tuple[str, ...]
    backup: Path | None


def file_integrity_problems(path: Path) -> list[str]:
    """The full integrity check of a database file on a read-only connection of its own (safe in
    a worker thread while the window works on its connection)."""
    with actionable_errors(), read_only(path) as conn:
        return integrity(conn)


def _has_pending(db: Database) -> bool:
    try:
        return bool(pending_names(db))
    except sqlite3.Error:
        return True  # cannot tell: check it


def _refuse_foreign(db: Database, path: Path) -> None:
    tables = set(db.table_names()) - {"_sqlite_migrations"}
    if tables and not applied_names(db):
        raise StorageProblem(
            f"{path} is an SQLite file but not a ward database. Nothing was changed; check the "
            "database file name."
        )


def _refuse_newer(db: Database, path: Path) -> None:
    newer = unknown_names(db)
    if newer:
        raise StorageProblem(
            f"The ward database at {path} was made by a newer version of ward_app (schema steps "
            f"{', '.join(newer)} are unknown here). Nothing was changed; use the newer version."
        )


def is_wal_file(path: Path) -> bool:
    """Whether the database file is in WAL mode (its header's read/write versions are 2): such a
    file cannot be read, not even checked, where its -wal and -shm files cannot be written."""
    try:
        with open(path, "rb") as f:
            header = f.read(20)
    except OSError:
        return False
    return len(header) == 20 and header[:16] == b"SQLite format 3\x00" and header[18:20] == b"\x02\x02"


def refuse_read_only(path: Path) -> None:
    """StorageProblem when the database file or its folder cannot be written from here: SQLite
    would only say "unable to open" (a WAL database needs its -wal and -shm files beside it, even
    to read)."""
    if not (os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)):
        raise StorageProblem(
            f"The ward database at {path} is read-only on this workstation (the file or its "
            "folder cannot be written). Nothing was changed; ask IT to give this workstation "
            "write access to it."
        )


def _remove_files(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


@contextlib.contextmanager
def build_new(path: Path, *, replace: bool = False) -> Iterator[Path]:
    """A new database file built under a temporary name beside ``path`` (the block makes it there
    and closes it) and renamed to ``path`` only once the block completes: a process killed while
    building leaves no half-made ward at ``path`` (at most a hidden ``.building`` file). An existing
    file at ``path`` is replaced only with ``replace`` (a ward file that holds no ward)."""
    path = Path(path)
    make_folder(path.parent)
    temp = path.with_name(f".{path.name}.{os.getpid()}-{secrets.token_hex(4)}.building")
    try:
        yield temp
        if not replace and path.exists() and path.stat().st_size > 0:
            raise StorageProblem(f"{path} was created by something else while the ward was being "
                                 "made; nothing was overwritten. Choose another file name.")
        with actionable_errors():
            os.replace(temp, path)
    finally:
        _remove_files(temp)


def open_database(
    path: Path, *, create: bool = False, migrate: bool = True,
    check_integrity: bool | CheckLevel = True,
) -> tuple[Database, OpenReport]:
    """Open (or with ``create``, make) the ward database, migrating it after a safety copy."""
    path = Path(path)
    existed = path.exists() and path.stat().st_size > 0
    if not existed and not create:
        raise NoDatabase(
            f"There is no ward database at {path}: check the database file name, or create the "
            "ward's database first."
        )
    if not existed:
        make_folder(path.parent)
        with contextlib.suppress(FileExistsError):
            create_private(path)
    else:
        refuse_read_only(path)
    with actionable_errors():
        db = connect(path, wal=False)
        try:
            level = "full" if check_integrity is True else (check_integrity or "none")
            if existed and level == "none" and _has_pending(db):
                level = "full"
            if existed and level != "none":
                problems = integrity_problems(db, level)
                if problems:
                    raise StorageProblem(
                        f"The ward database at {path} failed its integrity check "
                        f"({problems[0]}). Nothing was changed; ask IT to restore the latest backup.",
                        damaged=True,
                    )
            _refuse_foreign(db, path)
            _refuse_newer(db, path)
            enable_wal(db.conn, path)
            backup = None
            migrated: tuple[str, ...] = ()
            if migrate:
                pending = pending_names(db)
                if pending and applied_names(db):
                    # microseconds and the process id: two workstations opening at once must not
                    # write the same backup file
                    stamp = f"{datetime.now(UTC):%Y%m%dT%H%M%S%fZ}-{os.getpid()}"
                    backup = backup_to(
                        db, path.parent / "backups", f"{path.stem}-before-{pending[0]}-{stamp}.db"
                    )
                if pending:
                    apply_steps(db)
                    migrated = tuple(pending)
        except BaseException:
            db.close()
            raise
    return db, OpenReport(path, not existed, migrated, backup)


__all__ = ["MIGRATION_SET", "NoDatabase", "OpenReport", "connect", "is_wal_file", "open_database",
           "read_only_uri", "refuse_read_only"]
