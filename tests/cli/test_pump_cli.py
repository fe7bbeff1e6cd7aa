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
    assert [(a["rule"], a["severity"]) for a in due] == [("pump.refill_overdue", "urgent")]
    assert due[0]["values"]["overdue_since"] == "2027-02-17"
    assert due[0]["values"]["refill_by"] == "2027-02-16"
    listed = json.loads(ward("patient", "list", "--json", now="2027-02-10T12:00").out)
    assert listed[0]["pump"]["alert"] == "warning"
    listed = json.loads(ward("patient", "list", "--json", now="2027-02-21T12:00").out)
    assert listed[0]["pump"]["alert"] == "urgent"


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
    for sub in ("set", "refill", "alarm", "show", "resolve", "event"):
        r = run_cli("pump", sub, "--help")
        assert r.code == 0 and "Example: ward-app pump" in r.out


def test_pump_set_leaves_a_critical_alarm_and_pump_resolve_needs_the_itb_team(ward):
    """Issue 18: a pump-details edit cleared a critical alarm; now only pump resolve does."""
    ward("pump", "set", "--mrn", "RX2", "--reservoir-ml", "20", user=CHARGE)
    assert ward(*REFILL, "--witness", "nurse.jones").code == 0
    assert ward("pump", "alarm", "--mrn", "RX2", "--kind", "critical", now="2026-11-26T10:00").code == 0
    assert ward("pump", "set", "--mrn", "RX2", "--model", "SynchroMed II", user=CHARGE,
                now="2026-11-26T10:05").code == 0
    found = json.loads(ward("alerts", "--json", now="2026-11-26T10:06").out)
    assert [(a["rule"], a["severity"]) for a in found if a["rule"] == "pump.alarm"] == [
        ("pump.alarm", "emergency")]
    shown = json.loads(ward("pump", "show", "--mrn", "RX2", "--json", now="2026-11-26T10:06").out)
    (alarm,) = shown["active_alarms"]
    before = database_state(ward.db)
    r = ward("pump", "resolve", "--mrn", "RX2", "--alarm", str(alarm["id"]), "--action",
             "restarted", now="2026-11-26T10:30")
    assert r.code == 2 and "--itb-team" in r.err and database_state(ward.db) == before
    r = ward("pump", "resolve", "--mrn", "RX2", "--alarm", "999", "--action", "x", "--itb-team",
             "Dr Rao", now="2026-11-26T10:30")
    assert r.code == 2 and "--alarm" in r.err
    r = ward("pump", "resolve", "--mrn", "RX2", "--alarm", str(alarm["id"]), "--action",
             "pump interrogated, motor restarted", "--itb-team", "Dr Rao", now="2026-11-26T10:30")
    assert r.code == 0, r.err
    assert "resolved" in r.out and "Dr Rao" in r.out
    found = json.loads(ward("alerts", "--json", now="2026-11-26T10:31").out)
    assert not [a for a in found if a["rule"] == "pump.alarm"]
    shown = json.loads(ward("pump", "show", "--mrn", "RX2", "--json", now="2026-11-26T10:31").out)
    (line,) = shown["alarm_history"]
    assert "Dr Rao" in line["resolution"] and line["resolved_at"].startswith("2026-11-26T10:30")


def test_refill_with_the_withdrawn_volume_reconciles(ward):
    ward("pump", "set", "--mrn", "RX2", "--reservoir-ml", "20", user=CHARGE)
    assert ward(*REFILL, "--witness", "nurse.jones").code == 0
    # 60 days at 400 mcg/day of 2000 mcg/mL: 12 mL delivered, 8 mL expected; limit 1.74 mL
    r = ward(*REFILL, "--witness", "nurse.jones", "--withdrawn-ml", "5", "--json",
             now="2027-01-24T10:00")
    assert r.code == 0, r.err
    out = json.loads(r.out)
    assert out["withdrawn_ml"] == 5 and out["reconciliation"] == {
        "expected_ml": 8.0, "delivered_ml": 12.0, "difference_ml": -3.0, "limit_ml": 1.74,
        "discrepant": True}
    found = json.loads(ward("alerts", "--json", now="2027-01-24T10:05").out)
    (alert,) = [a for a in found if a["rule"] == "pump.volume_discrepancy"]
    assert alert["severity"] == "urgent" and "over-infusing" in alert["message"]
    r = ward("pump", "event", "--mrn", "RX2", "--kind", "interrogation", "--note", "ITB checked",
             now="2027-01-24T12:00")
    assert r.code == 0
    found = json.loads(ward("alerts", "--json", now="2027-01-24T12:05").out)
    assert not [a for a in found if a["rule"] == "pump.volume_discrepancy"]
    r = ward(*REFILL, "--witness", "nurse.jones", "--withdrawn-ml", "25", now="2027-01-24T13:00")
    assert r.code == 2 and "--withdrawn-ml" in r.err


def test_refill_text_names_the_reconciliation_and_the_post_refill_watch(ward):
    ward("pump", "set", "--mrn", "RX2", "--reservoir-ml", "20", user=CHARGE)
    assert ward(*REFILL, "--witness", "nurse.jones").code == 0
    r = ward(*REFILL, "--witness", "nurse.jones", "--withdrawn-ml", "8.5", now="2027-01-24T10:00")
    assert r.code == 0 and "Within the limit" in r.out and "Post-refill watch" in r.out


def test_pump_event_mri_raises_a_check_until_an_interrogation(ward):
    ward("pump", "set", "--mrn", "RX2", "--reservoir-ml", "20", user=CHARGE)
    assert ward(*REFILL, "--witness", "nurse.jones").code == 0
    r = ward("pump", "event", "--mrn", "RX2", "--kind", "mri", "--note", "1.5 T",
             now="2026-11-27T09:00")
    assert r.code == 0 and "interrogated" in r.out
    found = json.loads(ward("alerts", "--json", now="2026-11-27T09:30").out)
    assert [(a["rule"], a["severity"]) for a in found if a["rule"] == "pump.check_due"] == [
        ("pump.check_due", "urgent")]
    assert ward("pump", "event", "--mrn", "RX2", "--kind", "xray").code == 2
    assert ward("pump", "event", "--mrn", "RX2", "--kind", "interrogation",
                now="2026-11-27T10:00").code == 0
    found = json.loads(ward("alerts", "--json", now="2026-11-27T10:01").out)
    assert not [a for a in found if a["rule"] == "pump.check_due"]
    text = ward("pump", "show", "--mrn", "RX2", now="2026-11-27T10:01").out
    assert "MRI scan" in text and "Pump interrogation" in text
