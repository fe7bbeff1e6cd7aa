"""The recording checks and the prescribing cautions (clinical-rules §9) through the real
``ward-app`` command line: exit 1 naming the check (with the options that record anyway for a
soft stop), exit 0 with --reason (and --override-witness, whose password is read after the acting
user's), the flags in ``mar --json`` and the text MAR, exit 2 for a bad reason; and
``order add`` listing the cautions until --ack-warnings, which stores them with the version."""

from __future__ import annotations

import json
import shutil
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.conftest import database_state, pw
from tests.services.test_recording_checks import build_template

NURSE, SECOND, CHARGE, PHARMACIST = "nurse.okafor", "nurse.jones", "charge.silva", "pharm.chen"
DAY = "2026-11-25"  # Europe/London is on UTC in November


@pytest.fixture(scope="module")
def _template(tmp_path_factory) -> Path:
    """The ward built once for the module (password hashing is slow) and copied for each test:
    the two nurses, a charge nurse, a pharmacist; RX1 (oral) and RX2 (pump) admitted."""
    path = tmp_path_factory.mktemp("checks-cli") / "template.db"
    return build_template(path, ((NURSE, "nurse"), (SECOND, "nurse"), (CHARGE, "charge_nurse"),
                                 (PHARMACIST, "pharmacist")), datetime(2026, 11, 1, tzinfo=UTC))


@pytest.fixture
def ward(tmp_path, run_cli, _template):
    """``ward(*args, now='HH:MM' or ISO, user=NURSE, stdin=None)``: ward-app on a fresh copy."""
    db = tmp_path / "w.db"
    shutil.copyfile(_template, db)

    def cli(*args, now="07:00", stdin=None, user=NURSE):
        when = now if "T" in now else f"{DAY}T{now}"
        return run_cli("--db", str(db), "--now", when, "--user", user, *args, stdin=stdin)

    cli.db = db
    return cli


def tds(ward, *extra: str, now: str = "07:00") -> None:
    r = ward("order", "add", "--mrn", "RX1", "--route", "oral", "--dose-mg", "10", *(
        extra or ("--freq", "TDS")), user=PHARMACIST, now=now)
    assert r.code == 0, r.err


def state(ward, logins: bool = False) -> str:
    return database_state(ward.db, but_logins=logins)


def give(ward, due: str, now: str, *extra: str, stdin: str | None = None, mrn: str = "RX1"):
    return ward("dose", "give", "--mrn", mrn, "--due", due, *extra, now=now, stdin=stdin)


def mar_json(ward, now: str = "23:00") -> dict[str, dict]:
    entries = json.loads(ward("mar", "--mrn", "RX1", "--json", now=now).out)
    return {e["due"][11:16]: e for e in entries if e["state"] != "entered_in_error"}


def one_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    return lines[0]


# --- Soft stops: exit 1 naming the check and the options; --reason records it, flagged ----------

def test_an_early_dose_exits_1_until_a_reason_is_given(ward):
    tds(ward)
    before = state(ward)
    r = give(ward, "14:00", "13:00")
    assert r.code == 1
    err = one_line(r.err)
    assert "The 14:00 dose is 1 h early" in err and "Wait until 13:30" in err
    assert "add --reason TEXT;" in err and "--override-witness" not in err
    assert "ward-app dose omit" in err
    assert state(ward) == before
    r = give(ward, "14:00", "13:00", "--reason", "off to theatre at 13:30")
    assert r.code == 0, r.err
    assert "as given (record 1). Flagged: given_early." in r.out
    e = mar_json(ward)["14:00"]
    assert (e["state"], e["flags"], e["override_reason"], e["override_by"]) == (
        "given", ["given_early"], "off to theatre at 13:30", None)
    assert "GIVEN EARLY: off to theatre at 13:30" in ward("mar", "--mrn", "RX1", now="23:00").out


