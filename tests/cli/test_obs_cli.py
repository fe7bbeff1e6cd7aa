"""obs add|list|correct and alerts ack through the command line: messages, exit codes, JSON."""

from __future__ import annotations

import json

import pytest

from tests.cli.test_mar_cli import ALERT_KEYS
from tests.conftest import database_state


@pytest.fixture
def ward(tmp_path, run_cli):
    """Acts as nurse.okafor unless told otherwise."""
    db = str(tmp_path / "w.db")

    def cli(*args, now="2026-11-25T09:00", user="nurse.okafor", stdin=None):
        who = ("--user", user) if user else ()
        return run_cli("--db", db, "--now", now, *who, *args, stdin=stdin)

    assert cli("init",
               "--admin-password-stdin", "--ward", "Ward 7", "--tz", "Europe/London", user=None).code == 0
    for name, role in (("nurse.okafor", "nurse"), ("nurse.jones", "nurse"),
                       ("charge.silva", "charge_nurse"), ("pharm.chen", "pharmacist")):
        assert cli("user", "add", name, "--role", role, "--password-stdin", user="admin").code == 0
    assert cli("patient", "add", "--mrn", "RX1", "--name", "Oral Patient", "--dob", "1970-01-01",
               "--bed", "1", user="charge.silva").code == 0
    assert cli("patient", "add", "--mrn", "RX2", "--name", "Pump Patient", "--dob", "1980-01-01",
               "--bed", "2", user="charge.silva").code == 0
    assert cli("order", "add", "--mrn", "RX1", "--route", "oral", "--dose-mg", "10", "--freq",
               "TDS", user="pharm.chen").code == 0
    r = cli("order", "add", "--mrn", "RX2", "--route", "intrathecal", "--daily-mcg", "300",
            "--witness", "nurse.jones", user="pharm.chen")
    assert r.code == 0, r.err
    cli.db = db
    return cli


SEVEN = ("--rr", "25", "--spo2", "95", "--sbp", "100", "--hr", "95", "--acvpu", "A", "--temp", "37")


def test_vitals_scoring_7_print_news2_and_raise_the_emergency(ward):
    r = ward("obs", "add", "--mrn", "RX1", *SEVEN, user="nurse.okafor")
    assert r.code == 0, r.err
    assert "NEWS2 7" in r.out and "EMERGENCY news2.emergency" in r.out
    found = json.loads(ward("alerts", "--json").out)
    emergency = [a for a in found if a["rule"] == "news2.emergency"]
    assert len(emergency) == 1 and set(emergency[0]) >= ALERT_KEYS
    assert emergency[0]["severity"] == "emergency" and emergency[0]["values"]["news2"] == 7
    assert found[0]["rule"] == "news2.emergency"  # most severe first


def test_obs_add_json_and_list(ward):
    r = ward("obs", "add", "--mrn", "RX2", "--rr", "16", "--spo2", "97", "--o2", "--sbp", "120",
             "--hr", "70", "--acvpu", "A", "--temp", "36.9", "--poss", "1", "--mas", "1+",
             "--no-signs", "--json", user="nurse.okafor")
    stored = json.loads(r.out)
    assert stored["news2"] == 2 and stored["news2_complete"] and stored["scores"]["oxygen"] == 2
    rows = json.loads(ward("obs", "list", "--mrn", "RX2", "--json").out)
    assert [(x["id"], x["on_oxygen"], x["mas"], x["signs_checked"], x["by"]) for x in rows] == [
        (stored["id"], True, "1+", True, "nurse.okafor")]
    text = ward("obs", "list", "--mrn", "RX2").out
    assert "NEWS2 2" in text and "MAS=1+" in text


def test_late_withdrawal_sign_on_intrathecal_is_an_emergency(ward):
    r = ward("obs", "add", "--mrn", "RX2", "--sign", "hallucinations", user="nurse.okafor")
    assert r.code == 0 and "EMERGENCY withdrawal.late" in r.out
    late = [a for a in json.loads(ward("alerts", "--mrn", "RX2", "--json").out)
            if a["rule"] == "withdrawal.late"]
    assert late[0]["severity"] == "emergency" and late[0]["values"]["signs"] == ["hallucinations"]


