"""Opening, migrating, guarding and protecting the ward database (real SQLite files)."""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest
from sqlite_utils import Database

from tests.conftest import NOW, database_state
from ward_app.storage import migrations as schema
from ward_app.storage.database import NoDatabase, connect, open_database
from ward_app.storage.errors import StorageProblem
from ward_app.storage.migrations import APPEND_ONLY_TABLES, known_names, migrations

EXPECTED_TABLES = {
    "wards", "users", "patients", "patient_flags", "lab_results", "comedications", "orders",
    "administrations", "observations", "pumps", "pump_refills", "pump_alarms", "alert_acks",
    "settings", "audit", "tapers", "_sqlite_migrations", "handover_notes", "handover_takeovers",
    "parked_forms", "pump_alarm_resolutions", "pump_events", "pump_checklist_steps",
    "sync_workstation", "sync_rows", "sync_versions", "sync_alias", "sync_conflicts", "sync_peers",
    "sync_inbox", "sync_marks", "medicine_packs",
}


def test_new_database_runs_every_migration_from_empty(db_path: Path):
    db, report = open_database(db_path, create=True)
    try:
        assert report.created and report.migrated == tuple(known_names())
        assert set(db.table_names()) == EXPECTED_TABLES
        assert [m.name for m in migrations.applied(db.as_sqlite_utils())] == known_names()
        numbers = [int(name[1:4]) for name in known_names()]  # m001, m002, ... with no gap
        assert numbers == list(range(1, len(numbers) + 1))
    finally:
        db.close()


def test_pragmas_wal_foreign_keys_full_sync_busy_timeout(db_path: Path):
    db, _ = open_database(db_path, create=True)
    try:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
        assert db.execute("PRAGMA busy_timeout").fetchone()[0] >= 1000
        with pytest.raises(sqlite3.IntegrityError, match="FOREIGN KEY"):
            db.execute(
                "INSERT INTO patient_flags (patient_id, flag, set_at) VALUES (999, 'npo', 'x')")
    finally:
        db.close()


def test_opening_a_missing_file_without_create_is_refused_and_creates_nothing(tmp_path: Path):
    path = tmp_path / "missing.db"
    with pytest.raises(NoDatabase, match="no ward database"):
        open_database(path)
    assert not path.exists()


def _insert_clinical_rows(db: Database) -> None:
    """One row in every append-only table, as the services would write them."""
    ex = db.execute
    ex("INSERT INTO wards (id, name, tz, created_at) VALUES (1, 'W', 'UTC', 'x')")
    ex("INSERT INTO users (id, name, role, created_at) VALUES (1, 'a', 'nurse', 'x')")
    ex("INSERT INTO users (id, name, role, created_at) VALUES (2, 'b', 'nurse', 'x')")
    ex("INSERT INTO patients (id, mrn, name, dob, bed, ward_id, created_at) "
       "VALUES (1, 'RX1', 'P', '1990-01-01', '1', 1, 'x')")
    ex("INSERT INTO orders (id, patient_id, action, route, dose_mg, times, starts_at, created_at, "
       "created_by) VALUES (1, 1, 'start', 'oral', 5, '[\"08:00\"]', 'x', 'x', 1)")
    ex("INSERT INTO administrations (id, patient_id, order_id, due_at, outcome, dose_mg, "
       "administered_at, recorded_at, recorded_by) VALUES (1, 1, 1, 'x', 'given', 5, 'x', 'x', 1)")
    ex("INSERT INTO observations (id, patient_id, taken_at, rr, recorded_at, recorded_by) "
       "VALUES (1, 1, 'x', 16, 'x', 1)")
    ex("INSERT INTO lab_results (id, patient_id, taken_at, egfr, recorded_by, recorded_at) "
       "VALUES (1, 1, 'x', 45, 1, 'x')")
    ex("INSERT INTO pumps (id, patient_id, alarm_ml, updated_at) VALUES (1, 1, 2, 'x')")
    ex("INSERT INTO pump_refills (id, pump_id, refilled_at, volume_ml, conc_mcg_ml, daily_mcg, "
       "alarm_ml, recorded_at, recorded_by, witness_id) VALUES (1, 1, 'x', 20, 500, 300, 2, 'x', 1, 2)")
    ex("INSERT INTO pump_alarms (id, pump_id, kind, heard_at, recorded_at, recorded_by) "
       "VALUES (1, 1, 'low_reservoir', 'x', 'x', 1)")
    ex("INSERT INTO alert_acks (id, patient_id, rule, alert_key, acked_at, acked_by) "
       "VALUES (1, 1, 'dose.late', 'k', 'x', 1)")
    ex("INSERT INTO audit (id, at, action, entity) VALUES (1, 'x', 'add', 'patient')")


@pytest.mark.parametrize("table", APPEND_ONLY_TABLES)
def test_triggers_refuse_update_and_delete_of_clinical_records(db_path: Path, table: str):
    db, _ = open_database(db_path, create=True)
    try:
        _insert_clinical_rows(db)
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            db.execute(f"UPDATE {table} SET id = id WHERE id = 1")
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            db.execute(f"DELETE FROM {table} WHERE id = 1")
        assert db.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == 1
    finally:
        db.close()


