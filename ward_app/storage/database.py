"""Opening the ward database safely: pragmas, integrity, version guard, backup before migrating."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlite_utils import Database

from ward_app.storage.errors import StorageProblem, actionable_errors
from ward_app.storage.migrations import MIGRATION_SET, known_names, migrations

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
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA synchronous = FULL")
        conn.execute("PRAGMA foreign_keys = ON")
        if wal:
            enable_wal(conn, path)
    except BaseException:
        conn.close()
        raise
    return Database(conn, execute_plugins=False)


def enable_wal(conn: sqlite3.Connection, path: Path) -> None:
    mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
    if str(mode).lower() != "wal":
        raise StorageProblem(
            f"The ward database at {path} cannot use write-ahead logging (journal mode "
            f"'{mode}'). Keep it on a local disk, not a network share."
        )


def applied_names(db: Database) -> list[str]:
    return [m.name for m in migrations.applied(db)]


def pending_names(db: Database) -> list[str]:
    return [m.name for m in migrations.pending(db)]


def unknown_names(db: Database) -> list[str]:
    known = set(known_names())
    return [name for name in applied_names(db) if name not in known]


def integrity_problems(db: Database) -> list[str]:
    rows = db.execute("PRAGMA integrity_check").fetchall()
    found = [r[0] for r in rows]
    return [] if found == ["ok"] else found


@dataclass(frozen=True)
class OpenReport:
    path: Path
    created: bool
    migrated: tuple[str, ...]
    backup: Path | None


def _refuse_foreign(db: Database, path: Path) -> None:
    tables = set(db.table_names()) - {"_sqlite_migrations"}
    if tables and not applied_names(db):
        raise StorageProblem(
            f"{path} is an SQLite file but not a ward database. Nothing was changed; check --db."
        )


def _refuse_newer(db: Database, path: Path) -> None:
    newer = unknown_names(db)
    if newer:
        raise StorageProblem(
            f"The ward database at {path} was made by a newer version of ward_app (schema steps "
            f"{', '.join(newer)} are unknown here). Nothing was changed; use the newer version."
        )


def open_database(
    path: Path, *, create: bool = False, migrate: bool = True, check_integrity: bool = True
) -> tuple[Database, OpenReport]:
    """Open (or with ``create``, make) the ward database, migrating it after a safety copy."""
    path = Path(path)
    existed = path.exists() and path.stat().st_size > 0
    if not existed and not create:
        raise NoDatabase(
            f"There is no ward database at {path}. Check --db, or create one with "
            "'ward-app init --ward NAME --tz ZONE'."
        )
    if not existed:
        path.parent.mkdir(parents=True, exist_ok=True)
    with actionable_errors():
        db = connect(path, wal=False)
        try:
            if existed and check_integrity:
                problems = integrity_problems(db)
                if problems:
                    raise StorageProblem(
                        f"The ward database at {path} failed its integrity check "
                        f"({problems[0]}). Nothing was changed; ask IT to restore the latest backup."
                    )
            _refuse_foreign(db, path)
            _refuse_newer(db, path)
            enable_wal(db.conn, path)
            backup = None
            migrated: tuple[str, ...] = ()
            if migrate:
                pending = pending_names(db)
                if pending and applied_names(db):
                    from ward_app.storage.backup import backup_to

                    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
                    backup = backup_to(
                        db, path.parent / "backups", f"{path.stem}-before-{pending[0]}-{stamp}.db"
                    )
                if pending:
                    migrations.apply(db)
                    migrated = tuple(pending)
        except BaseException:
            db.close()
            raise
    return db, OpenReport(path, not existed, migrated, backup)


__all__ = ["MIGRATION_SET", "NoDatabase", "OpenReport", "connect", "open_database"]
