"""Faults a ward meets, through the real command line: a damaged or truncated file (the latest
backup is offered and can be restored, the damaged file kept), a missing data folder, a full disk;
and the automatic daily backup with its rotation."""

from __future__ import annotations

import shutil
import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest

from tests.conftest import database_state
from ward_app.services.backups import daily_backup, daily_name, latest_backup
from ward_app.storage.backup import backups_dir


def _damage(path: Path) -> None:
    """Overwrite the middle of the file with junk: what a failing disk or a bad copy leaves."""
    data = bytearray(path.read_bytes())
    for i in range(len(data) // 3, len(data) // 3 + 8192):
        data[i] = 0x5A
    path.write_bytes(bytes(data))


def test_daily_backup_once_a_day_and_only_the_newest_14_kept(ward):
    first = daily_backup(ward)
    assert first is not None and first.name == daily_name(ward.path, "20261125")
    assert daily_backup(ward) is None  # already made today
    folder = backups_dir(ward.path)
    for n in range(1, 21):  # twenty older days
        day = (ward.now() - timedelta(days=n)).strftime("%Y%m%d")
        shutil.copyfile(first, folder / daily_name(ward.path, day))
    daily_backup(ward)  # today's exists: only the rotation runs
    kept = sorted(folder.glob(f"{ward.path.stem}-daily-*.db"))
    assert len(kept) == 14 and kept[-1].name.endswith("20261125.db")
    assert kept[0].name.endswith("20261112.db")
    conn = sqlite3.connect(f"file:{first}?mode=ro", uri=True)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        conn.close()


def test_a_damaged_database_offers_the_latest_backup_and_restores_it(ward, run_cli):
    backup = daily_backup(ward)
    assert backup is not None
    path = ward.path
    ward.close()
    _damage(path)
    r = run_cli("--db", str(path), "--user", "admin", "patient", "list")
    assert r.code == 3 and r.err.count("\n") == 1 and "Traceback" not in r.err
    assert "integrity check" in r.err or "damaged" in r.err
    assert f"The latest backup is {backup}" in r.err and "restore --from" in r.err
    damaged_bytes = path.read_bytes()
    r = run_cli("--db", str(path), "restore", "--from", str(backup))
    assert r.code == 2 and "--yes" in r.err and path.read_bytes() == damaged_bytes
    r = run_cli("--db", str(path), "restore", "--from", str(backup), "--yes")
    assert r.code == 0, r.err
    aside = next(backups_dir(path).glob("*-replaced-*.db"))
    assert aside.read_bytes() == damaged_bytes  # kept, not deleted
    assert run_cli("--db", str(path), "check").code == 0
    assert run_cli("--db", str(path), "--user", "nurse.test", "patient", "list").code == 0


def test_restore_refuses_a_file_that_is_not_a_ward_backup(ward, run_cli, tmp_path):
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"not a database at all" * 100)
    before = database_state(ward.path)
    r = run_cli("--db", str(ward.path), "--user", "admin", "restore", "--from", str(junk), "--yes")
    assert r.code == 2 and "not a ward database backup" in r.err
    assert database_state(ward.path) == before


def test_a_truncated_file_is_one_plain_sentence(ward, run_cli):
    path = ward.path
    ward.close()
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    r = run_cli("--db", str(path), "check")
    assert r.code == 3 and r.err.count("\n") == 1 and "Traceback" not in r.err


def test_a_missing_data_folder(tmp_path, run_cli, monkeypatch):
    monkeypatch.setenv("WARD_APP_DATA", str(tmp_path / "no" / "such" / "folder"))
    r = run_cli("--user", "admin", "patient", "list")
    assert r.code in (2, 3) and "There is no ward database" in r.err and r.err.count("\n") == 1
    assert not (tmp_path / "no").exists()  # nothing created by a read
    r = run_cli("init", "--admin-password-stdin", "--ward", "Ward 7", "--tz", "Europe/London")
    assert r.code == 0 and (tmp_path / "no" / "such" / "folder" / "ward.db").exists()


