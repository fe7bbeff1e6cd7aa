"""Passwords: argon2id hashes only; a password is never stored, logged or printed."""

from __future__ import annotations

import unicodedata

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from ward_app.domain.errors import InvalidInput
from ward_app.services.changes import Kind
from ward_app.services.context import Actor, Context

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters

MIN_PASSWORD_LENGTH = 8


def check_password_strength(password: str) -> str:
    if any(unicodedata.category(ch) in ("Cs", "Cc") for ch in password):
        raise InvalidInput("password", "Password contains control characters or invalid text: "
                           "type it again.")
    if len(password) > 256:
        raise InvalidInput("password", "Password is too long: use at most 256 characters.")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(
            "password", f"Password too short: use at least {MIN_PASSWORD_LENGTH} characters."
        )
    if password != password.strip():
        raise InvalidInput("password", "Password starts or ends with a space: remove it.")
    return password


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    if not password_hash:
        return False
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError, UnicodeEncodeError):
        return False  # text that is not valid UTF-8 (a lone surrogate) is no one's password


def login(ctx: Context, name: str, password: str) -> Actor:
    """Check a user name and password; five failures in a row lock the account for a while.
    Every attempt is audited (never the password). Returns the user, now the acting one."""
    from datetime import timedelta

    from ward_app.domain.clock import from_utc_text, to_utc_text
    from ward_app.domain.errors import Refused
    from ward_app.storage import audit, people
    from ward_app.storage.errors import actionable_errors

    t = ctx.thresholds()
    now = ctx.now()
    wrong = Refused("login.failed", "The user name or password is not right. Check them and try "
                    "again (caps lock?).")
    with actionable_errors():
        row = people.user_by_name(ctx.db, (name or "").strip())
    if row is None or not row.active:
        with ctx.write(Kind.USERS) as db:
            audit.record(db, at=ctx.entered(), user_id=None, action="login.failed", entity="user",
                         detail={"name": (name or "")[:40], "why": "unknown or inactive user"})
        raise wrong
    failed, locked = people.login_state(ctx.db, row.id)
    if locked is not None and from_utc_text(locked) > now:
        until = from_utc_text(locked).astimezone(ctx.zone)
        raise Refused("login.locked", f"Account {row.name} is locked after too many failed "
                      f"log-ins until {until:%H:%M}: wait, or ask an administrator to reset the "
                      "password.")
    if not verify_password(row.password_hash, password):
        failed += 1
        limit = int(t.login_max_attempts)
        lock = None
        if failed >= limit:
            lock = to_utc_text(now + timedelta(minutes=float(t.login_lockout_minutes)))
        with ctx.write(Kind.USERS) as db:
            people.set_login_state(db, row.id, 0 if lock else failed, lock)
            audit.record(db, at=ctx.entered(), user_id=row.id, action="login.failed", entity="user",
                         entity_id=row.id, detail={"attempt": failed, "locked": bool(lock)})
        if lock:
            raise Refused("login.locked", f"Too many failed log-ins: account {row.name} is locked "
                          f"for {float(t.login_lockout_minutes):g} minutes.")
        raise wrong
    with ctx.write(Kind.USERS) as db:
        people.set_login_state(db, row.id, 0, None)
        audit.record(db, at=ctx.entered(), user_id=row.id, action="login", entity="user", entity_id=row.id)
    ctx.actor = Actor(row.id, row.name, row.role)
    return ctx.actor


def reset_password(ctx: Context, name: str, password: str) -> None:
    """An administrator sets a new password for a user (and unlocks the account)."""
    from ward_app.domain.roles import Action
    from ward_app.storage import audit, people
    from ward_app.storage.errors import actionable_errors

    actor = ctx.require(Action.ADMIN)
    check_password_strength(password)
    with actionable_errors():
        row = people.user_by_name(ctx.db, name)
    if row is None:
        raise InvalidInput("name", f"There is no user '{name}'.")
    with ctx.write(Kind.USERS) as db:
        people.set_password(db, row.id, hash_password(password))
        audit.record(db, at=ctx.entered(), user_id=actor.id, action="user.reset_password", entity="user",
                     entity_id=row.id, detail={"name": row.name})