def test_on_time_edges_through_the_command_line(ward):
    tds(ward)
    assert "as given (record 1)." in give(ward, "08:00", "07:30").out  # exactly 30 min early
    assert "as given (record 2)." in give(ward, "14:00", "14:30").out  # exactly 30 min late
    assert "as given_late (record 3)." in give(ward, "22:00", "22:31").out
    entries = mar_json(ward, now="23:59")
    assert [(e["state"], e["flags"]) for e in entries.values()] == [
        ("given", []), ("given", []), ("given_late", [])]


def test_the_minimum_interval_needs_a_reason_and_a_second_nurse(ward):
    tds(ward, "--times", "08:00,11:00,20:00")
    assert give(ward, "08:00", "08:00").code == 0
    before = state(ward)
    r = give(ward, "11:00", "11:00")
    assert r.code == 1
    err = one_line(r.err)
    assert "A dose of 10 mg was given at 08:00, 3 h ago" in err
    assert "add --reason TEXT --override-witness NAME;" in err
    assert state(ward) == before
    r = give(ward, "11:00", "11:00", "--reason", "severe spasms")
    assert r.code == 2 and one_line(r.err).startswith("ward-app: --override-witness: ")
    assert state(ward) == before
    # the second nurse's password is read after the acting nurse's: a wrong one writes nothing
    # but the failed-password audit row
    before = state(ward, logins=True)
    r = give(ward, "11:00", "11:00", "--reason", "severe spasms", "--override-witness", SECOND,
             stdin=f"{pw(NURSE)}\nnot-the-password\n")
    assert r.code == 1 and f"The witness password for {SECOND} is not right" in r.err
    assert state(ward, logins=True) == before
    r = give(ward, "11:00", "11:00", "--reason", "severe spasms, Dr Khan agreed",
             "--override-witness", SECOND, stdin=f"{pw(NURSE)}\n{pw(SECOND)}\n")
    assert r.code == 0 and "Flagged: given_too_soon." in r.out
    e = mar_json(ward)["11:00"]
    assert (e["state"], e["flags"], e["override_reason"], e["override_by"]) == (
        "given", ["given_too_soon"], "severe spasms, Dr Khan agreed", SECOND)
    text = ward("mar", "--mrn", "RX1", now="23:00").out
    assert ("GIVEN WITHIN THE MINIMUM INTERVAL: severe spasms, Dr Khan agreed, confirmed by "
            f"{SECOND}") in text


def test_naming_yourself_as_the_second_nurse_names_the_option_you_typed(ward):
    tds(ward, "--times", "08:00,11:00,20:00")
    give(ward, "08:00", "08:00")
    before = state(ward)
    r = give(ward, "11:00", "11:00", "--reason", "spasms", "--override-witness", NURSE)
    assert r.code == 2 and state(ward) == before
    assert "different user" in r.err
    assert one_line(r.err).startswith("ward-app: --override-witness: "), r.err


@pytest.mark.parametrize("now", ["13:00", "14:00"])
def test_a_wrong_override_witness_password_is_never_accepted(ward, now):
    tds(ward)
    before = state(ward, logins=True)
    r = give(ward, "14:00", now, "--reason", "theatre", "--override-witness", SECOND,
             stdin=f"{pw(NURSE)}\nnot-the-password\n")
    assert r.code == 1, r.out
    assert state(ward, logins=True) == before


def test_the_sedation_hold_offers_held_first_and_a_reason_records_it(ward):
    tds(ward)
    assert ward("obs", "add", "--mrn", "RX1", "--poss", "3", now="10:00").code == 0
    before = state(ward)
    r = give(ward, "14:00", "14:00")  # exactly 4 h after the POSS 3
    assert r.code == 1
    err = one_line(r.err)
    assert "Over-sedated within the last 4 h (POSS 3 at 10:00): hold this dose" in err
    assert "add --reason TEXT;" in err and "--override-witness" not in err
    assert state(ward) == before
    r = give(ward, "14:00", "14:00", "--reason", "rousable, RR 14, Dr Khan informed")
    assert r.code == 0 and "Flagged: given_despite_hold." in r.out
    e = mar_json(ward)["14:00"]
    assert (e["flags"], e["override_reason"]) == (["given_despite_hold"],
                                                  "rousable, RR 14, Dr Khan informed")


