"""pump set|refill|alarm|show through the command line: the example, refusals, escalation."""

from __future__ import annotations

import json

import pytest

from tests.conftest import database_state

CHARGE, PHARMACIST = "charge.silva", "pharm.chen"  # pump details; orders


@pytest.fixture
def ward(tmp_path, run_cli):
    """Acts as nurse.okafor (refills, alarms) unless told otherwise."""
    db = str(tmp_path / "w.db")

    def cli(*args, now="2026-11-25T10:00", user="nurse.okafor"):
        return run_cli("--db", db, "--now", now, "--user", user, *args)

    assert run_cli("--db", db, "init",
                   "--admin-password-stdin", "--ward", "Ward 7", "--tz", "Europe/London").code == 0
    for name, role in (("nurse.okafor", "nurse"), ("nurse.jones", "nurse"), (CHARGE, "charge_nurse"),
                       (PHARMACIST, "pharmacist")):
        assert cli("user", "add", name, "--role", role, "--password-stdin", user="admin").code == 0
    assert cli("patient", "add", "--mrn", "RX2", "--name", "Pump Patient", "--dob", "1980-01-01",
               "--bed", "2", user=CHARGE).code == 0
    assert cli("order", "add", "--mrn", "RX2", "--route", "intrathecal", "--daily-mcg", "400",
               "--witness", "nurse.jones", user=PHARMACIST).code == 0
    cli.db = db
    return cli


REFILL = ("pump", "refill", "--mrn", "RX2", "--volume-ml", "20", "--conc-mcg-ml", "2000",
          "--daily-mcg", "400", "--alarm-ml", "2")


def test_the_example_through_the_command_line(ward):
    r = ward("pump", "set", "--mrn", "RX2", "--model", "SynchroMed II 20 mL", "--reservoir-ml", "20",
             "--eri-date", "2029-05-01", user=CHARGE)
    assert r.code == 0 and "end of service 2029-07-30" in r.out
    r = ward(*REFILL, "--witness", "nurse.jones", "--json")
    assert r.code == 0, r.err
    out = json.loads(r.out)
    assert out["days_to_alarm"] == 90 and out["days_to_empty"] == 100
    assert out["alarm_date"].startswith("2027-02-23") and out["empty_date"].startswith("2027-03-05")
    assert out["refill_by"] == "2027-02-16"  # 83 days after the refill
    text = ward("pump", "show", "--mrn", "RX2").out
    assert "90.0 days to the low-reservoir alarm" in text and "refill by Tue 16 Feb 2027" in text
    listed = json.loads(ward("patient", "list", "--json").out)
    assert listed[0]["pump"] == {"refill_by": "2027-02-16", "alert": None}
    due = json.loads(ward("alerts", "--json", now="2027-02-21T12:00").out)
    assert [(a["rule"], a["severity"]) for a in due] == [("pump.refill_due", "urgent")]
    assert due[0]["values"]["refill_by"] == "2027-02-16"
    listed = json.loads(ward("patient", "list", "--json", now="2027-02-10T12:00").out)
    assert listed[0]["pump"]["alert"] == "warning"


@pytest.mark.parametrize("witness, message", [
    ((), "Missing option '--witness'"),
    (("--witness", "nurse.okafor"), "different user"),
])
def test_refill_without_a_proper_witness_is_refused(ward, witness, message):
    ward("pump", "set", "--mrn", "RX2", "--reservoir-ml", "20", user=CHARGE)
    before = database_state(ward.db)
    r = ward(*REFILL, *witness)
    assert r.code == 2 and message in r.err and r.err.count("\n") == 1
    assert database_state(ward.db) == before


def test_alarm_and_bad_input(ward):
    assert ward("pump", "alarm", "--mrn", "RX2", "--kind", "eri").code == 2  # no pump yet
    ward("pump", "set", "--mrn", "RX2", "--reservoir-ml", "20", user=CHARGE)
    r = ward("pump", "alarm", "--mrn", "RX2", "--kind", "critical", "--note", "two-tone")
    assert r.code == 0 and "EMERGENCY" in r.out
    found = json.loads(ward("alerts", "--json").out)
    assert found[0]["rule"] == "pump.alarm" and found[0]["severity"] == "emergency"
    assert ward("pump", "alarm", "--mrn", "RX2", "--kind", "loud").code == 2
    assert ward("pump", "set", "--mrn", "RX2", "--eri-date", "soon", user=CHARGE).code == 2
    r = ward(*REFILL, "--witness", "nurse.jones", "--daily-mcg", "450")
    assert r.code == 1 and "--change-order" in r.err


def test_help_has_examples(run_cli):
    for sub in ("set", "refill", "alarm", "show"):
        r = run_cli("pump", sub, "--help")
        assert r.code == 0 and "Example: ward-app pump" in r.out
