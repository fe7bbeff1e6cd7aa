"""Who may run what through the command line (the CLI contract, "Who may run what"): a refused
command exits 1 with one line on stderr saying who can, and writes nothing; reading is open to
every role; witnesses."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.conftest import database_state
from tests.services.test_roles import ASK, EXPECTED, USERS, WHO, WITNESS, build_ward
from ward_app.domain.roles import Action

NOW = "2026-11-25T10:00"


@pytest.fixture(scope="module")
def _template(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("roles-cli") / "roles.db"
    build_ward(path)
    return path


@pytest.fixture
def ward(tmp_path, _template, run_cli):
    """``ward(user, *args)`` runs ``ward-app --db ... --now NOW --user USER ARGS``."""
    path = tmp_path / "roles.db"
    shutil.copyfile(_template, path)

    def cli(user, *args, stdin=None):
        who = ("--user", user) if user else ()
        return run_cli("--db", str(path), "--now", NOW, *who, *args, stdin=stdin)

    cli.path = path
    cli.out = tmp_path / "out"
    return cli


def _alert_id(ward, rule="toxicity.sedation") -> str:
    found = json.loads(ward(USERS["nurse"], "alerts", "--json").out)
    return str(next(a["id"] for a in found if a["rule"] == rule))


#: A representative command per action (the CLI contract's table); "{alert}" and "{out}" are filled in.
COMMANDS: dict[Action, tuple[str, ...]] = {
    # at 10:00 the missed 08:00 dose can no longer be given (clinical-rules §9: the 14:00 dose is
    # not more than 4 h away), so recording it as not given is the representative write
    Action.RECORD_DOSE: ("dose", "omit", "--mrn", "RX1", "--due", "08:00", "--reason", "asleep"),
    Action.RECORD_OBS: ("obs", "add", "--mrn", "RX1", "--rr", "16"),
    Action.ADD_LAB: ("lab", "add", "--mrn", "RX1", "--egfr", "55"),
    Action.REFILL_PUMP: ("pump", "refill", "--mrn", "RX2", "--volume-ml", "20", "--conc-mcg-ml",
                         "2000", "--daily-mcg", "400", "--witness", WITNESS),
    Action.PUMP_ALARM: ("pump", "alarm", "--mrn", "RX2", "--kind", "low_reservoir"),
    Action.ACK_ALERT: ("alerts", "ack", "--id", "{alert}", "--note", "seen"),
    Action.EDIT_PATIENT: ("patient", "add", "--mrn", "RX9", "--name", "Admitted Today", "--dob",
                          "1975-05-05", "--bed", "9"),
    Action.SET_PUMP: ("pump", "set", "--mrn", "RX2", "--eri-date", "2029-05-01"),
    Action.HANDOVER: ("handover", "--out", "{out}/handover.pdf"),
    Action.COMED: ("comed", "add", "--mrn", "RX1", "--drug", "Lorazepam"),
    Action.ORDER: ("order", "add", "--mrn", "RX3", "--route", "oral", "--dose-mg", "5", "--freq",
                   "TDS"),
    Action.TAPER: ("taper", "apply", "--mrn", "RX1", "--start", "2026-12-01", "--prescriber",
                   "Dr Khan"),
    Action.ADMIN: ("user", "add", "new.nurse", "--role", "nurse", "--password-stdin"),
}

#: More commands, each refused to every role that may not (checked before anything else).
MORE: list[tuple[Action, tuple[str, ...]]] = [
    (Action.RECORD_DOSE, ("dose", "give", "--mrn", "RX1", "--due", "08:00")),
    (Action.RECORD_DOSE, ("dose", "correct", "--id", "1", "--reason", "wrong patient")),
    (Action.RECORD_DOSE, ("dose", "bolus", "--mrn", "RX2", "--mcg", "50", "--witness", WITNESS)),
    (Action.RECORD_OBS, ("obs", "correct", "--id", "1", "--reason", "wrong patient")),
    (Action.EDIT_PATIENT, ("patient", "set", "--mrn", "RX1", "--flag", "npo")),
    (Action.ORDER, ("order", "stop", "--mrn", "RX1", "--reason", "serious_adverse_reaction",
                    "--prescriber", "Dr Khan")),
    (Action.TAPER, ("taper", "plan", "--mrn", "RX1")),
    (Action.ADMIN, ("backup", "--to", "{out}/backups")),
    (Action.ADMIN, ("demo",)),
]


def _fill(ward, args: tuple[str, ...]) -> list[str]:
    alert = _alert_id(ward) if "{alert}" in args else ""
    return [a.format(alert=alert, out=ward.out) for a in args]


def _written_files(ward) -> list[Path]:
    return sorted(ward.out.rglob("*")) if ward.out.exists() else []


@pytest.mark.parametrize("action", list(COMMANDS), ids=lambda a: a.name)
@pytest.mark.parametrize("role", list(USERS))
def test_each_role_may_run_what_the_table_allows_and_is_refused_the_rest(ward, role, action):
    args = _fill(ward, COMMANDS[action])
    ward.out.mkdir()
    before = database_state(ward.path)
    r = ward(USERS[role], *args)
    if action in EXPECTED[role]:
        assert r.code == 0, r.err
        assert database_state(ward.path) != before
        return
    assert r.code == 1, (r.code, r.err)
    assert r.err.strip() == f"ward-app: {WHO[role]} cannot {action.value}: {ASK[action]}."
    assert len(r.err.splitlines()) == 1 and "Traceback" not in r.err
    assert r.out == ""
    assert database_state(ward.path) == before
    assert _written_files(ward) == []  # no handover sheet, no backup


@pytest.mark.parametrize("action, args", MORE, ids=[" ".join(a[:2]) for _x, a in MORE])
def test_more_commands_are_refused_to_the_roles_that_may_not(ward, action, args):
    ward.out.mkdir()
    before = database_state(ward.path)
    for role in (r for r, actions in EXPECTED.items() if action not in actions and r in USERS):
        r = ward(USERS[role], *_fill(ward, args))
        assert r.code == 1, (role, r.code, r.err)
        assert len(r.err.splitlines()) == 1 and ASK[action] in r.err and r.out == ""
    assert database_state(ward.path) == before
    assert _written_files(ward) == []


def test_a_nurse_is_told_to_ask_a_pharmacist(ward):
    before = database_state(ward.path)
    r = ward(USERS["nurse"], *COMMANDS[Action.ORDER])
    assert r.code == 1
    assert r.err == "ward-app: A nurse cannot prescribe, change or stop orders: ask a pharmacist.\n"
    assert database_state(ward.path) == before


def test_without_user_no_one_acts_and_nothing_is_written(ward):
    """There is no default user (no longer the first admin): the command says to name who acts."""
    before = database_state(ward.path)
    for args in (COMMANDS[Action.RECORD_DOSE], COMMANDS[Action.ADMIN], ("patient", "list")):
        r = ward(None, *args)
        assert r.code == 1 and r.err.startswith("ward-app: Name who is acting: give --user NAME")
        assert len(r.err.splitlines()) == 1 and r.out == ""
    assert database_state(ward.path) == before
    r = ward(USERS["admin"], *COMMANDS[Action.RECORD_DOSE])
    assert r.code == 1 and r.err.startswith("ward-app: An administrator cannot record doses")


def test_the_acting_user_can_come_from_the_environment(ward, monkeypatch):
    monkeypatch.setenv("WARD_APP_USER", USERS["pharmacist"])
    before = database_state(ward.path)
    r = ward(None, *COMMANDS[Action.RECORD_OBS])
    assert r.code == 1 and r.err.startswith("ward-app: A pharmacist cannot record observations")
    assert database_state(ward.path) == before
    assert ward(None, *COMMANDS[Action.ORDER]).code == 0


READ_ONLY = [
    ("patient", "list"),
    ("patient", "list", "--json"),
    ("mar", "--mrn", "RX1"),
    ("mar", "--mrn", "RX1", "--json"),
    ("alerts",),
    ("alerts", "--json"),
    ("alerts", "--mrn", "RX2", "--json"),
    ("check",),
    ("obs", "list", "--mrn", "RX1"),
    ("pump", "show", "--mrn", "RX2"),
    ("settings", "list"),
]


def _state_and_reads(path: Path) -> tuple[str, list[tuple[str, str]]]:
    """Every row of every table but the audit trail, as a digest; and the audit's read rows (each
    read of patient data writes one: issue 14)."""
    import hashlib
    import sqlite3

    conn = sqlite3.connect(str(path))
    try:
        # the audit of the reads also has its sync entries and moved the sync clock
        tables = [t for (t,) in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT IN "
            "('audit', 'sqlite_sequence', 'sync_workstation') ORDER BY name")]
        dump = "\n".join(repr(conn.execute(
            f"SELECT * FROM {t} {'WHERE tbl != ' + repr('audit') if t == 'sync_rows' else ''} "
            "ORDER BY rowid").fetchall()) for t in tables)
        reads = conn.execute("SELECT u.name, a.action FROM audit a JOIN users u ON u.id = a.user_id "
                             "WHERE a.action LIKE 'read.%' ORDER BY a.id").fetchall()
        others = conn.execute("SELECT count(*) FROM audit WHERE action NOT LIKE 'read.%'").fetchone()
    finally:
        conn.close()
    return hashlib.sha256(f"{dump}\n{others}".encode()).hexdigest(), reads


@pytest.mark.parametrize("role", list(USERS))
def test_read_only_commands_are_open_to_every_role(ward, role):
    before, reads_before = _state_and_reads(ward.path)
    for args in READ_ONLY:
        r = ward(USERS[role], *args)
        assert r.code == 0, (args, r.err)
        assert r.out
    after, reads = _state_and_reads(ward.path)
    assert after == before  # nothing but the audit of the reads
    assert reads[len(reads_before):] == [(USERS[role], f"read.{w}") for w in (
        "patients", "patients", "mar", "mar", "alerts", "alerts", "alerts", "observations", "pump")]
    listed = json.loads(ward(USERS[role], "patient", "list", "--json").out)
    assert [p["mrn"] for p in listed] == ["RX1", "RX2", "RX3"]
    entries = json.loads(ward(USERS[role], "mar", "--mrn", "RX1", "--json").out)
    assert [e["state"] for e in entries][:1] == ["missed"]
    alerts = json.loads(ward(USERS[role], "alerts", "--json").out)
    assert any(a["rule"] == "toxicity.sedation" for a in alerts)


@pytest.mark.parametrize("command", [
    ("dose", "bolus", "--mrn", "RX2", "--mcg", "50"),
    ("pump", "refill", "--mrn", "RX2", "--volume-ml", "20", "--conc-mcg-ml", "2000", "--daily-mcg",
     "400"),
], ids=["bolus", "refill"])
def test_an_administrator_cannot_witness(ward, command):
    before = database_state(ward.path)
    r = ward(USERS["nurse"], *command, "--witness", "admin")
    assert r.code == 1 and len(r.err.splitlines()) == 1
    assert "admin cannot witness" in r.err and "nurse, charge nurse or pharmacist" in r.err
    assert database_state(ward.path) == before
    r = ward(USERS["nurse"], *command, "--witness", USERS["pharmacist"])
    assert r.code == 0, r.err


@pytest.mark.parametrize("witness_role", ["nurse", "charge_nurse", "pharmacist"])
def test_nurses_charge_nurses_and_pharmacists_may_witness(ward, witness_role):
    witness = {"nurse": WITNESS}.get(witness_role, USERS[witness_role])
    recorder = USERS["charge_nurse"] if witness_role == "nurse" else USERS["nurse"]
    r = ward(recorder, "dose", "bolus", "--mrn", "RX2", "--mcg", "50", "--witness", witness)
    assert r.code == 0, r.err


def test_the_witness_must_differ_from_the_recorder(ward):
    before = database_state(ward.path)
    r = ward(USERS["nurse"], "dose", "bolus", "--mrn", "RX2", "--mcg", "50", "--witness",
             USERS["nurse"])
    assert r.code == 2 and "different user" in r.err and len(r.err.splitlines()) == 1
    r = ward(USERS["pharmacist"], "order", "add", "--mrn", "RX3", "--route", "intrathecal",
             "--daily-mcg", "300", "--witness", USERS["pharmacist"])
    assert r.code == 2 and "different user" in r.err
    r = ward(USERS["pharmacist"], "order", "add", "--mrn", "RX3", "--route", "intrathecal",
             "--daily-mcg", "300", "--witness", "admin")
    assert r.code == 1 and "admin cannot witness" in r.err
    assert database_state(ward.path) == before
