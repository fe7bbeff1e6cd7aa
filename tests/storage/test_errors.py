"""Storage errors a nurse can act on become one plain sentence; bugs stay bugs."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from ward_app.storage import guards
from ward_app.storage.database import open_database
from ward_app.storage.errors import StorageProblem, actionable_errors, translate


def test_disk_full_is_one_plain_sentence_and_nothing_half_written(ward):
    db = ward.db
    pages = db.execute("PRAGMA page_count").fetchone()[0]
    db.execute(f"PRAGMA max_page_count = {pages + 1}")
    with pytest.raises(StorageProblem, match="disk holding the ward database is full"):
        with ward.write():
            for i in range(2000):
                db.execute("INSERT INTO audit (at, action, entity, detail) VALUES (?, ?, ?, ?)",
                           ["2026", "fill", "x", "y" * 500 + str(i)])
    assert db.execute("SELECT count(*) FROM audit WHERE action = 'fill'").fetchone()[0] == 0


def test_read_only_database(ward, db_path: Path):
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    guards.register(conn)  # the app's own connection may change wards
    with pytest.raises(StorageProblem, match="read-only"):
        with actionable_errors():
            conn.execute("INSERT INTO wards (name, tz, created_at) VALUES ('x', 'UTC', 'x')")
    conn.close()


def test_locked_database_after_busy_timeout(ward, db_path: Path):
    holder = sqlite3.connect(db_path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    other = sqlite3.connect(db_path, timeout=0.05, isolation_level=None)
    guards.register(other)
    try:
        with pytest.raises(StorageProblem, match="busy: another workstation is saving"):
            with actionable_errors():
                other.execute("INSERT INTO wards (name, tz, created_at) VALUES ('x', 'UTC', 'x')")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
        other.close()


def test_a_programming_error_is_not_disguised(ward):
    with pytest.raises(sqlite3.OperationalError, match="no such table"):
        with actionable_errors():
            ward.db.execute("SELECT * FROM no_such_table")
    assert translate(sqlite3.OperationalError("no such column: x")) is None


def test_failed_use_case_leaves_nothing_behind(ward):
    with pytest.raises(RuntimeError):
        with ward.write() as db:
            db.execute("INSERT INTO wards (name, tz, created_at) VALUES ('Ward 8', 'UTC', 'x')")
            raise RuntimeError("interrupted half way")
    assert [r[0] for r in ward.db.execute("SELECT name FROM wards")] == ["Ward 7"]


def test_open_database_wraps_unopenable_paths(tmp_path: Path):
    folder = tmp_path / "a-folder.db"
    folder.mkdir()
    with pytest.raises(StorageProblem):
        open_database(folder)
