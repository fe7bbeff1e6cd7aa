from __future__ import annotations

import sqlite3

import pytest

from tests.conftest import ADMIN_PASSWORD, acting, fixed_clock
from ward_app.domain.errors import InvalidInput, Refused
from ward_app.services import admin
from ward_app.services.auth import verify_password
from ward_app.storage import people
from ward_app.storage.backup import table_counts


def test_init_creates_ward_and_admin(ward):
    assert [(w.name, w.tz) for w in people.wards(ward.db)] == [("Ward 7", "Europe/London")]
    assert people.first_admin(ward.db).name == "admin"


def test_init_refuses_an_existing_ward_and_bad_input(ward, db_path, tmp_path):
    with pytest.raises(Refused, match="already holds ward 'Ward 7'"):
        admin.init_ward(db_path, ward="Ward 8", tz="Europe/London",
                        admin_password=ADMIN_PASSWORD, clock=fixed_clock)
    for kwargs, field in [({"ward": "", "tz": "UTC"}, "ward"),
                          ({"ward": "W", "tz": "Nowhere/Town"}, "tz"),
                          ({"ward": "W", "tz": "UTC", "admin": "1bad"}, "name")]:
        with pytest.raises(InvalidInput) as info:
            admin.init_ward(tmp_path / "new.db", admin_password=ADMIN_PASSWORD, clock=fixed_clock, **kwargs)
        assert info.value.field == field
        assert not (tmp_path / "new.db").exists()


def test_users_passwords_are_argon2id_hashes(ward):
    admin.add_user(ward, "nurse.jones", "nurse", "correct horse")
    row = people.user_by_name(ward.db, "NURSE.JONES")
    assert row.role == "nurse" and row.password_hash.startswith("$argon2id$")
    assert "correct horse" not in row.password_hash
    assert verify_password(row.password_hash, "correct horse")
    assert not verify_password(row.password_hash, "wrong horse")
    with pytest.raises(InvalidInput, match="already a user"):
        admin.add_user(ward, "nurse.jones", "nurse", "another password")
    with pytest.raises(InvalidInput, match="not a role"):
        admin.add_user(ward, "x.y", "surgeon", "long enough")
    for missing in (None, ""):  # no account is ever passwordless
        with pytest.raises(InvalidInput, match="Every account needs a password"):
            admin.add_user(ward, "x.y", "nurse", missing)
    with pytest.raises(InvalidInput, match="at least 8"):
        admin.add_user(ward, "x.y", "nurse", "short")


def test_backup_opens_and_matches(demo_ward, tmp_path):
    with acting(demo_ward, "admin"):
        target = admin.make_backup(demo_ward, tmp_path / "copies")
    assert target.parent == tmp_path / "copies" and target.suffix == ".db"
    copy = sqlite3.connect(target)
    try:
        assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        source = table_counts(demo_ward.db.conn)
        copied = table_counts(copy)
        assert copied["patients"] == 24
        # The live database has one more audit row: the backup itself was audited afterwards (an
        # audit row gets its sync id at the next sync round, so sync_rows are the same).
        assert {**copied, "audit": copied["audit"] + 1} == source
    finally:
        copy.close()


def test_check_reports_a_healthy_database(demo_ward, db_path):
    health = admin.check_database(db_path)
    assert health.healthy and health.integrity == [] and health.pending == []
    assert health.journal_mode == "wal" and health.counts["patients"] == 24