def test_egfr_25_raises_renal_avoid(ward):
    assert ward("lab", "add", "--mrn", "RX1", "--egfr", "25").code == 0
    renal = [a for a in json.loads(ward("alerts", "--json").out) if a["rule"] == "renal.avoid"]
    assert renal and renal[0]["severity"] == "urgent" and renal[0]["values"]["egfr"] == 25


@pytest.mark.parametrize("args, message", [
    (("--rr", "0.5"), "--rr: Respiration rate 0.5 must be a whole number"),
    (("--spo2", "101"), "--spo2: SpO2 101 is out of range: allowed 50 to 100 %"),
    (("--temp", "368"), "--temp: Temperature 368 is out of range: allowed 30 to 44 °C"),
    (("--hr", "abc"), "'abc' is not a valid float"),
    (("--poss", "5"), "--poss: '5' is not allowed: use one of S, 1, 2, 3, 4"),
    (("--sign", "itchy"), "--sign: 'itchy' is not allowed"),
    (("--sign", "fever", "--no-signs"), "contradict"),
    ((), "Nothing to record"),
])
def test_bad_values_exit_2_with_one_line_and_write_nothing(ward, args, message):
    before = database_state(ward.db)
    r = ward("obs", "add", "--mrn", "RX1", *args, user="nurse.okafor")
    assert r.code == 2 and message in r.err and r.err.count("\n") == 1, r.err
    assert database_state(ward.db) == before


def test_ack_with_a_note_then_worse_is_raised_again(ward):
    ward("obs", "add", "--mrn", "RX1", "--poss", "3", user="nurse.okafor")
    sedation = next(a for a in json.loads(ward("alerts", "--json").out)
                    if a["rule"] == "toxicity.sedation")
    assert sedation["severity"] == "urgent" and sedation["acknowledged"] is False
    r = ward("alerts", "ack", "--id", str(sedation["id"]), "--note", "Prescriber told",
             user="nurse.okafor")
    assert r.code == 0 and "raised again if it gets worse" in r.out
    seen = next(a for a in json.loads(ward("alerts", "--json").out) if a["id"] == sedation["id"])
    assert (seen["acknowledged"], seen["acknowledged_by"], seen["ack_note"]) == (
        True, "nurse.okafor", "Prescriber told")
    assert "Acknowledged by nurse.okafor at 25 Nov 09:00: Prescriber told" in ward("alerts").out
    ward("lab", "add", "--mrn", "RX1", "--egfr", "22", user="nurse.okafor")
    worse = next(a for a in json.loads(ward("alerts", "--json").out) if a["id"] == sedation["id"])
    assert worse["severity"] == "emergency" and worse["acknowledged"] is False
    before = database_state(ward.db)
    r = ward("alerts", "ack", "--id", "99", user="nurse.okafor")
    assert r.code == 2 and "no active alert 99" in r.err
    assert database_state(ward.db) == before


def test_obs_correct(ward):
    added = json.loads(ward("obs", "add", "--mrn", "RX1", *SEVEN, "--json", user="nurse.okafor").out)
    r = ward("obs", "correct", "--id", str(added["id"]), "--reason", "wrong patient",
             user="nurse.okafor")
    assert r.code == 0 and "entered in error" in r.out
    assert not [a for a in json.loads(ward("alerts", "--json").out) if a["rule"].startswith("news2")]
    listed = ward("obs", "list", "--mrn", "RX1").out
    assert "ENTERED IN ERROR: wrong patient" in listed
    assert ward("obs", "correct", "--id", "999", "--reason", "x y z").code == 2


def test_every_new_command_has_help_with_an_example(run_cli):
    for args in (("obs", "add"), ("obs", "list"), ("obs", "correct"), ("alerts", "ack")):
        r = run_cli(*args, "--help")
        assert r.code == 0 and "Example: ward-app" in r.out