@pytest.mark.skipif(shutil.which("sqlite3") is None, reason="sqlite3 shell not installed")
@pytest.mark.parametrize("table", ["administrations", "observations"])
def test_raw_delete_through_the_sqlite3_shell_is_refused(db_path: Path, table: str):
    db, _ = open_database(db_path, create=True)
    _insert_clinical_rows(db)
    db.close()
    shell = subprocess.run(["sqlite3", str(db_path), f"DELETE FROM {table};"],
                           capture_output=True, text=True)
    assert shell.returncode != 0
    assert "append-only" in shell.stderr
    conn = sqlite3.connect(db_path)
    assert conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == 1
    conn.close()


def test_a_database_from_a_newer_version_is_refused_and_left_unchanged(db_path: Path):
    db, _ = open_database(db_path, create=True)
    db.execute("INSERT INTO _sqlite_migrations (migration_set, name, applied_at) VALUES (?, ?, ?)",
               [schema.MIGRATION_SET, "m999_from_the_future", "2030"])
    db.close()
    before = database_state(db_path)
    with pytest.raises(StorageProblem, match="newer version of ward_app.*m999_from_the_future"):
        open_database(db_path)
    assert database_state(db_path) == before


def test_pending_migrations_are_applied_after_a_copy_is_set_aside(db_path: Path):
    db = connect(db_path)
    last = known_names()[-1]
    migrations.apply(db.as_sqlite_utils(), stop_before=last)
    db.execute("INSERT INTO wards (name, tz, created_at) VALUES ('Ward 7', 'UTC', 'x')")
    db.close()

    db, report = open_database(db_path)
    try:
        assert report.migrated == (last,)
        assert report.backup is not None and report.backup.parent == db_path.parent / "backups"
        assert last in report.backup.name
        assert set(db.table_names()) == EXPECTED_TABLES
    finally:
        db.close()
    copy = sqlite3.connect(report.backup)
    applied = [r[0] for r in copy.execute("SELECT name FROM _sqlite_migrations ORDER BY id")]
    assert applied == known_names()[:-1]
    assert copy.execute("SELECT name FROM wards").fetchall() == [("Ward 7",)]
    copy.close()


def test_an_sqlite_file_that_is_not_a_ward_database_is_refused(tmp_path: Path):
    path = tmp_path / "other.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE invoices (id INTEGER)")
    conn.commit()
    conn.close()
    before = path.read_bytes()
    with pytest.raises(StorageProblem, match="not a ward database"):
        open_database(path)
    assert path.read_bytes() == before


def test_a_file_that_is_not_sqlite_is_refused_in_plain_words(tmp_path: Path):
    path = tmp_path / "notes.db"
    path.write_text("shopping list: milk, bread\n" * 200)
    before = path.read_bytes()
    with pytest.raises(StorageProblem, match="not a ward database, or it is damaged"):
        open_database(path)
    assert path.read_bytes() == before


def test_a_damaged_database_fails_its_integrity_check_on_open(db_path: Path):
    db, _ = open_database(db_path, create=True)
    db.execute("CREATE TABLE filler (x TEXT)")
    db.execute("CREATE INDEX filler_x ON filler(x)")
    for i in range(400):
        db.execute("INSERT INTO filler VALUES (?)", [f"row {i} " * 20])
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    page_size = db.execute("PRAGMA page_size").fetchone()[0]
    page_count = db.execute("PRAGMA page_count").fetchone()[0]
    db.close()
    data = bytearray(db_path.read_bytes())
    # Scribble over the last few pages (index b-tree), leaving the header intact.
    start = (page_count - 4) * page_size
    data[start + 100:start + 2 * page_size] = b"\xff" * (2 * page_size - 100)
    db_path.write_bytes(bytes(data))
    with pytest.raises(StorageProblem, match="damaged|integrity check"):
        open_database(db_path)


def test_fixture_database_of_each_released_schema_opens_and_upgrades(tmp_path: Path):
    fixtures = sorted((Path(__file__).parent.parent / "data").glob("schema-*.db"))
    assert fixtures, "tests/data must hold one database per released schema"
    for fixture in fixtures:
        path = tmp_path / fixture.name
        shutil.copy(fixture, path)
        db, report = open_database(path)
        try:
            assert [m.name for m in migrations.applied(db.as_sqlite_utils())] == known_names()
            assert db.execute("PRAGMA foreign_key_check").fetchall() == []
            assert db.execute("SELECT count(*) FROM patients").fetchone()[0] > 0
            detail = db.execute("SELECT detail FROM audit ORDER BY id LIMIT 1").fetchone()[0]
            assert isinstance(json.loads(detail), dict)
        finally:
            db.close()


def test_now_constant_is_aware():
    assert NOW.tzinfo is not None


def test_opening_an_up_to_date_ward_does_not_import_sqlite_utils(db_path: Path):
    """The read path is plain sqlite3 (storage/connection.py): sqlite-utils, 0.14 s of start-up,
    loads only when schema steps are applied."""
    import sys

    open_database(db_path, create=True)[0].close()
    script = ("import sys; from ward_app.storage.database import open_database; "
              f"db, report = open_database(__import__('pathlib').Path({str(db_path)!r})); "
              "assert not report.migrated; db.execute('SELECT count(*) FROM patients'); "
              "print(sorted(m for m in sys.modules if m.startswith(('sqlite_utils', 'dateutil'))))")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          cwd=Path(__file__).resolve().parents[2])
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
