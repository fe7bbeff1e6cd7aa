"""--now sets only the act time: the entry time and the audit trail's time are the system clock;
a live ward refuses --now ahead of the clock; a drill ward allows it and says DRILL."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from tests.conftest import database_state

NURSE, CHARGE, PHARMACIST = "nurse.okafor", "charge.silva", "pharm.chen"
#: The system clock in these tests (the tests' NOW is 10:00, two hours earlier).
REAL = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


@pytest.fixture
def real_clock(monkeypatch):
    monkeypatch.setattr("ward_app.services.context.real_clock", lambda: REAL)
    return REAL


def _ward(tmp_path, run_cli, *, drill: bool = False):
    db = str(tmp_path / "w.db")

    def cli(*args, now="2026-11-25T07:00", user=NURSE):
        front = ["--db", db] + (["--now", now] if now else [])
        return run_cli(*front, "--user", user, *args)

    made = run_cli("--db", db, "--now", "2026-11-25T07:00", "init", "--admin-password-stdin",
                   "--ward", "Ward 7", "--tz",
                   "Europe/London", *(["--drill"] if drill else []))
    assert made.code == 0, made.err
    for name, role in ((NURSE, "nurse"), (CHARGE, "charge_nurse"), (PHARMACIST, "pharmacist")):
        assert cli("user", "add", name, "--role", role, "--password-stdin", user="admin").code == 0
    assert cli("patient", "add", "--mrn", "RX1", "--name", "Test Patient", "--dob", "1970-01-01",
               "--bed", "1", user=CHARGE).code == 0
    assert cli("order", "add", "--mrn", "RX1", "--route", "oral", "--dose-mg", "10", "--freq",
               "TDS", user=PHARMACIST).code == 0
    cli.db = db
    return cli


def _rows(db: str, sql: str) -> list[tuple]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def test_now_two_hours_ago_sets_the_act_time_not_the_entry_time(tmp_path, run_cli, real_clock):
    ward = _ward(tmp_path, run_cli)
    r = ward("dose", "give", "--mrn", "RX1", "--due", "08:00", now="2026-11-25T09:50")
    assert r.code == 0, r.err
    assert _rows(ward.db, "SELECT administered_at, entered_at FROM administrations") == [
        ("2026-11-25T09:50:00+00:00", "2026-11-25T12:00:00+00:00")]
    (at, detail), = _rows(ward.db, "SELECT at, detail FROM audit WHERE action LIKE 'dose.%'")
    assert at == "2026-11-25T12:00:00+00:00"  # the audit trail's time is the system clock
    assert json.loads(detail)["act_at"] == "2026-11-25T09:50:00+00:00"
    entries = json.loads(ward("mar", "--mrn", "RX1", "--json", now="2026-11-25T10:00").out)
    assert (entries[0]["recorded_at"], entries[0]["entered_at"], entries[0]["entered_late"]) == (
        "2026-11-25T09:50:00+00:00", "2026-11-25T12:00:00+00:00", True)
    assert entries[1]["entered_at"] is None and entries[1]["entered_late"] is False
    text = ward("mar", "--mrn", "RX1", now="2026-11-25T10:00").out
    assert "ENTERED LATE 25 Nov 12:00" in text and "DRILL" not in text


def test_observations_back_charted_two_hours_are_marked_entered_late(tmp_path, run_cli, real_clock):
    ward = _ward(tmp_path, run_cli)
    assert ward("obs", "add", "--mrn", "RX1", "--rr", "18", now="2026-11-25T10:00").code == 0
    assert ward("obs", "add", "--mrn", "RX1", "--rr", "16", now="2026-11-25T11:55").code == 0
    rows = json.loads(ward("obs", "list", "--mrn", "RX1", "--json", now="2026-11-25T12:00").out)
    assert [(r["rr"], r["entered_at"], r["entered_late"]) for r in rows] == [
        (16, "2026-11-25T12:00:00+00:00", False), (18, "2026-11-25T12:00:00+00:00", True)]
    text = ward("obs", "list", "--mrn", "RX1", now="2026-11-25T12:00").out
    assert text.count("ENTERED LATE 25 Nov 12:00") == 1 and "RR=18" in text


def test_without_now_a_record_is_entered_when_it_is_done(tmp_path, run_cli, real_clock):
    ward = _ward(tmp_path, run_cli)
    # the act time is the real clock here: a dose due now (on time whatever the hour of the run)
    here = datetime.now(ZoneInfo("Europe/London"))
    assert ward("order", "add", "--mrn", "RX1", "--route", "oral", "--dose-mg", "10", "--times",
                f"{here:%H:%M}", "--start", f"{here:%Y-%m-%d}T00:00", "--ack-warnings",
                user=PHARMACIST, now=None).code == 0  # once daily: a caution to acknowledge
    assert ward("dose", "give", "--mrn", "RX1", "--due", f"{here:%H:%M}", now=None).code == 0
    entries = json.loads(ward("mar", "--mrn", "RX1", "--json", now=None).out)
    assert entries[0]["entered_at"] == "2026-11-25T12:00:00+00:00"
    assert entries[0]["entered_late"] is False


def test_a_live_ward_refuses_now_ahead_of_the_clock_and_writes_nothing(tmp_path, run_cli,
                                                                      real_clock):
    ward = _ward(tmp_path, run_cli)
    before = database_state(tmp_path / "w.db")
    r = ward("dose", "give", "--mrn", "RX1", "--due", "14:00", now="2026-11-25T14:00")
    assert r.code == 2 and "--now" in r.err and "ahead of this computer's clock" in r.err
    assert database_state(tmp_path / "w.db") == before
    assert ward("alerts", now="2026-11-25T12:05").code == 0  # five minutes of clock drift is fine
    later = run_cli("--db", str(tmp_path / "other.db"), "--now", "2026-11-26T09:00", "init",
                    "--admin-password-stdin", "--ward", "Ward 8", "--tz", "Europe/London")
    assert later.code == 2 and "--now" in later.err
    assert not (tmp_path / "other.db").exists()


def test_a_drill_ward_allows_now_ahead_of_the_clock_and_says_drill(tmp_path, run_cli, real_clock):
    ward = _ward(tmp_path, run_cli, drill=True)
    r = ward("dose", "give", "--mrn", "RX1", "--due", "14:00", now="2026-11-25T14:00")
    assert r.code == 0, r.err
    for args in (("patient", "list"), ("mar", "--mrn", "RX1"), ("alerts",)):
        out = ward(*args, now="2026-11-25T14:00").out
        assert out.startswith("DRILL"), args
        shown = ward(*args, "--json", now="2026-11-25T14:00").out
        assert "DRILL" not in shown and json.loads(shown) is not None, args
    made = run_cli("--db", str(tmp_path / "d.db"), "--now", "2026-11-26T09:00", "init",
                   "--admin-password-stdin", "--ward", "Drill Ward", "--tz", "Europe/London", "--drill")
    assert made.code == 0 and "drill ward" in made.out


def test_demo_is_refused_on_a_live_ward(tmp_path, run_cli, real_clock):
    db = str(tmp_path / "live.db")
    assert run_cli("--db", db, "init", "--admin-password-stdin", "--ward", "Ward 7", "--tz",
                   "Europe/London").code == 0
    before = database_state(tmp_path / "live.db")
    r = run_cli("--db", db, "--user", "admin", "demo", "--patients", "2", "--days", "1")
    assert r.code == 1 and "live ward, not a drill ward" in r.err
    assert database_state(tmp_path / "live.db") == before
    drill = str(tmp_path / "drill.db")
    assert run_cli("--db", drill, "init", "--admin-password-stdin", "--ward", "Ward 9", "--tz",
                   "Europe/London", "--drill").code == 0
    r = run_cli("--db", drill, "--user", "admin", "demo", "--patients", "2", "--days", "1")
    assert r.code == 0, r.err
