"""Wards and users: the places and the people every record is attributed to."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ward_app.domain.clock import to_utc_text
from ward_app.storage.connection import Database


@dataclass(frozen=True)
class WardRow:
    id: int
    name: str
    tz: str
    drill: bool = False  # a drill (training) ward: may run ahead of the clock, says DRILL


@dataclass(frozen=True)
class UserRow:
    id: int
    name: str
    role: str
    full_name: str | None
    password_hash: str | None
    active: bool


def add_ward(db: Database, name: str, tz: str, at: datetime, *, drill: bool = False) -> int:
    cur = db.execute(
        "INSERT INTO wards (name, tz, created_at, drill) VALUES (?, ?, ?, ?)",
        [name, tz, to_utc_text(at), int(drill)],
    )
    return int(cur.lastrowid or 0)


def wards(db: Database) -> list[WardRow]:
    return [WardRow(r[0], r[1], r[2], bool(r[3]))
            for r in db.execute("SELECT id, name, tz, drill FROM wards ORDER BY id")]


def set_ward_tz(db: Database, ward_id: int, tz: str) -> None:
    db.execute("UPDATE wards SET tz = ? WHERE id = ?", [tz, ward_id])


def ward_by_name(db: Database, name: str) -> WardRow | None:
    row = db.execute("SELECT id, name, tz, drill FROM wards WHERE name = ? COLLATE NOCASE",
                     [name]).fetchone()
    return WardRow(row[0], row[1], row[2], bool(row[3])) if row else None


_USER_COLS = "id, name, role, full_name, password_hash, active"


def _user(row: tuple | None) -> UserRow | None:
    if row is None:
        return None
    return UserRow(row[0], row[1], row[2], row[3], row[4], bool(row[5]))


def add_user(
    db: Database, name: str, role: str, password_hash: str | None, at: datetime,
    full_name: str | None = None,
) -> int:
    cur = db.execute(
        "INSERT INTO users (name, full_name, role, password_hash, created_at) VALUES (?, ?, ?, ?, ?)",
        [name, full_name, role, password_hash, to_utc_text(at)],
    )
    return int(cur.lastrowid or 0)


def user_by_name(db: Database, name: str) -> UserRow | None:
    return _user(
        db.execute(f"SELECT {_USER_COLS} FROM users WHERE name = ? COLLATE NOCASE", [name]).fetchone()
    )


def user_by_id(db: Database, user_id: int) -> UserRow | None:
    return _user(db.execute(f"SELECT {_USER_COLS} FROM users WHERE id = ?", [user_id]).fetchone())


def first_admin(db: Database) -> UserRow | None:
    return _user(
        db.execute(
            f"SELECT {_USER_COLS} FROM users WHERE role = 'admin' AND active = 1 ORDER BY id LIMIT 1"
        ).fetchone()
    )


def users(db: Database) -> list[UserRow]:
    rows = db.execute(f"SELECT {_USER_COLS} FROM users ORDER BY name").fetchall()
    return [u for u in map(_user, rows) if u is not None]


def login_state(db: Database, user_id: int) -> tuple[int, str | None]:
    """(failed log-ins in a row, locked until: UTC ISO text or None)."""
    row = db.execute("SELECT failed_logins, locked_until FROM users WHERE id = ?", [user_id]).fetchone()
    return (int(row[0]), row[1]) if row else (0, None)


def set_login_state(db: Database, user_id: int, failed: int, locked_until: str | None) -> None:
    db.execute("UPDATE users SET failed_logins = ?, locked_until = ? WHERE id = ?",
               [failed, locked_until, user_id])


def set_password(db: Database, user_id: int, password_hash: str) -> None:
    db.execute("UPDATE users SET password_hash = ?, failed_logins = 0, locked_until = NULL "
               "WHERE id = ?", [password_hash, user_id])


def set_active(db: Database, user_id: int, active: bool) -> None:
    db.execute("UPDATE users SET active = ? WHERE id = ?", [int(active), user_id])
