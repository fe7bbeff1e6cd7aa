"""Passwords, lockout and reset; settings changed and audited; the audit trail's filters, CSV and
corrections — on real SQLite files."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest

from tests import typed
from tests.conftest import NOW, PASSWORD, acting, database_state
from ward_app.domain.errors import InvalidInput, Refused
from ward_app.services import audit_log, settings
from ward_app.services.auth import hash_password, login, reset_password, verify_password
from ward_app.storage import audit, people


def test_passwords_are_argon2id_hashes_never_the_password(ward):
    h = hash_password("correct horse")
    assert h.startswith("$argon2id$") and "correct horse" not in h
    assert verify_password(h, "correct horse") and not verify_password(h, "Correct horse")
    stored = people.user_by_name(ward.db, "nurse.test").password_hash
    assert stored.startswith("$argon2id$") and PASSWORD not in stored


def test_five_failures_lock_the_account_until_the_lockout_ends_or_an_admin_resets(ward):
    for _ in range(4):
        with pytest.raises(Refused, match="not right"):
            login(ward, "nurse.test", "wrong")
    with pytest.raises(Refused, match="locked for 15 minutes"):
        login(ward, "nurse.test", "wrong")
    with pytest.raises(Refused, match="is locked"):
        login(ward, "nurse.test", PASSWORD)  # even the right password, while locked
    log = audit.entries(ward.db, limit=10)
    assert [e["action"] for e in log[:5]] == ["login.failed"] * 5
    assert all("wrong" not in str(e["detail"]) and PASSWORD not in str(e["detail"]) for e in log)
    reset_password(ward, "nurse.test", "a new password 1")  # the admin
    assert login(ward, "nurse.test", "a new password 1").name == "nurse.test"
    with pytest.raises(Refused, match="not right"):
        login(ward, "nobody", "x")


def test_the_lockout_ends_by_itself(ward, monkeypatch):
    for _ in range(5):
        with pytest.raises(Refused):
            login(ward, "charge.test", "wrong")
    ahead = ward.now() + timedelta(days=2)
    monkeypatch.setattr(ward, "clock", lambda: ahead)  # an act time (--now) does not lift it
    with pytest.raises(Refused, match="locked"):
        login(ward, "charge.test", PASSWORD)
    later = ward.entered() + timedelta(minutes=16)
    monkeypatch.setattr(ward, "entry_clock", lambda: later)  # the computer's clock does
    assert login(ward, "charge.test", PASSWORD).role == "charge_nurse"


def test_only_an_admin_resets_passwords(ward):
    with acting(ward, "charge.test"), pytest.raises(Refused, match="ask an administrator"):
        reset_password(ward, "nurse.test", "a new password 1")
    with pytest.raises(InvalidInput, match="too short"):
        reset_password(ward, "nurse.test", "short")


def test_settings_are_validated_stored_and_audited(ward):
    before = database_state(ward.path)
    for key, text, message in [("pump.refill_buffer_days", "ten", "not a valid value"),
                               ("pump.refill_buffer_days", "-3", "out of range"),
                               ("dose.window_min", "100000", "out of range"),
                               ("times.OD", "x", "clock time"),
                               ("times.TDS", "08:00", "give 3 clock times"),
                               ("print.paper", "A3", "A4 or Letter"),
                               ("nonsense", "1", "no setting 'nonsense'")]:
        with pytest.raises(InvalidInput, match=message):
            typed.set_setting(ward, key, text)
    assert database_state(ward.path) == before
    done = typed.set_setting(ward, "pump.refill_buffer_days", "10")
    assert done.value == 10 and done.changed and ward.thresholds().pump_refill_buffer_days == 10
    entry = audit.entries(ward.db, limit=1)[0]
    assert entry["action"] == "setting.change" and entry["detail"]["old"] == "7"
    assert entry["detail"]["new"] == "10" and entry["user"] == "admin"
    typed.set_setting(ward, "pump.concentrations_mcg_ml", "500, 2000")
    assert ward.thresholds().pump_concentrations_mcg_ml == (500, 2000)
    typed.set_setting(ward, "pump.refill_buffer_days", "7")  # back to the default
    assert not any(v.changed for v in settings.current(ward) if v.setting.key.endswith("buffer_days"))
    assert settings.set_ward_timezone(ward, "America/New_York") == "America/New_York"
    assert str(ward.zone) == "America/New_York"
    with pytest.raises(InvalidInput, match="not a time zone"):
        settings.set_ward_timezone(ward, "Mars/Olympus")
    with acting(ward, "nurse.test"), pytest.raises(Refused, match="ask an administrator"):
        typed.set_setting(ward, "pump.refill_buffer_days", "9")


def test_set_setting_takes_a_typed_value(ward):
    """The service takes the value as its setting keeps it; parse_value turns text into it."""
    assert settings.set_setting(ward, "pump.refill_buffer_days", 9).value == 9
    assert settings.set_setting(ward, "times.BD", ["20:00", "08:00"]).value == ["08:00", "20:00"]
    for key, value in [("pump.refill_buffer_days", "9"), ("pump.refill_buffer_days", 9.5),
                       ("pump.refill_buffer_days", True), ("times.BD", "08:00,20:00"),
                       ("pump.refill_buffer_days", -3)]:
        with pytest.raises(InvalidInput) as info:
            settings.set_setting(ward, key, value)
        assert info.value.field == key and "--" not in str(info.value)
    with pytest.raises(InvalidInput, match="There is no setting 'nonsense'") as info:
        settings.find_setting("nonsense")
    assert info.value.field == "key"


def test_audit_trail_filters_csv_and_corrections(demo_ward):
    from ward_app.services import mar

    eleni = next(r for r in __import__("ward_app.services.board", fromlist=["x"]).ward_board(
        demo_ward) if r.name == "Eleni Papadopoulou")
    done = typed.give(demo_ward, eleni.mrn, "2026-11-25T08:00+00:00",
                      at=NOW - timedelta(minutes=10))  # still in time to catch up
    mar.correct_record(demo_ward, done.record_id, "given to the wrong patient")
    entries = audit_log.search(demo_ward, patient_id=eleni.patient_id,
                               user_id=typed.uid(demo_ward, "nurse.jones", "by"))
    assert entries and all(e.mrn == eleni.mrn and e.user == "nurse.jones" for e in entries)
    fix = next(e for e in entries if e.action == "dose.entered_in_error")
    assert fix.corrects is not None and "dose.given_late by nurse.jones" in fix.corrects
    today = demo_ward.now().date()
    dated = audit_log.search(demo_ward, start=today, end=today)
    assert dated and all(e.at.date() == today for e in dated)
    with pytest.raises(InvalidInput, match="before the start"):
        audit_log.search(demo_ward, start=today, end=today - timedelta(days=1))
    rows = list(csv.reader(io.StringIO(audit_log.to_csv(entries))))
    assert rows[0] == list(audit_log.COLUMNS) and len(rows) == len(entries) + 1
    assert any("given to the wrong patient" in cell for row in rows for cell in row)
