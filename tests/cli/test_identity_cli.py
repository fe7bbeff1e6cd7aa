"""Who acts on the command line proves it (CLI.md "Identity and time"): the acting user's password,
then each witness's, then the command's own, one a line on standard input."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tests.conftest import ADMIN_PASSWORD, PASSWORD, ROLE_USERS, database_state
from ward_app.services.auth import hash_password, verify_password

NURSE = ROLE_USERS["nurse"]
NOW = "2026-11-25T10:00"


@pytest.fixture
def db(ward) -> str:
    """The ``ward`` fixture's file (admin + one user per clinical role), closed for the CLI."""
    ward.close()
    return str(ward.path)


def _audit(db: str) -> list[tuple]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute("SELECT action, user_id, detail FROM audit ORDER BY id").fetchall()
    finally:
        conn.close()


def _failed(db: str, name: str) -> int:
    conn = sqlite3.connect(db)
    try:
        return conn.execute("SELECT failed_logins FROM users WHERE name = ?", [name]).fetchone()[0]
    finally:
        conn.close()


COMMANDS = [
    ("patient", "list"),
    ("patient", "add", "--mrn", "RX9", "--name", "A Patient", "--dob", "1970-01-01", "--bed", "9"),
    ("settings", "list"),
    ("backup",),
    ("user", "add", "nurse.new", "--role", "nurse", "--password-stdin"),
]


@pytest.mark.parametrize("args", COMMANDS, ids=lambda a: " ".join(a[:2]))
@pytest.mark.parametrize("stdin", ["", "wrong password\n"], ids=["missing", "wrong"])
def test_a_missing_or_wrong_password_writes_only_the_failed_login(db, run_cli, args, stdin):
    user = "admin" if args[0] in ("backup", "user", "settings") else ROLE_USERS["charge_nurse"]
    before = database_state(Path(db), but_logins=True)
    audited = len(_audit(db))
    r = run_cli("--db", db, "--now", NOW, "--user", user, *args, stdin=stdin + "long enough 1\n")
    assert r.code == 1 and r.out == "" and "password is not right" in r.err
    assert database_state(Path(db), but_logins=True) == before
    rows = _audit(db)[audited:]
    assert [a for a, _u, _d in rows] == ["login.failed"]
    assert _failed(db, user) == 1  # counts toward the lockout
    assert not (Path(db).parent / "backups").exists()


def test_without_a_user_nothing_runs(db, run_cli):
    before = database_state(Path(db))
    r = run_cli("--db", db, "patient", "list", stdin="")
    assert r.code == 1 and "Name who is acting" in r.err
    assert database_state(Path(db)) == before


def test_the_order_of_the_lines_acting_then_witness_then_the_commands_own(db, run_cli):
    # the command's own line comes after the acting user's: user add --password-stdin
    r = run_cli("--db", db, "--user", "admin", "user", "add", "nurse.new", "--role", "nurse",
                "--password-stdin", stdin=f"{ADMIN_PASSWORD}\nnew-nurse-pass\n")
    assert r.code == 0, r.err
    conn = sqlite3.connect(db)
    (stored,) = conn.execute("SELECT password_hash FROM users WHERE name = 'nurse.new'").fetchone()
    conn.close()
    assert verify_password(stored, "new-nurse-pass")
    # swapped lines: the acting user's password is wrong, nothing is added
    r = run_cli("--db", db, "--user", "admin", "user", "add", "nurse.other", "--role", "nurse",
                "--password-stdin", stdin=f"other-nurse-pw\n{ADMIN_PASSWORD}\n")
    assert r.code == 1