def test_a_sedation_score_older_than_4_h_holds_nothing(ward):
    tds(ward)
    assert ward("obs", "add", "--mrn", "RX1", "--poss", "3", "--rr", "8", now="09:59").code == 0
    r = give(ward, "14:00", "14:00")
    assert r.code == 0 and "Flagged" not in r.out


# --- Hard stops: exit 1, nothing written, no --reason offered -----------------------------------

@pytest.mark.parametrize("due, now, words", [
    ("14:00", "11:59", "more than 2 h early it cannot be recorded as given"),
    ("08:00", "10:00", "the next dose is due at 14:00, in 4 h"),
    ("08:00", "14:10", "the next dose (14:00) is already due"),
])
def test_hard_stops_exit_1_even_with_a_reason(ward, due, now, words):
    tds(ward)
    before = state(ward)
    for extra in ((), ("--reason", "patient asked"),
                  ("--reason", "patient asked", "--override-witness", SECOND)):
        r = give(ward, due, now, *extra)
        assert r.code == 1, r.err
        err = one_line(r.err)
        assert words in err and "--reason" not in err
    assert state(ward) == before  # the second nurse's password is not even checked


def test_somnolent_only_held_can_be_recorded(ward):
    tds(ward)
    assert ward("obs", "add", "--mrn", "RX1", "--poss", "4", now="13:00").code == 0
    before = state(ward)
    for extra in ((), ("--reason", "family insists")):
        r = give(ward, "14:00", "14:00", *extra)
        assert r.code == 1 and "only 'held' can be recorded" in r.err and "--reason" not in r.err
    assert state(ward) == before
    r = ward("dose", "omit", "--mrn", "RX1", "--due", "14:00", "--reason", "other", "--note",
             "POSS 4", "--held", now="14:00")
    assert r.code == 0 and "as held" in r.out
    assert mar_json(ward)["14:00"]["state"] == "held"


def test_the_daily_total_is_a_hard_stop(ward):
    tds(ward)
    assert give(ward, "08:00", "08:00").code == 0
    assert give(ward, "14:00", "14:00").code == 0
    tds(ward, "--times", "02:00,18:00,22:00", now="14:30")  # the order moves its doses
    assert give(ward, "18:00", "18:00").code == 0
    before = state(ward)
    r = give(ward, "22:00", "22:00", "--reason", "asked for it")
    assert r.code == 1
    assert "would make 40 mg within 24 h" in r.err and "daily total is 30 mg" in r.err
    assert state(ward) == before


# --- Bad input ----------------------------------------------------------------------------------

@pytest.mark.parametrize("reason, words", [
    ("bad\x07reason", "The reason contains control characters"),
    ("right\u202eleft", "The reason contains control characters"),
    ("x" * 301, "The reason is too long"),
])
def test_a_bad_reason_exits_2_and_writes_nothing(ward, reason, words):
    tds(ward)
    before = state(ward)
    for now in ("13:00", "14:00"):  # with a soft stop, and without
        r = give(ward, "14:00", now, "--reason", reason)
        assert r.code == 2, r.err
        assert one_line(r.err).startswith("ward-app: --reason: ") and words in r.err
    assert state(ward) == before


# --- Intrathecal bolus --------------------------------------------------------------------------

def pump(ward) -> None:
    r = ward("order", "add", "--mrn", "RX2", "--route", "intrathecal", "--daily-mcg", "300",
             "--witness", SECOND, user=PHARMACIST)
    assert r.code == 0, r.err


def test_a_bolus_during_a_sedation_hold_names_the_itb_team(ward):
    pump(ward)
    assert ward("obs", "add", "--mrn", "RX2", "--poss", "3", now="09:00").code == 0
    before = state(ward)
    args = ("dose", "bolus", "--mrn", "RX2", "--mcg", "50", "--witness", SECOND)
    r = ward(*args, now="10:00")
    assert r.code == 1
    err = one_line(r.err)
    assert "hold the bolus" in err and "ITB-team review" in err and "ITB team may empty" in err
    assert "do not give the next dose" not in err.lower() and "add --reason TEXT" in err
    assert state(ward) == before
    r = ward(*args, "--reason", "ITB team advised it", now="10:00")
    assert r.code == 0, r.err
    row = sqlite3.connect(ward.db).execute(
        "SELECT flags, override_reason FROM administrations WHERE dose_mcg = 50").fetchone()
    assert (json.loads(row[0]), row[1]) == (["bolus_despite_hold"], "ITB team advised it")


