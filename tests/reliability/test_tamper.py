"""Tamper-evidence (issue 14, item 3): what the stock ``sqlite3`` shell can and cannot do to a ward
database, and ``check`` catching what it could do."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest

from ward_app.services.admin import check_database
from ward_app.storage import audit, guards
from ward_app.storage.connection import Database
from ward_app.storage.database import connect
from ward_app.storage.migrations import migrations

pytestmark = pytest.mark.skipif(shutil.which("sqlite3") is None,
                                reason="sqlite3 shell not installed (packaging/quickstart.sh test)")


def shell(db: Path, sql: str) -> subprocess.CompletedProcess[str]:
    """The stock sqlite3 shell, as someone with the file would use it."""
    return subprocess.run(["sqlite3", str(db), sql], capture_output=True, text=True, timeout=60)


def one(db: Path, sql: str) -> object:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql).fetchone()[0]
    finally:
        conn.close()


def _dose(path: Path) -> tuple[int, int, int]:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("SELECT id, patient_id, recorded_by FROM administrations "
                            "WHERE dose_mg IS NOT NULL ORDER BY id LIMIT 1").fetchone()
    finally:
        conn.close()


def test_a_fresh_demo_ward_is_healthy_and_its_audit_chain_whole(demo_ward):
    health = check_database(demo_ward.path)
    assert health.tampering == [] and health.healthy, health.lines()
    assert audit.chain_problems(demo_ward.db) == []
    assert one(demo_ward.path, "SELECT count(*) FROM audit WHERE hash IS NULL") == 0


@pytest.mark.parametrize("verb", ["INSERT OR REPLACE", "REPLACE"])
def test_a_dose_cannot_be_rewritten_by_replacing_its_row(demo_ward, verb: str):
    path = demo_ward.path
    dose_id, patient_id, nurse = _dose(path)
    before = one(path, f"SELECT outcome || dose_mg FROM administrations WHERE id = {dose_id}")
    done = shell(path, f"{verb} INTO administrations (id, patient_id, outcome, dose_mg, "
                       f"administered_at, recorded_at, recorded_by) VALUES ({dose_id}, {patient_id}, "
                       f"'given', 400, '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z', {nurse});")
    assert done.returncode != 0 and "append-only" in done.stderr, done
    assert one(path, f"SELECT outcome || dose_mg FROM administrations WHERE id = {dose_id}") == before


@pytest.mark.parametrize("table", guards.APPEND_ONLY_TABLES)
def test_every_append_only_table_refuses_a_reused_id(demo_ward, table: str):
    path = demo_ward.path
    first = one(path, f"SELECT min(id) FROM {table}")
    if first is None:  # a table the demo leaves empty: the trigger must still be there
        assert one(path, f"SELECT count(*) FROM sqlite_master WHERE name = '{table}_no_replace'") == 1
        return
    columns = [r[1] for r in sqlite3.connect(path).execute(f"PRAGMA table_info({table})")]
    cols = ", ".join(columns)
    done = shell(path, f"INSERT OR REPLACE INTO {table} ({cols}) SELECT {cols} FROM {table} "
                       f"WHERE id = {first};")
    assert done.returncode != 0 and "append-only" in done.stderr, done


def test_a_dropped_trigger_then_an_edited_dose_makes_check_unhealthy(demo_ward, run_cli):
    path = demo_ward.path
    dose_id = _dose(path)[0]
    done = shell(path, "DROP TRIGGER administrations_no_update; "
                       f"UPDATE administrations SET dose_mg = 400 WHERE id = {dose_id};")
    assert done.returncode == 0, done.stderr
    result = run_cli("--db", str(path), "--user", "admin", "check")
    assert result.code == 1
    assert "NOT HEALTHY" in result.err
    assert "trigger administrations_no_update is missing" in result.out


def test_a_changed_trigger_is_caught_too(demo_ward):
    path = demo_ward.path
    done = shell(path, "DROP TRIGGER orders_no_delete; CREATE TRIGGER orders_no_delete BEFORE "
                       "DELETE ON orders BEGIN SELECT 1; END;")
    assert done.returncode == 0, done.stderr
    assert check_database(path).tampering == ["trigger orders_no_delete was changed outside the app"]


def test_an_edited_audit_row_breaks_the_chain(demo_ward):
    path = demo_ward.path
    middle = one(path, "SELECT id FROM audit ORDER BY id LIMIT 1 OFFSET 10")
    done = shell(path, "DROP TRIGGER audit_no_update; "
                       f"UPDATE audit SET detail = '{{}}' WHERE id = {middle}; "
                       + guards.append_only("audit")[0] + ";")
    assert done.returncode == 0, done.stderr
    health = check_database(path)
    assert not health.healthy
    assert health.tampering == [f"audit chain broken at entry {middle}: its content was changed "
                                "outside the app"]


def test_a_deleted_audit_row_breaks_the_chain_at_the_next_one(demo_ward, run_cli):
    path = demo_ward.path
    middle = one(path, "SELECT id FROM audit ORDER BY id LIMIT 1 OFFSET 10")
    done = shell(path, f"DROP TRIGGER audit_no_delete; DELETE FROM audit WHERE id = {middle};")
    assert done.returncode == 0, done.stderr
    result = run_cli("--db", str(path), "--user", "admin", "check")
    assert result.code == 1 and "NOT HEALTHY" in result.err
    assert "trigger audit_no_delete is missing" in result.out
    assert f"audit chain broken at entry {middle + 1}: the entry before it was removed" in result.out


def test_a_recomputed_hash_alone_does_not_hide_an_edit(demo_ward):
    """Editing a row and fixing its own hash still breaks the link from the next row."""
    path = demo_ward.path
    db = Database(sqlite3.connect(path))
    row = db.execute("SELECT id, prev_hash FROM audit ORDER BY id LIMIT 1 OFFSET 5").fetchone()
    db.close()
    values = next(v for v, _p, _h in audit.chain_rows(demo_ward.db) if v[0] == row[0])
    values[7] = '{"dose": "400 mg"}'
    forged = audit.row_hash(values, row[1])
    done = shell(path, "DROP TRIGGER audit_no_update; UPDATE audit SET detail = "
                       f"'{values[7]}', hash = '{forged}' WHERE id = {row[0]}; "
                       + guards.append_only("audit")[0] + ";")
    assert done.returncode == 0, done.stderr
    assert check_database(path).tampering == [
        f"audit chain broken at entry {row[0] + 1}: the entry before it was removed, added or "
        "changed outside the app"]


@pytest.mark.parametrize("sql", [
    "UPDATE users SET role = 'pharmacist' WHERE name = 'nurse.jones'",
    "INSERT INTO users (name, role, created_at) VALUES ('mallory', 'admin', 'x')",
    "DELETE FROM users WHERE name = 'pharm.chen'",
    "INSERT INTO settings (key, value, updated_at) VALUES ('pump.refill_buffer_days', '1', 'x')",
    "UPDATE patients SET bed = 'X1'",
    "DELETE FROM tapers",
    "UPDATE wards SET tz = 'America/New_York'",
])
def test_guarded_tables_cannot_be_changed_from_the_shell(demo_ward, sql: str):
    from tests.conftest import database_state

    before = database_state(demo_ward.path)
    done = shell(demo_ward.path, sql + ";")
    assert done.returncode != 0 and f"no such function: {guards.GUARD_FUNCTION}" in done.stderr
    assert database_state(demo_ward.path) == before


def test_the_shell_can_still_read_everything(demo_ward):
    done = shell(demo_ward.path, "SELECT count(*) FROM users; SELECT role FROM users "
                                 "WHERE name = 'nurse.jones';")
    users = str(one(demo_ward.path, "SELECT count(*) FROM users"))
    assert done.returncode == 0 and done.stdout.split() == [users, "nurse"], done


def test_a_setting_out_of_range_after_dropping_its_guard_is_caught(demo_ward, run_cli):
    path = demo_ward.path
    done = shell(path, "DROP TRIGGER settings_app_only_insert; INSERT INTO settings (key, value, "
                       "updated_at) VALUES ('pump.refill_buffer_days', '99999', 'x');")
    assert done.returncode == 0, done.stderr
    result = run_cli("--db", str(path), "--user", "admin", "check")
    assert result.code == 1 and "NOT HEALTHY" in result.err
    assert "trigger settings_app_only_insert is missing" in result.out
    assert "setting pump.refill_buffer_days = 99999 is not allowed" in result.out


def test_a_setting_that_is_not_readable_is_caught(demo_ward):
    path = demo_ward.path
    shell(path, "DROP TRIGGER settings_app_only_insert; DROP TRIGGER wards_app_only_update; "
                "INSERT INTO settings (key, value, updated_at) VALUES ('pump.refill_buffer_days', 'lots', "
                "'x'); UPDATE wards SET tz = 'Mars/Olympus';")
    found = check_database(path).tampering
    assert "setting pump.refill_buffer_days = lots is not allowed (it is not readable)" in found
    assert "ward Ward 7 has time zone 'Mars/Olympus', which is not one" in found


def test_the_migration_chains_the_audit_rows_already_there(db_path: Path):
    db = connect(db_path)
    migrations.apply(db.as_sqlite_utils(), stop_before=guards.TAMPER_STEP)
    for i in range(5):
        db.execute("INSERT INTO audit (at, action, entity, detail) VALUES (?, 'x', 'y', ?)",
                   [f"2026-01-0{i + 1}T00:00:00Z", f'{{"n": {i}}}'])
    migrations.apply(db.as_sqlite_utils())
    rows = db.execute("SELECT prev_hash, hash FROM audit ORDER BY id").fetchall()
    assert rows[0][0] == audit.GENESIS and all(r[1] for r in rows)
    assert [r[0] for r in rows[1:]] == [r[1] for r in rows[:-1]]
    assert audit.chain_problems(db) == []
    applied = [m.name for m in migrations.applied(db.as_sqlite_utils())]
    assert guards.trigger_problems(db.conn, applied) == []
    db.close()


def test_the_app_still_writes_guarded_tables_and_backups_keep_the_triggers(ward, tmp_path: Path):
    from ward_app.services.admin import add_user, make_backup
    from ward_app.services.settings import set_setting

    add_user(ward, "nurse.new", "nurse", "correct horse battery")
    set_setting(ward, "pump.refill_buffer_days", 10)
    copy = make_backup(ward, tmp_path / "copies")
    assert check_database(copy).tampering == []
    conn = sqlite3.connect(copy)
    dump = "\n".join(conn.iterdump())  # a plain dump still reads everything
    conn.close()
    assert "nurse.new" in dump and "settings_app_only_insert" in dump
