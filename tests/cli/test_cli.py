"""Every command's success path, bad-input path (exit 2, nothing written) and message."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest

from tests.conftest import ADMIN_PASSWORD, ROLE_USERS, database_state

NOW = "2026-11-25T10:00"
#: Who acts in the demo ward (demo users) and in the ``db`` ward (tests.conftest.ROLE_USERS).
DEMO_NURSE, DEMO_CHARGE, DEMO_PHARMACIST = "nurse.jones", "charge.silva", "pharm.chen"
CHARGE = ROLE_USERS["charge_nurse"]


@pytest.fixture
def db(tmp_path: Path, run_cli) -> str:
    """A new Ward 7 with its admin and one user per clinical role (ROLE_USERS)."""
    path = tmp_path / "ward7.db"
    result = run_cli("--db", str(path), "--now", NOW, "init", "--admin-password-stdin", "--ward", "Ward 7",
                     "--tz", "Europe/London")
    assert result.code == 0, result.err
    for role, name in ROLE_USERS.items():
        result = run_cli("--db", str(path), "--now", NOW, "--user", "admin", "user", "add", name,
                         "--role", role, "--password-stdin")
        assert result.code == 0, result.err
    return str(path)


@pytest.fixture
def demo_db(tmp_path: Path, _demo_template: Path) -> str:
    """A copy of the session's demo ward (built at NOW, as `ward-app demo` would; that command
    itself is exercised by test_init_demo_check_all_succeed)."""
    path = tmp_path / "demo.db"
    shutil.copyfile(_demo_template, path)
    return str(path)


def one_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err
    return lines[0]


def test_init_demo_check_all_succeed(tmp_path, run_cli):
    path = str(tmp_path / "x.db")
    r = run_cli("--db", path, "init", "--admin-password-stdin", "--ward", "Ward 7", "--tz",
                "Europe/London", "--drill")
    assert r.code == 0 and "Created drill ward 'Ward 7' (Europe/London)" in r.out
    r = run_cli("--db", path, "--user", "admin", "demo")  # the demo goes only into a drill ward
    assert r.code == 0 and "24 patients" in r.out and "ward-demo" in r.out
    r = run_cli("--db", path, "check")
    assert r.code == 0 and "integrity: ok" in r.out and "status: healthy" in r.out
    assert "pending migrations: none" in r.out


def test_demo_creates_the_database_when_missing(tmp_path, run_cli):
    path = tmp_path / "fresh.db"
    r = run_cli("--db", str(path), "demo", "--patients", "5", "--days", "7", "--seed", "3")
    assert r.code == 0, r.err
    conn = sqlite3.connect(path)
    assert conn.execute("SELECT count(*) FROM patients").fetchone()[0] == 5
    assert conn.execute("SELECT name FROM wards").fetchone()[0] == "Demo Ward"
    conn.close()


@pytest.mark.parametrize("args, field", [
    (["--patients", "0"], "--patients: 0 patients is out of range"),
    (["--days", "0"], "--days: 0 days of history is out of range"),
    (["--patients", "many"], "'many' is not a valid integer"),
])
def test_demo_bad_input(db, run_cli, args, field):
    before = database_state(Path(db))
    r = run_cli("--db", db, "--user", "admin", "demo", *args)
    assert r.code == 2 and field in one_line(r.err)
    assert database_state(Path(db)) == before


def test_demo_refuses_a_ward_with_patients(demo_db, run_cli):
    before = database_state(Path(demo_db))
    r = run_cli("--db", demo_db, "--user", "admin", "demo")
    assert r.code == 1 and "already has patients" in one_line(r.err)
    assert database_state(Path(demo_db)) == before


@pytest.mark.parametrize("args, message", [
    (["--ward", "Ward 7", "--tz", "Mars/Base"], "'Mars/Base' is not a time zone"),
    (["--ward", "  ", "--tz", "UTC"], "Ward name must be 1 to 60 characters"),
    (["--tz", "UTC"], "Missing option '--ward'"),
])
def test_init_bad_input_writes_no_file(tmp_path, run_cli, args, message):
    path = tmp_path / "never.db"
    r = run_cli("--db", str(path), "init", "--admin-password-stdin", *args)
    assert r.code == 2 and message in one_line(r.err)
    assert not path.exists()


def test_init_twice_is_refused(db, run_cli):
    r = run_cli("--db", db, "init", "--admin-password-stdin", "--ward", "Ward 8", "--tz", "UTC")
    assert r.code == 1 and "already holds ward 'Ward 7'" in one_line(r.err)


def test_check_reports_pending_migrations_as_unhealthy(tmp_path, run_cli):
    from ward_app.storage.database import connect
    from ward_app.storage.migrations import known_names, migrations

    path = tmp_path / "old.db"
    db = connect(path)
    migrations.apply(db.as_sqlite_utils(), stop_before=known_names()[-1])
    db.close()
    r = run_cli("--db", str(path), "check")
    assert r.code == 1 and known_names()[-1] in r.out and "NOT HEALTHY" in r.err


def test_check_a_missing_database(tmp_path, run_cli):
    r = run_cli("--db", str(tmp_path / "nope.db"), "check")
    assert r.code == 2 and "no ward database" in one_line(r.err)
    assert not (tmp_path / "nope.db").exists()


def test_backup_prints_the_file_written(demo_db, tmp_path, run_cli):
    r = run_cli("--db", demo_db, "--user", "admin", "backup", "--to", str(tmp_path / "bk"))
    assert r.code == 0
    written = Path(r.out.strip())
    assert written.parent == tmp_path / "bk" and written.exists()
    copy = sqlite3.connect(written)
    assert copy.execute("SELECT count(*) FROM patients").fetchone()[0] == 24
    copy.close()
    r = run_cli("--db", demo_db, "--user", "admin", "backup")
    assert r.code == 0 and Path(r.out.strip()).parent == Path(demo_db).parent / "backups"


def test_user_add(db, run_cli):
    r = run_cli("--db", db, "--user", "admin", "user", "add", "nurse.jones", "--role", "nurse",
                "--password-stdin", stdin=f"{ADMIN_PASSWORD}\na long password\n")
    assert r.code == 0 and "Added user nurse.jones (nurse)" in r.out
    conn = sqlite3.connect(db)
    pw_hash = conn.execute("SELECT password_hash FROM users WHERE name='nurse.jones'").fetchone()[0]
    conn.close()
    assert pw_hash.startswith("$argon2id$") and "a long password" not in pw_hash


@pytest.mark.parametrize("args, stdin, message", [
    (["nurse.x", "--role", "surgeon"], "", "'surgeon' is not one of"),
    (["9bad", "--role", "nurse"], "", "User name '9bad' is not valid"),
    (["nurse.x", "--role", "nurse", "--password-stdin"], "", "No password on standard input"),
    (["nurse.x", "--role", "nurse", "--password-stdin"], "short\n", "at least 8 characters"),
    (["admin", "--role", "nurse"], "", "already a user 'admin'"),
])
def test_user_add_bad_input(db, run_cli, args, stdin, message):
    before = database_state(Path(db))
    r = run_cli("--db", db, "--user", "admin", "user", "add", *args,
                stdin=f"{ADMIN_PASSWORD}\n{stdin}")
    assert r.code == 2 and message in one_line(r.err)
    assert database_state(Path(db)) == before


def test_patient_add_set_list(db, run_cli):
    r = run_cli("--db", db, "--now", NOW, "--user", CHARGE, "patient", "add", "--mrn", "RX123456",
                "--name", "Łukasz Żółć", "--dob", "1992-03-04", "--bed", "4", "--flag", "epilepsy",
                "--sci-level", "T4", "--weight-kg", "78")
    assert r.code == 0 and "Admitted Łukasz Żółć (MRN RX123456) to bed 4, Ward 7." in r.out
    r = run_cli("--db", db, "--now", NOW, "--user", CHARGE, "patient", "set", "--mrn", "RX123456",
                "--flag", "fall_risk", "--clear-flag", "epilepsy", "--surgery-date", "2026-12-02")
    assert r.code == 0 and "flags: fall_risk" in r.out
    r = run_cli("--db", db, "--user", "admin", "--now", NOW, "patient", "list", "--json")
    assert r.code == 0
    listed = json.loads(r.out)
    assert listed == [{"mrn": "RX123456", "name": "Łukasz Żółć", "bed": "4", "ward": "Ward 7",
                       "route": None, "flags": ["fall_risk"], "age": 34,
                       "dose": "no baclofen order", "pump": None}]
    r = run_cli("--db", db, "--user", "admin", "--now", NOW, "patient", "list")
    assert "Łukasz Żółć" in r.out and "Falls risk" in r.out


def test_patient_list_on_an_empty_ward_says_so(db, run_cli):
    r = run_cli("--db", db, "--user", "admin", "patient", "list")
    assert r.code == 0 and "No patients on this ward yet" in r.out
    assert json.loads(run_cli("--db", db, "--user", "admin", "patient", "list", "--json").out) == []


@pytest.mark.parametrize("args, message", [
    (["--mrn", "x", "--name", "A B", "--dob", "1990-01-01", "--bed", "1"], "MRN 'x' is not valid"),
    (["--mrn", "RX1000", "--name", "A B", "--dob", "01/01/1990", "--bed", "1"],
     "--dob: '01/01/1990' is not a date"),
    (["--mrn", "RX1000", "--name", "A B", "--dob", "2030-01-01", "--bed", "1"], "in the future"),
    (["--mrn", "RX1000", "--name", "A B", "--dob", "1990-01-01", "--bed", "1", "--flag", "x"],
     "'x' is not a patient flag"),
    (["--mrn", "RX1000", "--name", "A B", "--dob", "1990-01-01", "--bed", "1", "--weight-kg",
      "-3"], "out of range"),
    (["--mrn", "RX1000", "--name", "A B", "--dob", "1990-01-01", "--bed", "1", "--sci-level",
      "T99"], "Spinal cord injury level 'T99'"),
    (["--mrn", "RX1000", "--name", "123", "--dob", "1990-01-01", "--bed", "1"], "has no letters"),
    (["--mrn", "RX1000", "--name", "A B", "--dob", "1990-01-01", "--bed", "1", "--ward", "W9"],
     "no ward 'W9'"),
    (["--name", "A B", "--dob", "1990-01-01", "--bed", "1"], "Missing option '--mrn'"),
    (["--mrn", "RX1000", "--name", "A B", "--dob", "1990-01-01", "--bed", "1", "--bogus"],
     "No such option '--bogus'"),
])
def test_patient_add_bad_input(demo_db, run_cli, args, message):
    before = database_state(Path(demo_db))
    r = run_cli("--db", demo_db, "--now", NOW, "--user", DEMO_CHARGE, "patient", "add", *args)
    assert r.code == 2, r.err
    assert message in one_line(r.err)
    assert database_state(Path(demo_db)) == before


@pytest.mark.parametrize("args, message", [
    (["--mrn", "RX999999", "--flag", "npo"], "no patient with MRN RX999999"),
    (["--mrn", "{mrn}"], "Nothing to change"),
    (["--mrn", "{mrn}", "--flag", "npo", "--clear-flag", "npo"], "both set and cleared"),
    (["--mrn", "{mrn}", "--surgery-date", "tomorrow"], "--surgery-date: 'tomorrow' is not a date"),
    (["--mrn", "{mrn}", "--bed", "2"], "Bed 2 is taken"),
])
def test_patient_set_bad_input(demo_db, run_cli, args, message):
    mrn = json.loads(run_cli("--db", demo_db, "--user", "admin", "patient", "list", "--json").out)[0]["mrn"]
    before = database_state(Path(demo_db))
    r = run_cli("--db", demo_db, "--user", DEMO_CHARGE, "patient", "set",
                *[a.format(mrn=mrn) for a in args])
    assert r.code == 2 and message in one_line(r.err)
    assert database_state(Path(demo_db)) == before


def test_lab_and_comed(demo_db, run_cli):
    mrn = json.loads(run_cli("--db", demo_db, "--user", "admin", "patient", "list", "--json").out)[0]["mrn"]
    r = run_cli("--db", demo_db, "--now", NOW, "--user", DEMO_NURSE, "lab", "add", "--mrn", mrn,
                "--egfr", "42")
    assert r.code == 0 and f"Recorded eGFR 42 for MRN {mrn}" in r.out
    r = run_cli("--db", demo_db, "--user", DEMO_PHARMACIST, "comed", "add", "--mrn", mrn, "--drug",
                "Lorazepam")
    assert r.code == 0 and "Recorded Lorazepam" in r.out
    conn = sqlite3.connect(demo_db)
    taken = conn.execute("SELECT taken_at FROM lab_results ORDER BY id DESC LIMIT 1").fetchone()[0]
    assert taken == "2026-11-25T10:00:00+00:00"  # dated by --now (GMT in November)
    conn.close()


@pytest.mark.parametrize("args, message", [
    (["lab", "add", "--mrn", "{mrn}", "--egfr", "500"], "out of range: use 0 to 200"),
    (["lab", "add", "--mrn", "{mrn}", "--egfr", "lots"], "'lots' is not a valid float"),
    (["lab", "add", "--mrn", "{mrn}"], "--egfr: Give the eGFR"),
    (["comed", "add", "--mrn", "{mrn}", "--drug", "x"], "Drug 'x' is not valid"),
    (["comed", "add", "--mrn", "NOPE1", "--drug", "Lorazepam"], "no patient with MRN NOPE1"),
])
def test_lab_and_comed_bad_input(demo_db, run_cli, args, message):
    mrn = json.loads(run_cli("--db", demo_db, "--user", "admin", "patient", "list", "--json").out)[0]["mrn"]
    before = database_state(Path(demo_db))
    user = DEMO_NURSE if args[0] == "lab" else DEMO_PHARMACIST
    r = run_cli("--db", demo_db, "--user", user, *[a.format(mrn=mrn) for a in args])
    assert r.code == 2 and message in one_line(r.err)
    assert database_state(Path(demo_db)) == before


def test_global_options_bad_input(demo_db, tmp_path, run_cli):
    r = run_cli("--db", demo_db, "--user", "admin", "--now", "soon", "patient", "list")
    assert r.code == 2 and "--now: 'soon' is not a date and time" in one_line(r.err)
    r = run_cli("--db", demo_db, "--user", "ghost", "patient", "list")  # as a wrong password:
    assert r.code == 1 and "--user name or the password is not right" in one_line(r.err)  # no hint
    r = run_cli("--db", str(tmp_path / "missing.db"), "--user", "admin", "patient", "list")
    assert r.code == 2 and "no ward database" in one_line(r.err)
    assert not (tmp_path / "missing.db").exists()
    r = run_cli("--db", demo_db, "frobnicate")
    assert r.code == 2 and "No such command 'frobnicate'" in one_line(r.err)


def test_user_option_and_env_attribute_writes(demo_db, run_cli, monkeypatch):
    mrn = json.loads(run_cli("--db", demo_db, "--user", "admin", "patient", "list", "--json").out)[0]["mrn"]
    assert run_cli("--db", demo_db, "--user", "nurse.okafor", "lab", "add", "--mrn", mrn,
                   "--egfr", "50").code == 0
    monkeypatch.setenv("WARD_APP_USER", "charge.silva")
    assert run_cli("--db", demo_db, "comed", "add", "--mrn", mrn, "--drug", "Tramadol").code == 0
    conn = sqlite3.connect(demo_db)
    users = conn.execute("SELECT u.name FROM audit a JOIN users u ON u.id = a.user_id "
                         "ORDER BY a.id DESC LIMIT 2").fetchall()
    conn.close()
    assert users == [("charge.silva",), ("nurse.okafor",)]


def test_a_newer_database_is_refused_with_exit_3(demo_db, run_cli):
    conn = sqlite3.connect(demo_db)
    conn.execute("INSERT INTO _sqlite_migrations (migration_set, name, applied_at) "
                 "VALUES ('ward_app', 'm999_future', 'x')")
    conn.commit()
    conn.close()
    r = run_cli("--db", demo_db, "--user", "admin", "patient", "list")
    assert r.code == 3 and "newer version" in one_line(r.err)


def test_a_bug_is_reported_as_a_bug_without_a_traceback(demo_db, run_cli, monkeypatch):
    from ward_app.services import board

    def explode(*_a, **_k):
        raise ZeroDivisionError("boom")

    monkeypatch.setattr(board, "ward_board", explode)
    monkeypatch.setattr("ward_app.cli.patient_cmds.ward_board", explode)
    r = run_cli("--db", demo_db, "--user", "admin", "patient", "list")
    assert r.code == 70 and "internal error (ZeroDivisionError); this is a bug" in one_line(r.err)


@pytest.mark.parametrize("command", [
    [], ["init"], ["demo"], ["check"], ["backup"], ["user", "add"], ["patient", "add"],
    ["patient", "set"], ["patient", "list"], ["lab", "add"], ["comed", "add"], ["gui"],
])
def test_every_command_has_help_with_an_example(run_cli, command):
    r = run_cli(*command, "--help")
    assert r.code == 0 and "Example" in r.out


def test_version(run_cli):
    from ward_app import __version__

    r = run_cli("--version")
    assert r.code == 0 and __version__ in r.out
