"""Safer operations (issue 14, item 4): the ward's time zone fixed once records exist, init that
leaves no half-made file, files 0600 and folders 0700, audit CSV cells never formulas."""

from __future__ import annotations

import csv
import io
import os
import stat
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.conftest import database_state
from ward_app.services import audit_log
from ward_app.services.audit_log import AuditEntry


def mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_the_ward_time_zone_cannot_change_once_clinical_records_exist(demo_ward, run_cli):
    demo_ward.close()
    before = database_state(demo_ward.path)
    r = run_cli("--db", str(demo_ward.path), "--user", "admin", "settings", "set", "ward.tz",
                "America/New_York")
    assert r.code == 1 and r.err.count("\n") == 1
    assert "time zone stays Europe/London" in r.err and "doses" in r.err
    assert database_state(demo_ward.path) == before


def test_the_ward_time_zone_can_change_before_any_clinical_record(ward, run_cli):
    ward.close()
    r = run_cli("--db", str(ward.path), "--user", "admin", "settings", "set", "ward.tz",
                "America/New_York")
    assert r.code == 0, r.err


def test_an_init_killed_half_way_leaves_no_file_and_init_works_after(tmp_path: Path, run_cli):
    target = tmp_path / "ward.db"
    child = (
        "import os, sys\n"
        "from pathlib import Path\n"
        "from ward_app.storage import audit\n"
        "def killed(*a, **k):\n"
        "    os._exit(9)  # as if the machine lost power mid-init\n"
        "audit.record = killed\n"
        "from ward_app.services.admin import init_ward\n"
        f"init_ward(Path({str(target)!r}), ward='Ward 7', tz='Europe/London', "
        "admin_password='admin-password-1')\n"
    )
    done = subprocess.run([sys.executable, "-c", child], capture_output=True, text=True, timeout=120)
    assert done.returncode == 9, done.stderr
    assert not target.exists()  # at most a hidden .building file beside it
    assert all(p.name.startswith(".ward.db.") for p in tmp_path.iterdir())
    r = run_cli("--db", str(target), "--user", "admin", "demo", "--patients", "2", "--days", "1")
    assert r.code == 0, r.err
    assert target.is_file()


def test_a_failed_first_demo_leaves_no_file(tmp_path: Path, monkeypatch):
    from ward_app.services import demo

    def broken(*_a, **_k):
        raise RuntimeError("disk gone")

    monkeypatch.setattr(demo, "build_demo", broken)
    target = tmp_path / "demo.db"
    with pytest.raises(RuntimeError):
        demo.create_demo_database(target, clock=lambda: datetime(2026, 11, 26, 9, tzinfo=UTC))
    assert list(tmp_path.iterdir()) == []


@pytest.fixture
def lax_umask(monkeypatch):
    """A umask of 022 that the entry points cannot tighten: the modes must come from the app's
    own file creation, not only from its umask."""
    real = os.umask
    before = real(0o022)
    monkeypatch.setattr(os, "umask", lambda _m: 0o022)
    yield
    real(before)


def test_what_the_app_writes_is_its_user_s_alone(tmp_path: Path, run_cli, lax_umask):
    data = tmp_path / "data"
    db = data / "ward.db"
    r = run_cli("--db", str(db), "init", "--admin-password-stdin", "--ward", "Ward 7", "--tz",
                "Europe/London", "--drill")
    assert r.code == 0, r.err
    r = run_cli("--db", str(db), "--user", "admin", "demo", "--patients", "2", "--days", "1")
    assert r.code == 0, r.err
    assert mode(data) == 0o700 and mode(db) == 0o600
    r = run_cli("--db", str(db), "--user", "admin", "backup")
    assert r.code == 0, r.err
    copy = Path(r.out.strip())
    assert mode(copy.parent) == 0o700 and mode(copy) == 0o600
    out = tmp_path / "audit.csv"
    r = run_cli("--db", str(db), "--user", "admin", "audit", "--csv", str(out))
    assert r.code == 0, r.err
    assert mode(out) == 0o600
    pdf = tmp_path / "handover.pdf"
    r = run_cli("--db", str(db), "--user", "charge.silva", "handover", "--out", str(pdf))
    assert r.code == 0, r.err
    assert mode(pdf) == 0o600
    for extra in (Path(f"{db}-wal"), Path(f"{db}-shm")):
        if extra.exists():
            assert mode(extra) == 0o600


def test_a_restored_database_is_0600(ward, run_cli, lax_umask):
    from ward_app.services.admin import make_backup

    copy = make_backup(ward, ward.path.parent / "copies")
    os.chmod(ward.path, 0o644)
    ward.close()
    r = run_cli("--db", str(ward.path), "--user", "admin", "restore", "--from", str(copy), "--yes")
    assert r.code == 0, r.err
    assert mode(ward.path) == 0o600


def _entry(text: str) -> AuditEntry:
    return AuditEntry(1, datetime(2026, 11, 26, 9, tzinfo=UTC), text, "add", "patient", 3,
                      "RX1", text, {"note": text})


@pytest.mark.parametrize("text", ["=HYPERLINK(\"http://x\")", "+1+1", "-2+3", "@SUM(A1)",
                                  "\tcmd", "\rcmd"])
def test_audit_csv_cells_are_never_formulas(text: str):
    rows = list(csv.reader(io.StringIO(audit_log.to_csv([_entry(text)]))))
    user, patient, details = rows[1][2], rows[1][5], rows[1][7]  # columns: audit_log.COLUMNS
    assert user == "'" + text and patient == "'" + text
    assert details == "note: " + text  # starts with a letter: left as it is


def test_ordinary_audit_csv_cells_are_unchanged():
    rows = list(csv.reader(io.StringIO(audit_log.to_csv([_entry("nurse.jones")]))))
    assert rows[1][2] == "nurse.jones" and rows[1][0] == "2026-11-26T09:00:00+00:00"