def test_a_wrong_witness_password_is_refused_audited_and_counted(db, run_cli):
    charge, pharm = ROLE_USERS["charge_nurse"], ROLE_USERS["pharmacist"]
    assert run_cli("--db", db, "--now", NOW, "--user", charge, "patient", "add", "--mrn", "RX2",
                   "--name", "Pump Patient", "--dob", "1980-01-01", "--bed", "2").code == 0
    args = ("--db", db, "--now", NOW, "--user", pharm, "order", "add", "--mrn", "RX2", "--route",
            "intrathecal", "--daily-mcg", "300", "--witness", NURSE)
    before = database_state(Path(db), but_logins=True)
    r = run_cli(*args, stdin=f"{PASSWORD}\nnot the witness's\n")
    assert r.code == 1 and "witness password" in r.err
    assert database_state(Path(db), but_logins=True) == before
    assert _audit(db)[-1][0] == "witness.failed" and _failed(db, NURSE) == 1
    assert _failed(db, pharm) == 0
    assert run_cli(*args).code == 0  # the right witness password (run_cli types it)
    assert _failed(db, NURSE) == 0


def test_a_locked_user_can_neither_act_nor_witness(db, run_cli):
    for _ in range(5):
        run_cli("--db", db, "--now", NOW, "--user", NURSE, "patient", "list", stdin="nope\n")
    r = run_cli("--db", db, "--now", NOW, "--user", NURSE, "patient", "list")
    assert r.code == 1 and "locked" in r.err
    charge = ROLE_USERS["charge_nurse"]
    run_cli("--db", db, "--now", NOW, "--user", charge, "patient", "add", "--mrn", "RX2", "--name",
            "Pump Patient", "--dob", "1980-01-01", "--bed", "2")
    r = run_cli("--db", db, "--now", NOW, "--user", ROLE_USERS["pharmacist"], "order", "add",
                "--mrn", "RX2", "--route", "intrathecal", "--daily-mcg", "300", "--witness", NURSE)
    assert r.code == 1 and "locked" in r.err


def test_a_deactivated_user_can_neither_act_nor_witness_and_keeps_their_name(db, run_cli):
    r = run_cli("--db", db, "--user", "admin", "user", "deactivate", NURSE, "--reason", "left")
    assert r.code == 0, r.err
    r = run_cli("--db", db, "--now", NOW, "--user", NURSE, "patient", "list")
    assert r.code == 1 and "deactivated" in r.err
    r = run_cli("--db", db, "--user", "admin", "user", "list", "--json")
    assert f'"name": "{NURSE}"' in r.out and '"active": false' in r.out
    assert run_cli("--db", db, "--user", "admin", "user", "deactivate", "admin", "--reason",
                   "x").code == 1  # not themselves, nor the last admin
    assert run_cli("--db", db, "--user", "admin", "user", "reactivate", NURSE).code == 0
    assert run_cli("--db", db, "--now", NOW, "--user", NURSE, "patient", "list").code == 0


def test_the_service_role_may_back_up_and_check_only(db, run_cli):
    r = run_cli("--db", db, "--user", "admin", "user", "add", "backup.svc", "--role", "service",
                "--password-stdin")
    assert r.code == 0, r.err
    r = run_cli("--db", db, "--user", "backup.svc", "backup")
    assert r.code == 0 and Path(r.out.strip()).exists(), r.err
    assert run_cli("--db", db, "check").code == 0
    for args in (("patient", "list"), ("settings", "list"), ("user", "list")):
        r = run_cli("--db", db, "--user", "backup.svc", *args)
        assert r.code == 1 and "service account cannot" in r.err


def test_an_unknown_user_is_audited_without_the_name_typed(db, run_cli):
    r = run_cli("--db", db, "--user", "Secret-Passw0rd", "patient", "list", stdin="x\n")
    assert r.code == 1
    action, user_id, detail = _audit(db)[-1]
    assert action == "login.failed" and user_id is None and "Secret" not in (detail or "")


def test_passwords_are_nfkc_normalised_and_old_raw_hashes_still_verify():
    stored = hash_password("\ufb01ve-apples")  # "ﬁ" ligature
    assert verify_password(stored, "five-apples") and verify_password(stored, "\ufb01ve-apples")
    from argon2 import PasswordHasher

    legacy = PasswordHasher().hash("\ufb01ve-apples")  # made before normalisation
    assert verify_password(legacy, "\ufb01ve-apples")
    assert not verify_password(stored, "five-apple")