def test_a_bolus_soft_stop_does_not_point_to_dose_omit(ward):
    pump(ward)
    ward("obs", "add", "--mrn", "RX2", "--poss", "3", now="09:00")
    r = ward("dose", "bolus", "--mrn", "RX2", "--mcg", "50", "--witness", SECOND, now="10:00")
    assert r.code == 1 and "dose omit" not in r.err


def test_a_somnolent_pump_patient_gets_no_bolus(ward):
    pump(ward)
    assert ward("obs", "add", "--mrn", "RX2", "--rass", "-4", now="09:00").code == 0
    before = state(ward)
    for extra in ((), ("--reason", "asked")):
        r = ward("dose", "bolus", "--mrn", "RX2", "--mcg", "50", "--witness", SECOND, *extra,
                 now="10:00")
        assert r.code == 1 and "no bolus" in r.err and "ITB-team review" in r.err
        assert "do not give the next dose" not in r.err.lower() and "--reason" not in r.err
    assert state(ward) == before


# --- Prescribing cautions -----------------------------------------------------------------------

def order_row(ward, order_id: int) -> list[str]:
    conn = sqlite3.connect(ward.db)
    try:
        (column,) = conn.execute("SELECT acknowledged_cautions FROM orders WHERE id = ?",
                                 [order_id]).fetchone()
    finally:
        conn.close()
    return [c["rule"] for c in json.loads(column)]


def audited_cautions(ward) -> list[list[str]]:
    conn = sqlite3.connect(ward.db)
    try:
        rows = conn.execute("SELECT detail FROM audit WHERE action IN ('order.start', "
                            "'order.change') ORDER BY id").fetchall()
    finally:
        conn.close()
    return [json.loads(d)["cautions_acknowledged"] for (d,) in rows]


def test_the_issue_case_dementia_and_dialysis(ward):
    r = ward("patient", "add", "--mrn", "RX3", "--name", "Ann Other", "--dob", "1940-05-05",
             "--bed", "3", "--flag", "dementia", user=CHARGE)
    assert r.code == 0, r.err
    assert ward("lab", "add", "--mrn", "RX3", "--dialysis").code == 0
    args = ("order", "add", "--mrn", "RX3", "--route", "oral", "--dose-mg", "20", "--freq", "TDS")
    before = state(ward)
    r = ward(*args, user=PHARMACIST)
    assert r.code == 1
    err = one_line(r.err)
    assert "acknowledges these cautions: (1) Dementia: the seed advises avoiding baclofen " \
           "entirely in dementia" in err
    assert "(2) Severe renal impairment (on dialysis): avoid baclofen" in err
    assert err.endswith("On the command line: read them, then add --ack-warnings.")
    assert state(ward) == before
    r = ward(*args, "--ack-warnings", user=PHARMACIST)
    assert r.code == 0, r.err
    assert "Cautions acknowledged: flag.dementia, renal.avoid." in r.out
    assert order_row(ward, 1) == ["flag.dementia", "renal.avoid"]
    assert audited_cautions(ward) == [["flag.dementia", "renal.avoid"]]


@pytest.mark.parametrize("egfr, words", [
    ("29", "Severe renal impairment (eGFR 29): avoid baclofen"),
    ("30", "Reduced renal function (eGFR 30, 30–60): reduce the dose"),
    ("60", "Reduced renal function (eGFR 60, 30–60): reduce the dose"),
    ("61", None),
])
def test_renal_cautions_at_the_egfr_boundaries(ward, egfr, words):
    assert ward("lab", "add", "--mrn", "RX1", "--egfr", egfr).code == 0
    r = ward("order", "add", "--mrn", "RX1", "--route", "oral", "--dose-mg", "5", "--freq", "TDS",
             user=PHARMACIST)
    if words is None:
        assert r.code == 0 and "Cautions acknowledged" not in r.out, r.err
        assert order_row(ward, 1) == [] and audited_cautions(ward) == [[]]
        return
    assert r.code == 1 and words in r.err and "--ack-warnings" in r.err


