"""order, mar, dose and alerts through the command line: the issue's example, JSON shapes, errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import database_state

MAR_KEYS = {"id", "due", "dose_mg", "state", "recorded_at", "by", "reason"}
ALERT_KEYS = {"id", "mrn", "bed", "rule", "severity", "message", "since", "values", "source"}


NURSE, OTHER_NURSE, CHARGE, PHARMACIST = "nurse.okafor", "nurse.jones", "charge.silva", "pharm.chen"


@pytest.fixture
def ward(tmp_path, run_cli):
    """Acts as the nurse unless told otherwise; orders are written by the pharmacist."""
    db = str(tmp_path / "w.db")

    def cli(*args, now="2026-11-25T07:00", stdin=None, user=NURSE):
        return run_cli("--db", db, "--now", now, "--user", user, *args, stdin=stdin)

    assert run_cli("--db", db, "--now", "2026-11-25T07:00", "init",
                   "--admin-password-stdin", "--ward", "Ward 7", "--tz",
                   "Europe/London").code == 0
    for name, role in ((NURSE, "nurse"), (OTHER_NURSE, "nurse"), (CHARGE, "charge_nurse"),
                       (PHARMACIST, "pharmacist")):
        assert cli("user", "add", name, "--role", role, "--password-stdin", user="admin").code == 0
    assert cli("patient", "add", "--mrn", "RX1", "--name", "Test Patient", "--dob", "1970-01-01",
               "--bed", "1", user=CHARGE).code == 0
    assert cli("patient", "add", "--mrn", "RX2", "--name", "Pump Patient", "--dob", "1980-01-01",
               "--bed", "2", user=CHARGE).code == 0
    cli.db = db
    return cli


def test_the_issue_example_through_the_command_line(ward):
    r = ward("order", "add", "--mrn", "RX1", "--route", "oral", "--dose-mg", "10", "--freq", "TDS",
             user=PHARMACIST)
    assert r.code == 0 and "oral 10 mg TDS (30 mg/day)" in r.out
    assert json.loads(ward("alerts", "--json", now="2026-11-25T08:20").out) == []
    late = json.loads(ward("alerts", "--json", now="2026-11-25T08:45").out)
    assert [(a["rule"], a["severity"]) for a in late] == [("dose.late", "warning")]
    missed = json.loads(ward("alerts", "--json", now="2026-11-25T10:05").out)
    assert [(a["rule"], a["severity"]) for a in missed] == [("dose.missed", "urgent")]
    alert = missed[0]
    assert set(alert) >= ALERT_KEYS
    assert (alert["mrn"], alert["bed"], alert["since"]) == ("RX1", "1", "2026-11-25T10:00:00+00:00")
    assert alert["values"]["due"] == "2026-11-25T08:00+00:00"
    r = ward("dose", "give", "--mrn", "RX1", "--due", "08:00", now="2026-11-25T10:10")
    assert r.code == 1 and "dose.catch_up" not in r.err and "never two doses" in r.err
    r = ward("dose", "give", "--mrn", "RX1", "--due", "08:00", now="2026-11-25T09:55")
    assert r.code == 0 and "given_late" in r.out
    assert json.loads(ward("alerts", "--json", now="2026-11-25T10:10").out) == []
    entries = json.loads(ward("mar", "--mrn", "RX1", "--json", now="2026-11-25T10:10").out)
    assert all(set(e) >= MAR_KEYS for e in entries)
    assert [(e["due"], e["state"]) for e in entries] == [
        ("2026-11-25T08:00:00+00:00", "given_late"), ("2026-11-25T14:00:00+00:00", "due"),
        ("2026-11-25T22:00:00+00:00", "due")]
    assert entries[0]["by"] == NURSE and entries[0]["recorded_at"] == "2026-11-25T09:55:00+00:00"


def test_omit_correct_and_text_mar(ward):
    ward("order", "add", "--mrn", "RX1", "--route", "oral", "--dose-mg", "5", "--freq", "BD",
         user=PHARMACIST)
    r = ward("dose", "omit", "--mrn", "RX1", "--due", "08:00", "--reason", "vomiting",
             now="2026-11-25T08:10")
    assert r.code == 0 and "omitted (vomiting" in r.out
    r = ward("dose", "correct", "--id", "1", "--reason", "was given after all",
             now="2026-11-25T08:20")
    assert r.code == 0 and "marked entered in error" in r.out
    assert ward("dose", "give", "--mrn", "RX1", "--due", "08:00", now="2026-11-25T08:21").code == 0
    entries = json.loads(ward("mar", "--mrn", "RX1", "--json", now="2026-11-25T09:00").out)
    assert [(e["state"], e["id"]) for e in entries[:2]] == [("entered_in_error", 1), ("given", 3)]
    assert "was given after all" in entries[0]["correction_reason"]
    text = ward("mar", "--mrn", "RX1", now="2026-11-25T09:00").out
    assert "ENTERED IN ERROR" in text and "GIVEN" in text and "Test Patient" in text


def test_stop_is_refused_with_exit_1_and_points_to_the_taper(ward):
    ward("order", "add", "--mrn", "RX1", "--route", "oral", "--dose-mg", "5", "--freq", "TDS",
         user=PHARMACIST)
    before = database_state(Path(ward.db))
    r = ward("order", "stop", "--mrn", "RX1", "--reason", "not_needed", user=PHARMACIST)
    assert r.code == 1 and "taper plan --mrn RX1" in r.err and len(r.err.splitlines()) == 1
    assert database_state(Path(ward.db)) == before
    r = ward("order", "stop", "--mrn", "RX1", "--reason", "serious_adverse_reaction",
             "--prescriber", "Dr Khan", user=PHARMACIST)
    assert r.code == 0 and "withdrawal watch" in r.out
    alerts = json.loads(ward("alerts", "--json", now="2026-11-25T09:00").out)
    assert [a["rule"] for a in alerts] == ["withdrawal.watch"]


def test_daily_maximum_refusal_and_override(ward):
    r = ward("order", "add", "--mrn", "RX1", "--route", "oral", "--dose-mg", "30", "--freq", "TDS",
             user=PHARMACIST)
    assert r.code == 1 and "above the 80 mg/day maximum" in r.err
    r = ward("order", "add", "--mrn", "RX1", "--route", "oral", "--dose-mg", "30", "--freq", "TDS",
             "--indication", "alcohol_use_disorder", "--override-reason", "AUD protocol",
             user=PHARMACIST)
    assert r.code == 1 and "acknowledges this caution: (1) 90 mg/day" in r.err
    assert "add --ack-warnings" in r.err
    r = ward("order", "add", "--mrn", "RX1", "--route", "oral", "--dose-mg", "30", "--freq", "TDS",
             "--indication", "alcohol_use_disorder", "--override-reason", "AUD protocol",
             "--ack-warnings", user=PHARMACIST)
    assert r.code == 0 and "Override: AUD protocol" in r.out
    assert "Cautions acknowledged: dose.max_daily" in r.out
    text = ward("alerts", now="2026-11-25T07:30").out
    assert "dose.max_daily" in text and "AUD protocol" in text


def test_intrathecal_order_and_bolus_need_a_witness(ward):
    r = ward("order", "add", "--mrn", "RX2", "--route", "intrathecal", "--daily-mcg", "300",
             user=PHARMACIST)
    assert r.code == 2 and "needs a witness" in r.err
    r = ward("order", "add", "--mrn", "RX2", "--route", "intrathecal", "--daily-mcg", "300",
             "--witness", "nurse.okafor", user=PHARMACIST)
    assert r.code == 0 and "300 mcg/day" in r.out
    r = ward("dose", "bolus", "--mrn", "RX2", "--mcg", "50", "--witness", "nurse.okafor",
             user=OTHER_NURSE)
    assert r.code == 0 and "bolus of 50 mcg" in r.out


@pytest.mark.parametrize("args, code, message", [
    (["order", "add", "--mrn", "RX1", "--route", "oral", "--daily-mcg", "10", "--freq", "TDS"], 2,
     "--daily-mcg: Oral doses are in mg per dose, not mcg/day"),
    (["order", "add", "--mrn", "RX2", "--route", "intrathecal", "--dose-mg", "300"], 2,
     "mcg/day, not mg"),
    (["order", "add", "--mrn", "RX1", "--route", "iv", "--dose-mg", "5"], 2, "'iv' is not one of"),
    (["order", "add", "--mrn", "RX1", "--route", "oral", "--dose-mg", "5"], 2, "--freq: Say how often"),
    (["order", "add", "--mrn", "RX1", "--route", "oral", "--dose-mg", "5", "--times", "8am"], 2,
     "'8am' is not a clock time"),
    (["order", "add", "--mrn", "RX1", "--route", "oral", "--dose-mg", "5", "--freq", "XYZ"], 2,
     "'XYZ' is not a frequency"),
    (["order", "add", "--mrn", "RX1", "--route", "oral", "--dose-mg", "5", "--freq", "OD",
      "--start", "soon"], 2, "--start: 'soon' is not a date and time"),
    (["dose", "give", "--mrn", "RX1", "--due", "09:00"], 2, "No dose of MRN RX1 is due at 09:00"),
    (["dose", "give", "--mrn", "RX1", "--due", "08:00", "--dose-mg", "50"], 1, "not 50 mg"),
    (["dose", "omit", "--mrn", "RX1", "--due", "08:00", "--reason", "forgot"], 2,
     "'forgot' is not a reason code"),
    (["dose", "omit", "--mrn", "RX1", "--due", "08:00", "--reason", "other"], 2,
     "--note: The note is needed"),
    (["dose", "correct", "--id", "77", "--reason", "oops"], 2, "no dose record 77"),
    (["mar", "--mrn", "RX1", "--date", "25/11/2026"], 2, "--date: '25/11/2026' is not a date"),
    (["alerts", "--mrn", "NOPE9"], 2, "no patient with MRN NOPE9"),
])
def test_bad_input_is_refused_and_writes_nothing(ward, args, code, message):
    ward("order", "add", "--mrn", "RX1", "--route", "oral", "--dose-mg", "10", "--freq", "TDS",
         user=PHARMACIST)
    before = database_state(Path(ward.db))
    r = ward(*args, now="2026-11-25T08:05", user=PHARMACIST if args[0] == "order" else NURSE)
    assert r.code == code, r.err
    assert message in r.err and len(r.err.strip().splitlines()) == 1
    assert database_state(Path(ward.db)) == before


@pytest.mark.parametrize("args, flag, words", [
    (["dose", "omit", "--mrn", "RX1", "--due", "08:00", "--reason", "other"], "--note",
     "The note is needed: say why the dose was not given"),
    (["dose", "give", "--mrn", "RX1", "--due", "09:00"], "--due", "No dose of MRN RX1 is due"),
    (["dose", "give", "--mrn", "RX1", "--due", "08:00", "--witness", "nobody"], "--witness",
     "There is no user 'nobody'"),
    (["dose", "give", "--mrn", "RX1", "--due", "08:00", "--dose-mg", "-1"], "--dose-mg",
     "is not a dose"),
    (["dose", "bolus", "--mrn", "RX2", "--mcg", "0", "--witness", CHARGE], "--mcg",
     "positive number of micrograms"),
    (["dose", "correct", "--id", "1", "--reason", " "], "--reason", "Say why the record is wrong"),
    (["mar", "--mrn", "NOPE9"], "--mrn", "There is no patient with MRN NOPE9"),
])
def test_an_error_names_the_option_to_fix(ward, args, flag, words):
    """Services say what is wrong in plain words and name the field; the command line puts the
    flag the user typed it with in front."""
    ward("order", "add", "--mrn", "RX1", "--route", "oral", "--dose-mg", "10", "--freq", "TDS",
         user=PHARMACIST)
    ward("order", "add", "--mrn", "RX2", "--route", "intrathecal", "--daily-mcg", "300",
         "--witness", "nurse.okafor", user=PHARMACIST)
    r = ward(*args, now="2026-11-25T08:05")
    assert r.code == 2, r.err
    assert r.err.startswith(f"ward-app: {flag}: ") and words in r.err, r.err


def test_the_command_line_adds_its_own_command_hints(ward):
    """Messages a nurse reads in the window say what to do in the window's words; the command
    line adds the command that does it."""
    ward("order", "add", "--mrn", "RX1", "--route", "oral", "--dose-mg", "10", "--freq", "TDS",
         user=PHARMACIST)
    ward("dose", "give", "--mrn", "RX1", "--due", "08:00", now="2026-11-25T08:05")
    r = ward("dose", "give", "--mrn", "RX1", "--due", "08:00", now="2026-11-25T08:06")
    assert r.code == 2 and "ward-app dose correct --id 1" in r.err
    r = ward("order", "add", "--mrn", "RX1", "--route", "oral", "--dose-mg", "30", "--freq", "TDS",
             user=PHARMACIST)
    assert r.code == 1 and "--override-reason" in r.err


def test_duplicate_record_is_refused(ward):
    ward("order", "add", "--mrn", "RX1", "--route", "oral", "--dose-mg", "10", "--freq", "TDS",
         user=PHARMACIST)
    assert ward("dose", "give", "--mrn", "RX1", "--due", "08:00", now="2026-11-25T08:05").code == 0
    before = database_state(Path(ward.db))
    r = ward("dose", "give", "--mrn", "RX1", "--due", "08:00", now="2026-11-25T08:06")
    assert r.code == 2 and "already recorded" in r.err
    assert database_state(Path(ward.db)) == before


@pytest.mark.parametrize("command", [["order", "add"], ["order", "stop"], ["mar"], ["dose", "give"],
                                     ["dose", "omit"], ["dose", "correct"], ["dose", "bolus"],
                                     ["alerts"]])
def test_help_has_an_example(run_cli, command):
    r = run_cli(*command, "--help")
    assert r.code == 0 and "Example" in r.out
