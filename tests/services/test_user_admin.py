"""What the window's first start and Users dialog rely on: a new ward file, a password typed twice,
and the administrator's list of users with their last log-in and lock."""

from __future__ import annotations

import pytest

from tests.conftest import ADMIN_PASSWORD, ENTRY_NOW, PASSWORD, ROLE_USERS, acting
from ward_app.domain.errors import InvalidInput, Refused
from ward_app.services.admin import (
    confirmed_password,
    deactivate_user,
    new_ward_file,
    user_summaries,
)
from ward_app.services.auth import login


def test_a_new_ward_file_is_a_missing_or_empty_one(tmp_path, ward):
    assert new_ward_file(tmp_path / "none.db")
    (tmp_path / "empty.db").write_bytes(b"")
    assert new_ward_file(tmp_path / "empty.db")
    assert not new_ward_file(ward.path)


def test_a_password_typed_twice_must_match_and_be_strong():
    assert confirmed_password("long enough", "long enough") == "long enough"
    with pytest.raises(InvalidInput) as differ:
        confirmed_password("long enough", "long enougH")
    assert differ.value.field == "password_again"
    with pytest.raises(InvalidInput, match="too short") as short:
        confirmed_password("short", "short")
    assert short.value.field == "password"
    with pytest.raises(InvalidInput, match="needs a password"):
        confirmed_password("", "")


def test_the_user_list_shows_role_active_last_log_in_and_lock(ward):
    nurse = ROLE_USERS["nurse"]
    login(ward, nurse, PASSWORD)
    login(ward, "admin", ADMIN_PASSWORD)
    for _ in range(5):
        with pytest.raises(Refused):
            login(ward, ROLE_USERS["pharmacist"], "wrong password")
    deactivate_user(ward, ROLE_USERS["charge_nurse"], "left the ward")
    users = {u.name: u for u in user_summaries(ward)}
    assert sorted(users) == sorted(["admin", *ROLE_USERS.values()])
    assert users[nurse].last_login == ENTRY_NOW and users[nurse].role == "nurse"
    assert users[ROLE_USERS["charge_nurse"]].last_login is None
    assert not users[ROLE_USERS["charge_nurse"]].active
    assert users[ROLE_USERS["pharmacist"]].locked and not users[nurse].locked
    assert not hasattr(users[nurse], "password_hash")


def test_only_an_administrator_sees_the_user_list(ward):
    with acting(ward, ROLE_USERS["charge_nurse"]), pytest.raises(Refused):
        user_summaries(ward)