@pytest.mark.parametrize("setup, args, rule, words", [
    ((), ("--freq", "OD"), "order.once_daily", "Once daily: baclofen's half-life is 5–6 h"),
    ((("comed", "add", "--mrn", "RX1", "--drug", "Frisium 10 mg"),), ("--freq", "TDS"),
     "interaction.cns", "Frisium 10 mg is a CNS depressant"),
    ((("comed", "add", "--mrn", "RX1", "--drug", "Oxycodone"),), ("--freq", "TDS"),
     "interaction.cns", "Oxycodone is a CNS depressant"),
    ((("patient", "set", "--mrn", "RX1", "--flag", "epilepsy"),), ("--freq", "TDS"),
     "flag.epilepsy", "Epilepsy: baclofen may worsen seizure control"),
])
def test_one_caution_then_acknowledged(ward, setup, args, rule, words):
    for command in setup:
        assert ward(*command, user=CHARGE if command[0] == "patient" else PHARMACIST).code == 0
    base = ("order", "add", "--mrn", "RX1", "--route", "oral", "--dose-mg", "5", *args)
    before = state(ward)
    r = ward(*base, user=PHARMACIST)
    assert r.code == 1 and "acknowledges this caution: (1) " + words in r.err, r.err
    assert state(ward) == before
    r = ward(*base, "--ack-warnings", user=PHARMACIST)
    assert r.code == 0 and f"Cautions acknowledged: {rule}." in r.out
    assert order_row(ward, 1) == [rule] and audited_cautions(ward) == [[rule]]


@pytest.mark.parametrize("daily, caution", [("423", "A change of +41 % at once (from 300 "
                                                     "mcg/day)"),
                                            ("420", None), ("240", None),
                                            ("237", "A change of -21 % at once")])
def test_an_intrathecal_step_is_a_caution(ward, daily, caution):
    pump(ward)
    args = ("order", "add", "--mrn", "RX2", "--route", "intrathecal", "--daily-mcg", daily,
            "--witness", SECOND)
    if caution is None:
        r = ward(*args, user=PHARMACIST, now="09:00")
        assert r.code == 0 and "Cautions acknowledged" not in r.out, r.err
        assert order_row(ward, 2) == []
        return
    before = state(ward)
    r = ward(*args, user=PHARMACIST, now="09:00")
    assert r.code == 1 and caution in r.err and "confirm it with the ITB team" in r.err
    assert "--ack-warnings" in r.err
    assert state(ward) == before
    r = ward(*args, "--ack-warnings", user=PHARMACIST, now="09:00")
    assert r.code == 0 and "Cautions acknowledged: itb.dose_step." in r.out
    assert order_row(ward, 2) == ["itb.dose_step"]
    assert audited_cautions(ward) == [[], ["itb.dose_step"]]


def test_an_order_with_no_caution_needs_no_acknowledgement(ward):
    r = ward("order", "add", "--mrn", "RX1", "--route", "oral", "--dose-mg", "10", "--freq", "TDS",
             user=PHARMACIST)
    assert r.code == 0 and "Cautions acknowledged" not in r.out, r.err
    r = ward("order", "add", "--mrn", "RX1", "--route", "oral", "--dose-mg", "5", "--freq", "TDS",
             "--ack-warnings", user=PHARMACIST, now="09:00")  # nothing to acknowledge: fine too
    assert r.code == 0 and "Cautions acknowledged" not in r.out, r.err
    assert order_row(ward, 1) == [] and order_row(ward, 2) == []


def test_a_reason_with_no_check_to_override_is_said_not_stored(ward):
    tds(ward)
    r = give(ward, "14:00", "14:00", "--reason", "nothing to override")
    assert r.code == 0 and "--reason was not stored (use --note)" in r.out
    e = mar_json(ward)["14:00"]
    assert (e["state"], e["flags"], e["override_reason"]) == ("given", [], None)
