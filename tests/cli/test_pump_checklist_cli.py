"""ward-app pump checklist: none open before a critical alarm; ticking the ITB step names whom was
called (exit 2 without it); the JSON; a step with no checklist open is refused (exit 1)."""

from __future__ import annotations

import json

import pytest

from tests.conftest import database_state

CHARGE, PHARMACIST = "charge.silva", "pharm.chen"


@pytest.fixture
def ward(tmp_path, run_cli):
    """A pump patient (RX2, intrathecal order); acts as nurse.okafor unless told otherwise."""
    db = str(tmp_path / "w.db")

    def cli(*args, now="2026-11-25T10:00", user="nurse.okafor"):
        return run_cli("--db", db, "--now", now, "--user", user, *args)

    assert run_cli("--db", db, "init", "--admin-password-stdin", "--ward", "Ward 7", "--tz",
                   "Europe/London").code == 0
    for name, role in (("nurse.okafor", "nurse"), ("nurse.jones", "nurse"),
                       (CHARGE, "charge_nurse"), (PHARMACIST, "pharmacist")):
        assert cli("user", "add", name, "--role", role, "--password-stdin", user="admin").code == 0
    assert cli("patient", "add", "--mrn", "RX2", "--name", "Pump Patient", "--dob", "1980-01-01",
               "--bed", "2", user=CHARGE).code == 0
    assert cli("order", "add", "--mrn", "RX2", "--route", "intrathecal", "--daily-mcg", "400",
               "--witness", "nurse.jones", user=PHARMACIST).code == 0
    cli.db = db
    return cli


def test_the_checklist_from_the_command_line(ward) -> None:
    assert ward("pump", "set", "--mrn", "RX2", "--reservoir-ml", "20", user=CHARGE).code == 0
    r = ward("pump", "checklist", "--mrn", "RX2")
    assert r.code == 0 and "No pump failure checklist is open" in r.out
    before = database_state(ward.db)
    r = ward("pump", "checklist", "--mrn", "RX2", "--step", "hourly_checks")
    assert r.code == 1 and "No pump failure checklist is open" in r.err
    assert database_state(ward.db) == before
    assert ward("pump", "alarm", "--mrn", "RX2", "--kind", "critical").code == 0
    r = ward("pump", "checklist", "--mrn", "RX2", "--step", "itb_called", now="2026-11-25T10:10")
    assert r.code == 2 and "--who-called" in r.err
    r = ward("pump", "checklist", "--mrn", "RX2", "--step", "itb_called", "--who-called",
             "Dr Patel (ITB)", "--at", "2026-11-25T10:05", now="2026-11-25T10:10")
    assert r.code == 0, r.err
    assert "✓ Call the ITB team" in r.out and "called Dr Patel (ITB)" in r.out
    assert "☐ NOT DONE: Oral baclofen available" in r.out and "ask pharmacy" in r.out
    out = json.loads(ward("pump", "checklist", "--mrn", "RX2", "--json",
                          now="2026-11-25T10:10").out)
    assert out["triggers"] == ["pump.alarm"] and not out["complete"]
    itb = out["steps"][0]
    assert itb["step"] == "itb_called" and itb["done"] and itb["by"] == "nurse.okafor"
    assert itb["who_called"] == "Dr Patel (ITB)" and itb["at"].startswith("2026-11-25T10:05")
