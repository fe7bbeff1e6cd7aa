"""Passwords: argon2id hashes only; a password is never stored, logged or printed.

A password is NFKC-normalised when it is set and when it is checked, so the same characters typed
on another keyboard or input method (a ligature, a full-width digit) still match; a hash made
before normalisation, from the raw text, still verifies. A user name that matches no one costs the
same argon2 work as a real one, and is audited without the typed name (it may be a password typed
into the wrong box). Every failed attempt, by the acting user or by a witness, is audited and
counts toward that account's lockout.
"""

from __future__ import annotations

import unicodedata
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from ward_app.domain.errors import InvalidInput, Refused
from ward_app.domain.roles import Action, can, why_not
from ward_app.services.changes import Kind
from ward_app.services.context import Actor, Context
from ward_app.storage.people import UserRow

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters

MIN_PASSWORD_LENGTH = 8


def normal(password: str) -> str:
    """The form a password is hashed and checked in (NFKC)."""
    return unicodedata.normalize("NFKC", password)


def check_password_strength(password: str) -> str:
    if any(unicodedata.category(ch) in ("Cs", "Cc") for ch in password):
        raise InvalidInput("password", "Password contains control characters or invalid text: "
                           "type it again.")
    if len(normal(password)) > 256:
        raise InvalidInput("password", "Password is too long: use at most 256 characters.")
    if len(normal(password)) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(
            "password", f"Password too short: use at least {MIN_PASSWORD_LENGTH} characters."
        )
    if password != password.strip():
        raise InvalidInput("password", "Password starts or ends with a space: remove it.")
    return password


def hash_password(password: str) -> str:
    return _hasher.hash(normal(password))


_dummy_hash: list[str] = []


def dummy_verify() -> None:
    """The argon2 work a real check costs, for a user name that matches no one (timing)."""
    if not _dummy_hash:
        _dummy_hash.append(_hasher.hash("not anyone's password"))
    try:
        _hasher.verify(_dummy_hash[0], "a wrong guess")
    except VerificationError:
        pass


def verify_password(password_hash: str | None, password: str) -> bool:
    if not password_hash:
        dummy_verify()
        return False
    try:
        candidates = dict.fromkeys((normal(password), password))  # NFKC first; raw: older hashes
    except (TypeError, ValueError):
        return False
    for candidate in candidates:
        try:
            if _hasher.verify(password_hash, candidate):
                return True
        except VerificationError:
            continue
        except (InvalidHashError, UnicodeEncodeError):
            return False  # text that is not valid UTF-8 (a lone surrogate) is no one's password
    return False


def _wrong_login() -> Refused:
    return Refused("login.failed", "The user name or password is not right. Check them and try "
                   "again (caps lock?).")


def _prove(ctx: Context, row: UserRow, password: str | None, *, failed_action: str,
           wrong: Refused) -> None:
    """Check ``row``'s password (a users row): refused when the account is locked or deactivated,
    or the password is missing or wrong. A failure is audited as ``failed_action`` and a wrong
    password counts toward the account's lockout (five in a row lock it for a while)."""
    from ward_app.domain.clock import from_utc_text, to_utc_text
    from ward_app.storage import audit, people

    t = ctx.thresholds()
    now = ctx.entered()  # lock-outs run on the real clock, whatever --now says
    failed, locked = people.login_state(ctx.db, row.id)
    until = from_utc_text(locked) if locked is not None else None
    state: tuple[int, str | None] | None = None  # the failed count and lock to store, if changed
    refusal = wrong
    if until is not None and until > now:
        detail: dict = {"why": "locked"}
        refusal = Refused("login.locked", f"Account {row.name} is locked after too many failed "
                          f"log-ins until {until.astimezone(ctx.zone):%H:%M}: wait, or ask an "
                          "administrator to reset the password.")
    elif not verify_password(row.password_hash, password or ""):
        if row.active:
            failed += 1
            lock = None
            if failed >= int(t.login_max_attempts):
                lock = to_utc_text(now + timedelta(minutes=float(t.login_lockout_minutes)))
                refusal = Refused("login.locked", f"Too many failed log-ins: account {row.name} "
                                  f"is locked for {float(t.login_lockout_minutes):g} minutes.")
            state = (0 if lock else failed, lock)
            detail = {"attempt": failed, "locked": bool(lock),
                      **({} if password else {"why": "no password"})}
        else:
            detail = {"why": "deactivated"}
    elif not row.active:  # only someone who knows the password learns it was deactivated
        detail = {"why": "deactivated"}
        refusal = Refused("login.inactive", f"Account {row.name} has been deactivated: ask an "
                          "administrator.")
    else:
        if failed or locked:
            with ctx.write(Kind.USERS) as db:
                people.set_login_state(db, row.id, 0, None)
        return
    with ctx.write(Kind.USERS) as db:
        if state is not None:
            people.set_login_state(db, row.id, *state)
        audit.record(db, at=ctx.entered(), user_id=row.id, action=failed_action, entity="user",
                     entity_id=row.id, detail=detail)
    raise refusal


def login(ctx: Context, name: str, password: str | None, *, needs: Action | None = Action.READ,
          audit_success: bool = True) -> Actor:
    """Check a user name and password; five failures in a row lock the account for a while.
    A locked or deactivated account cannot log in, nor one whose role may not do ``needs`` (the
    service account may only make backups). Every failed attempt is audited (never the password,
    nor a name that matches no user); a successful one too unless ``audit_success`` is false (the
    command line, which logs in for every command). Returns the user, now the acting one."""
    from ward_app.storage import audit, people
    from ward_app.storage.errors import actionable_errors

    with actionable_errors():
        row = people.user_by_name(ctx.db, (name or "").strip())
        if row is None:
            dummy_verify()
            with ctx.write(Kind.USERS) as db:
                audit.record(db, at=ctx.entered(), user_id=None, action="login.failed", entity="user",
                             detail={"why": "unknown user"})
            raise _wrong_login()
        _prove(ctx, row, password, failed_action="login.failed", wrong=_wrong_login())
    if needs is not None and not can(row.role, needs):
        raise Refused("role.forbidden", why_not(row.role, needs) or "")
    if audit_success:
        with ctx.write(Kind.USERS) as db:
            audit.record(db, at=ctx.entered(), user_id=row.id, action="login", entity="user",
                         entity_id=row.id)
    ctx.actor = Actor(row.id, row.name, row.role)
    return ctx.actor


def prove_witness(ctx: Context, row: UserRow, password: str | None) -> None:
    """A witness (a users row) types their own password: refused when it is missing or wrong, or
    the account is locked or deactivated; audited as ``witness.failed`` and counted toward the
    witness's lockout."""
    from ward_app.storage.errors import actionable_errors

    wrong = Refused("witness.password", f"The witness password for {row.name} is not right: "
                    "the witness types their own password.")
    with actionable_errors():
        _prove(ctx, row, password, failed_action="witness.failed", wrong=wrong)


def reset_password(ctx: Context, name: str, password: str) -> None:
    """An administrator sets a new password for a user (and unlocks the account)."""
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
