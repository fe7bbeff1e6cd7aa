"""Restoring a backup (issue 14, item 4): an administrator only, audited in the restored database,
this ward's backups only, never under another process, never overwriting an earlier file set
aside; backups refused without the space for them and leaving nothing half-made."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import database_state
from ward_app.domain.errors import Refused
from ward_app.services import backups
from ward_app.services.admin import make_backup
from ward_app.services.context import Actor
from ward_app.storage import backup as storage_backup
from ward_app.storage import guards
from ward_app.storage.errors import StorageProblem

ADMIN = Actor(1, "admin", "admin")


def _copy(ward) -> Path:
    return make_backup(ward, ward.path.parent / "copies")


def test_a_nurse_cannot_restore(ward, run_cli):
    copy = _copy(ward)
    ward.close()
    before = database_state(ward.path)
    r = run_cli("--db", str(ward.path), "--user", "nurse.test", "restore", "--from", str(copy),
                "--yes")
    assert r.code == 1 and "administrator" in r.err
    assert database_state(ward.path) == before
    assert not list(backups.backups_dir(ward.path).glob("*-replaced-*"))


def test_an_admin_restores_and_the_restored_database_says_who_what_and_when(ward, run_cli):
    copy = _copy(ward)
    ward.close()
    r = run_cli("--db", str(ward.path), "--user", "admin", "restore", "--from", str(copy), "--yes")
    assert r.code == 0, r.err
    conn = sqlite3.connect(ward.path)
    row = conn.execute("SELECT u.name, a.detail FROM audit a JOIN users u ON u.id = a.user_id "
                       "WHERE a.action = 'restore'").fetchone()
    conn.close()
    assert row is not None and row[0] == "admin"
    detail = json.loads(row[1])
    assert detail["file"] == str(copy) and detail["by"] == "admin" and detail["backup_made"]
    assert Path(detail["replaced_kept_at"]).is_file()
    assert run_cli("--db", str(ward.path), "--user", "admin", "check").code == 0


def test_without_an_admin_only_a_damaged_database_is_replaced(ward):
    copy = _copy(ward)
    ward.close()
    with pytest.raises(Refused, match="Only an administrator"):
        backups.restore(ward.path, copy)


def test_another_wards_backup_is_refused(ward, run_cli, tmp_path: Path):
    copy = _copy(ward)
    conn = sqlite3.connect(copy)
    guards.register(conn)  # what the app may do: make the copy another ward's
    conn.execute("UPDATE wards SET name = 'Ward 9'")
    conn.commit()
    conn.close()
    ward.close()
    before = database_state(ward.path)
    r = run_cli("--db", str(ward.path), "--user", "admin", "restore", "--from", str(copy), "--yes")
    assert r.code == 1 and "another ward" in r.err and "ward 9" in r.err
    assert database_state(ward.path) == before


def test_restore_is_refused_while_another_process_has_the_database_open(ward, run_cli):
    copy = _copy(ward)
    ward.close()
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sqlite3, sys, time\n"
         f"c = sqlite3.connect({str(ward.path)!r})\n"
         "c.execute('SELECT count(*) FROM patients').fetchone()\n"
         "print('open', flush=True)\nsys.stdin.readline()\n"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "open"
        before = database_state(ward.path)
        r = run_cli("--db", str(ward.path), "--user", "admin", "restore", "--from", str(copy),
                    "--yes")
        assert r.code == 1 and "open in another window or process" in r.err
        assert database_state(ward.path) == before
        assert not list(backups.backups_dir(ward.path).glob("*-replaced-*"))
    finally:
        holder.communicate("\n", timeout=30)
    r = run_cli("--db", str(ward.path), "--user", "admin", "restore", "--from", str(copy), "--yes")
    assert r.code == 0, r.err  # once it has closed


def test_two_restores_in_the_same_second_keep_both_files_set_aside(ward):
    copy = _copy(ward)
    ward.close()
    first = backups.restore(ward.path, copy, by=ADMIN)
    second = backups.restore(ward.path, copy, by=ADMIN)
    assert first != second and first.is_file() and second.is_file()
    assert len(list(backups.backups_dir(ward.path).glob("*-replaced-*.db"))) == 2


def test_unique_aside_never_reuses_a_name(tmp_path: Path, monkeypatch):
    taken = storage_backup.unique_aside(tmp_path, "ward")
    taken.write_bytes(b"x")
    assert storage_backup.unique_aside(tmp_path, "ward") != taken or not taken.exists()
    # same microsecond: the counter makes it unique
    from datetime import UTC, datetime

    class Frozen(datetime):
        @classmethod
        def now(cls, tz=None):
            return datetime(2026, 1, 1, tzinfo=UTC)

    monkeypatch.setattr(storage_backup, "datetime", Frozen)
    a = storage_backup.unique_aside(tmp_path, "ward")
    a.write_bytes(b"a")
    b = storage_backup.unique_aside(tmp_path, "ward")
    assert a != b and b.name.endswith("-1.db")


def test_a_backup_without_the_space_for_it_is_refused_and_writes_nothing(ward, run_cli,
                                                                          monkeypatch):
    from collections import namedtuple

    usage = namedtuple("usage", "total used free")
    monkeypatch.setattr(storage_backup.shutil, "disk_usage", lambda _p: usage(10**9, 10**9, 1000))
    folder = ward.path.parent / "copies"
    r = run_cli("--db", str(ward.path), "--user", "admin", "backup", "--to", str(folder))
    assert r.code == 3 and "not enough free disk space" in r.err
    assert list(folder.iterdir()) == []


def test_a_backup_that_fails_half_way_leaves_no_partial_file(ward, monkeypatch):
    folder = ward.path.parent / "copies"
    stale = folder / "ward-x.db.partial"
    folder.mkdir()
    stale.write_bytes(b"left by a killed copy")

    class Failing:
        def __init__(self, conn):
            self.conn = conn

        def execute(self, *a):
            return self.conn.execute(*a)

        def backup(self, dest):
            dest.execute("CREATE TABLE half (x)")
            raise sqlite3.OperationalError("disk I/O error")

    class Db:
        def __init__(self, real):
            self.conn = Failing(real.conn)

        def execute(self, *a):
            return self.conn.execute(*a)

    with pytest.raises((StorageProblem, sqlite3.Error)):
        storage_backup.backup_to(Db(ward.db), folder, "ward-x.db")
    assert list(folder.iterdir()) == []
