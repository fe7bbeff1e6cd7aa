"""Issue 14: --request-id on obs add, pump refill, pump alarm and alerts ack (a retried command is
recognised, not stored twice; anything but a UUID exits 2), and the audit row each read command
writes (read.<what>, by the acting user)."""

from __future__ import annotations

import json
import sqlite3
import uuid

import pytest

from tests.cli.test_obs_cli import ward  # noqa: F401 - the fixture
from tests.conftest import database_state


def _count(db: str, sql: str) -> int:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql).fetchone()[0]
    finally:
        conn.close()


def _reads(db: str) -> list[tuple[str, str, str | None]]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute("SELECT u.name, a.action, p.mrn FROM audit a JOIN users u ON "
                            "u.id = a.user_id LEFT JOIN patients p ON p.id = a.patient_id "
                            "WHERE a.action LIKE 'read.%' ORDER BY a.id").fetchall()
    finally:
        conn.close()


@pytest.mark.parametrize("command", [
    ("obs", "add", "--mrn", "RX1", "--rr", "18"),
    ("pump", "alarm", "--mrn", "RX2", "--kind", "low_reservoir"),
    ("alerts", "ack", "--id", "1"),
    ("pump", "refill", "--mrn", "RX2", "--volume-ml", "20", "--conc-mcg-ml", "500",
     "--daily-mcg", "300", "--witness", "nurse.jones"),
], ids=["obs", "alarm", "ack", "refill"])
def test_a_request_id_that_is_not_a_uuid_exits_2_and_writes_nothing(ward, command):  # noqa: F811
    before = database_state(ward.db)
    r = ward(*command, "--request-id", "retry-1")
    assert r.code == 2 and r.err.startswith("ward-app: --request-id: 'retry-1' is not a request id")
    assert "UUID" in r.err and len(r.err.splitlines()) == 1
    assert database_state(ward.db) == before


def test_a_retried_command_with_the_same_request_id_is_stored_once(ward):  # noqa: F811
    assert ward("pump", "set", "--mrn", "RX2", "--reservoir-ml", "20", user="charge.silva").code == 0
    obs_id, alarm_id, refill_id = (str(uuid.uuid4()) for _ in range(3))
    for _attempt in range(2):
        r = ward("obs", "add", "--mrn", "RX1", "--rr", "18", "--hr", "70", "--request-id", obs_id,
                 "--json")
        assert r.code == 0, r.err
        r = ward("pump", "alarm", "--mrn", "RX2", "--kind", "low_reservoir", "--request-id",
                 alarm_id)
        assert r.code == 0, r.err
        r = ward("pump", "refill", "--mrn", "RX2", "--volume-ml", "20", "--conc-mcg-ml", "500",
                 "--daily-mcg", "300", "--witness", "nurse.jones", "--request-id", refill_id)
        assert r.code == 0, r.err
    for table in ("observations", "pump_alarms", "pump_refills"):
        assert _count(ward.db, f"SELECT count(*) FROM {table}") == 1, table
    assert _count(ward.db, "SELECT count(*) FROM audit WHERE action IN "
                           "('obs.add', 'pump.alarm', 'pump.refill')") == 3
    alert = next(a for a in json.loads(ward("alerts", "--json").out) if not a["acknowledged"])
    ack_id = str(uuid.uuid4())
    for _attempt in range(2):
        r = ward("alerts", "ack", "--id", str(alert["id"]), "--note", "seen", "--request-id", ack_id)
        assert r.code == 0, r.err
    assert _count(ward.db, "SELECT count(*) FROM alert_acks") == 1


def test_each_read_command_writes_one_audit_row(ward, tmp_path):  # noqa: F811
    reads = [
        (("patient", "list"), "read.patients", None),
        (("mar", "--mrn", "RX1"), "read.mar", "RX1"),
        (("alerts", "--mrn", "RX1"), "read.alerts", "RX1"),
        (("alerts",), "read.alerts", None),
        (("obs", "list", "--mrn", "RX1"), "read.observations", "RX1"),
        (("taper", "plan", "--mrn", "RX1", "--step-mg", "5", "--every-days", "3"),
         "read.taper_plan", "RX1"),
        (("audit", "--mrn", "RX1"), "read.audit", "RX1"),
        (("audit", "--csv", str(tmp_path / "audit.csv")), "read.export", None),
    ]
    for args, action, mrn in reads:
        user = "admin" if args[0] == "audit" else "pharm.chen"  # reading needs no clinical role
        before = _reads(ward.db)
        r = ward(*args, user=user)
        assert r.code == 0, (args, r.err)
        assert _reads(ward.db)[len(before):] == [(user, action, mrn)], args
    before = _reads(ward.db)
    assert ward("mar", "--mrn", "RX9").code == 2  # a read that fails is not audited as a read
    assert _reads(ward.db) == before
