"""`ward-app patient transfer` and `patient discharge` (the CLI contract, "More commands"): a charge
nurse's commands, audited; a refused command exits 1 (a rule, a role, a password) or 2 (a field)
with one line on stderr and writes nothing; `patient list` leaves discharged patients out unless
`--all`."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.conftest import database_state
from tests.services.test_roles import USERS, build_ward

NOW = "2026-11-25T10:00"
CHARGE, NURSE = USERS["charge_nurse"], USERS["nurse"]


@pytest.fixture(scope="module")
def _template(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("admissions-cli") / "ward.db"
    build_ward(path)
    return path


@pytest.fixture
def ward(tmp_path, _template, run_cli):
    """``ward(*args, user=CHARGE, now=NOW)`` runs ``ward-app --db ... --now NOW --user USER ARGS``
    on Ward 7 (RX1 oral with a sedation alert in bed 1, RX2 intrathecal in bed 2, RX3 in bed 3)."""
    path = tmp_path / "ward.db"
    shutil.copyfile(_template, path)

    def cli(*args, user=CHARGE, now=NOW, stdin=None):
        return run_cli("--db", str(path), "--now", now, "--user", user, *args, stdin=stdin)

    cli.path = path
    return cli


def _one_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


def test_transfer_moves_the_patient_and_is_audited(ward):
    r = ward("patient", "transfer", "--mrn", "rx3", "--bed", "SR 2")
    assert r.code == 0, r.err
    assert r.out == "Moved New Patient (MRN RX3) from bed 3 to bed SR 2.\n"
    listed = json.loads(ward("patient", "list", "--json").out)
    assert {p["mrn"]: p["bed"] for p in listed}["RX3"] == "SR 2"


@pytest.mark.parametrize("args, code, message", [
    (("--bed", "1"), 2, "ward-app: --bed: Bed 1 is taken by MRN RX1: choose a free bed."),
    (("--bed", "3"), 2, "ward-app: --bed: New Patient is already in bed 3: choose another bed."),
    (("--bed", "#1"), 2, "ward-app: --bed: Bed '#1' is not valid"),
])
def test_a_refused_transfer_says_why_in_one_line_and_writes_nothing(ward, args, code, message):
    before = database_state(ward.path)
    r = ward("patient", "transfer", "--mrn", "RX3", *args)
    assert r.code == code and _one_line(r.err).startswith(message) and r.out == ""
    assert database_state(ward.path) == before


@pytest.mark.parametrize("command", [("transfer", "--bed", "9"), ("discharge", "--to", "home")])
def test_a_nurse_may_not_transfer_or_discharge(ward, command):
    before = database_state(ward.path)
    r = ward("patient", command[0], "--mrn", "RX3", *command[1:], user=NURSE)
    assert r.code == 1
    assert _one_line(r.err) == ("ward-app: A nurse cannot admit, move or discharge patients and "
                                "edit their flags: ask a charge nurse.")
    assert database_state(ward.path) == before


def test_a_wrong_password_writes_nothing_but_the_failed_log_in(ward):
    before = database_state(ward.path, but_logins=True)
    r = ward("patient", "discharge", "--mrn", "RX3", stdin="not-the-password\n")
    assert r.code == 1 and r.out == ""
    _one_line(r.err)
    assert database_state(ward.path, but_logins=True) == before


def test_discharge_says_where_and_what_was_still_open_and_the_patient_leaves_the_list(ward):
    r = ward("patient", "discharge", "--mrn", "RX1", "--to", "home")
    assert r.code == 0, r.err
    lines = r.out.splitlines()
    assert lines[0] == ("Discharged 25 Nov 2026 10:00 to home (by charge.test): Oral Patient "
                        "(MRN RX1), bed 1 is free.")
    assert any(line.startswith("Note: ") and "active alert" in line for line in lines[1:])
    listed = json.loads(ward("patient", "list", "--json").out)
    assert [p["mrn"] for p in listed] == ["RX2", "RX3"]
    everyone = json.loads(ward("patient", "list", "--all", "--json").out)
    assert [p["mrn"] for p in everyone] == ["RX2", "RX3", "RX1"]
    assert everyone[0]["discharged"] is None
    assert everyone[2]["discharged"] == {"at": "2026-11-25T10:00:00+00:00", "to": "home",
                                         "by": "charge.test"}
    text = ward("patient", "list", "--all").out
    assert "Discharged, most recent first:" in text and "Oral Patient (MRN RX1), was in bed 1" in text
    alerts = json.loads(ward("alerts", "--json").out)
    assert "RX1" not in {a["mrn"] for a in alerts}
    # the bed is free for the next patient
    assert ward("patient", "transfer", "--mrn", "RX3", "--bed", "1").code == 0


def test_a_discharged_patients_record_is_read_only_but_can_be_read(ward):
    assert ward("patient", "discharge", "--mrn", "RX1", now="2026-11-25T13:00").code == 0
    before = database_state(ward.path)
    for args, user in [(("patient", "discharge", "--mrn", "RX1"), CHARGE),
                       (("patient", "transfer", "--mrn", "RX1", "--bed", "9"), CHARGE),
                       (("dose", "omit", "--mrn", "RX1", "--due", "08:00", "--reason", "asleep"),
                        NURSE),
                       (("obs", "add", "--mrn", "RX1", "--rr", "16"), NURSE)]:
        r = ward(*args, user=user, now="2026-11-25T14:00")
        assert r.code == 1, (args, r.err)
        assert _one_line(r.err) == ("ward-app: Oral Patient (MRN RX1) was discharged on 25 Nov "
                                    "2026 at 13:00: their record is read-only.")
        assert r.out == ""
    assert database_state(ward.path) == before
    r = ward("mar", "--mrn", "RX1", "--json", user=NURSE, now="2026-11-25T23:00")
    assert r.code == 0, r.err
    states = {e["due"][11:16]: e["state"] for e in json.loads(r.out)}
    assert states == {"08:00": "missed"}  # nothing after the 13:00 discharge


@pytest.mark.parametrize("command", ["transfer", "discharge"])
def test_help_says_what_with_an_example(run_cli, command):
    r = run_cli("patient", command, "--help")
    assert r.code == 0 and "Example: ward-app patient " + command in r.out