def test_a_full_disk_loses_nothing_already_saved(ward, run_cli):
    before_rows = sqlite3.connect(str(ward.path)).execute("SELECT count(*) FROM audit").fetchone()[0]
    ward.db.execute("PRAGMA max_page_count = 1")  # no room for one more page
    from datetime import date

    from tests.conftest import acting
    from ward_app.domain.errors import WardError
    from ward_app.services.patients import NewPatient, add_patient

    with acting(ward, "charge.test"), pytest.raises(WardError, match="disk .* is full"):
        for n in range(200):
            add_patient(ward, NewPatient(mrn=f"RX{n:05d}", name="Full Disk", dob=date(1970, 1, 1),
                                         bed=str(100 + n)))
    conn = sqlite3.connect(str(ward.path))
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("SELECT count(*) FROM audit").fetchone()[0] >= before_rows
    finally:
        conn.close()


def test_latest_backup_is_none_without_backups(ward):
    assert latest_backup(ward.path) is None


@pytest.fixture
def read_only_folder(tmp_path):
    """A folder this process cannot write, made the way a ward meets it: a read-only mount
    (running as root, which ignores file modes) or file modes (any other user)."""
    import os
    import subprocess

    folder = tmp_path / "share"
    folder.mkdir()
    if os.geteuid() != 0:
        def lock() -> None:
            for p in folder.iterdir():
                p.chmod(0o444)
            folder.chmod(0o555)

        yield folder, lock
        folder.chmod(0o755)
        return
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", str(folder)],
                      capture_output=True).returncode != 0:
        pytest.skip("running as root without the right to mount: cannot make a read-only folder")

    def remount() -> None:
        subprocess.run(["mount", "-o", "remount,ro", str(folder)], check=True)

    try:
        yield folder, remount
    finally:
        subprocess.run(["umount", str(folder)], check=False)


def test_a_read_only_database_is_one_sentence_and_nothing_changes(ward, run_cli, read_only_folder):
    folder, make_read_only = read_only_folder
    path = folder / "ward.db"
    ward.close()
    shutil.copyfile(ward.path, path)
    make_read_only()
    before = path.read_bytes()
    for argv in (("--user", "nurse.test", "obs", "add", "--mrn", "RX100001", "--rr", "18"),
                 ("check",), ("--user", "admin", "patient", "list")):
        r = run_cli("--db", str(path), *argv)
        assert r.code == 3, r
        assert r.err.count("\n") == 1 and "read-only" in r.err and "write access" in r.err, r.err
        assert "Traceback" not in r.err
    assert path.read_bytes() == before  # byte for byte: nothing written, no journal replayed
    assert sorted(p.name for p in folder.iterdir()) == ["ward.db"]


def test_a_folder_named_with_uri_characters_is_checked_and_backed_up_itself(tmp_path, run_cli):
    """'#', '?' and '%' are URI syntax to SQLite: the read-only connections must still open the
    database itself, not a new empty file named after the part before the '#'."""
    from ward_app.storage.backup import backup_file
    from ward_app.storage.database import file_integrity_problems

    folder = tmp_path / "Ward #3 ?50%"
    folder.mkdir()
    path = folder / "ward.db"
    assert run_cli("--db", str(path), "init", "--admin-password-stdin", "--ward", "Ward 3",
                   "--tz", "Europe/London", "--drill").code == 0
    assert run_cli("--db", str(path), "--user", "admin", "demo").code == 0
    assert file_integrity_problems(path) == []
    copy = backup_file(path, folder / "backups", "ward-daily-20261125.db")
    conn = sqlite3.connect(str(copy))
    try:
        assert conn.execute("SELECT count(*) FROM patients").fetchone()[0] == 24
    finally:
        conn.close()
    r = run_cli("--db", str(path), "--user", "admin", "backup")
    assert r.code == 0, r.err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["Ward #3 ?50%"]  # no stray 'Ward ' file


def test_check_reads_a_read_only_backup(ward, run_cli, read_only_folder):
    """A backup (rollback-journal mode) on a read-only share can still be checked."""
    from ward_app.services.admin import make_backup

    folder, make_read_only = read_only_folder
    copy = make_backup(ward, folder)
    make_read_only()
    r = run_cli("--db", str(copy), "check")
    assert "integrity: ok" in r.out and "read-only" not in r.err, r.err
    assert "journal mode: delete" in r.out and r.code == 1  # a backup is not a live ward database
