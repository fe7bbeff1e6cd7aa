"""Setting up and looking after the ward database: init, users, check, backup."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from ward_app.domain.clock import from_utc_text, ward_zone
from ward_app.domain.errors import InvalidInput, Refused
from ward_app.domain.roles import Action
from ward_app.domain.text import clean_text
from ward_app.services.auth import check_password_strength, hash_password
from ward_app.services.changes import Kind
from ward_app.services.context import Actor, Context, system_clock
from ward_app.storage import audit, guards, people
from ward_app.storage.backup import backup_to, file_table_counts, table_counts
from ward_app.storage.connection import Database
from ward_app.storage.database import (
    applied_names,
    build_new,
    connect,
    foreign_keys_on,
    integrity_problems,
    is_wal_file,
    journal_mode,
    open_database,
    pending_names,
    refuse_read_only,
    unknown_names,
)
from ward_app.storage.errors import StorageProblem, actionable_errors

ROLES = ("nurse", "charge_nurse", "pharmacist", "admin", "service")
_USER_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9._\-]{1,31}$")


def check_user_name(name: str) -> str:
    if not _USER_NAME.fullmatch(name):
        raise InvalidInput(
            "name",
            f"User name '{name}' is not valid: use 2 to 32 letters, digits, '.', '_' or '-', "
            "starting with a letter.",
        )
    return name


def check_role(role: str) -> str:
    if role not in ROLES:
        raise InvalidInput("role", f"'{role}' is not a role: use one of {', '.join(ROLES)}.")
    return role


def init_ward(
    path: Path, *, ward: str, tz: str, admin: str = "admin", admin_password: str,
    clock: Callable[[], datetime] = system_clock, drill: bool = False,
) -> Context:
    """Create a new ward database with its first ward and first admin user, whose password is
    ``admin_password`` (no account is ever passwordless); ``drill``: a drill (training) ward, which
    may be run ahead of the clock and says DRILL everywhere."""
    ward_name = " ".join(ward.split())
    if not ward_name or len(ward_name) > 60:
        raise InvalidInput("ward", "Ward name must be 1 to 60 characters.")
    ward_zone(tz)
    check_user_name(admin)
    _need_password(admin_password)
    half_made = path.exists() and path.stat().st_size > 0
    if half_made:
        db, _ = open_database(path)
        try:
            existing = people.wards(db)
        finally:
            db.close()
        if existing:
            raise Refused(
                "init.exists",
                f"{path} already holds ward '{existing[0].name}'. Nothing was changed; choose "
                "another database file for a new ward.",
            )
    with build_new(path, replace=half_made) as building:  # renamed to path once complete
        db, _ = open_database(building, create=True)
        try:
            ctx = Context(db=db, path=building, clock=clock)
            now = ctx.now()
            with ctx.write(Kind.USERS, Kind.SETTINGS, ward=True):
                ward_id = people.add_ward(db, ward_name, tz, now, drill=drill)
                user_id = people.add_user(db, admin, "admin", hash_password(admin_password), now)
                audit.record(db, at=ctx.entered(), user_id=user_id, action="init", entity="ward",
                             entity_id=ward_id, detail={"ward": ward_name, "tz": tz, "admin": admin,
                                                         "drill": drill})
            made = ctx.take_changes()
        finally:
            db.close()
    db, _ = open_database(path, check_integrity="none")
    ctx = Context(db=db, path=path, clock=clock, _changes=made)
    ctx.actor = Actor(user_id, admin, "admin")
    return ctx


def new_ward_file(path: Path) -> bool:
    """Whether ``path`` holds no ward database yet (no file, or an empty one): the window's first
    start then asks for the ward and its administrator (``init_ward``)."""
    return not path.exists() or path.stat().st_size == 0


def confirmed_password(password: str, again: str) -> str:
    """A new password typed twice (the window's forms): the same both times, and as strong as
    every password must be (``check_password_strength``); InvalidInput naming the box if not."""
    if password != again:
        raise InvalidInput("password_again", "The two passwords are not the same: type the same "
                           "password in both boxes.")
    return _need_password(password)


def _need_password(password: str | None) -> str:
    if not password:
        raise InvalidInput("password", "Every account needs a password: give one (at least 8 "
                           "characters).")
    return check_password_strength(password)


def check_new_user(ctx: Context, name: str, role: str, full_name: str | None = None) -> Actor:
    """Whether the acting user may add a user called ``name`` with ``role`` and ``full_name``
    (InvalidInput or Refused if not); returns the acting admin."""
    actor = ctx.require(Action.ADMIN)
    check_user_name(name)
    check_role(role)
    clean_text(full_name, "full-name", longest=80)
    with actionable_errors():
        if people.user_by_name(ctx.db, name):
            raise InvalidInput("name", f"There is already a user '{name}': choose another name.")
    return actor


def add_user(
    ctx: Context, name: str, role: str, password: str | None, full_name: str | None = None
) -> int:
    """Add a user with a password (required: no account is ever passwordless)."""
    actor = check_new_user(ctx, name, role, full_name)
    _need_password(password)
    now = ctx.now()
    with ctx.write(Kind.USERS) as db:
        user_id = people.add_user(db, name, role, hash_password(password or ""), now,
                                  full_name=clean_text(full_name, "full-name", longest=80))
        audit.record(db, at=ctx.entered(), user_id=actor.id, action="add", entity="user",
                     entity_id=user_id, detail={"name": name, "role": role, "password_set": True})
    return user_id


def deactivate_user(ctx: Context, name: str, reason: str) -> None:
    """A leaver: the account can no longer log in or witness; their records keep their name.
    An administrator cannot deactivate themselves, nor the last active administrator."""
    actor = ctx.require(Action.ADMIN)
    why = clean_text(reason, "reason", longest=300, label="The reason")
    if not why:
        raise InvalidInput("reason", "Say why the account is deactivated (e.g. 'left the ward').")
    row = _user_named(ctx, name)
    if row.id == actor.id:
        raise Refused("user.self", "You cannot deactivate your own account: ask another "
                      "administrator.")
    if not row.active:
        raise Refused("user.inactive", f"{row.name} is already deactivated; nothing was changed.")
    with actionable_errors():
        admins = [u for u in people.users(ctx.db) if u.role == "admin" and u.active]
    if row.role == "admin" and len(admins) <= 1:
        raise Refused("user.last_admin", f"{row.name} is the last active administrator: add "
                      "another administrator first.")
    with ctx.write(Kind.USERS) as db:
        people.set_active(db, row.id, False)
        audit.record(db, at=ctx.entered(), user_id=actor.id, action="user.deactivate",
                     entity="user", entity_id=row.id, detail={"name": row.name, "reason": why})


def reactivate_user(ctx: Context, name: str) -> None:
    """Let a deactivated user log in and witness again (audited)."""
    actor = ctx.require(Action.ADMIN)
    row = _user_named(ctx, name)
    if row.active:
        raise Refused("user.active", f"{row.name} is already active; nothing was changed.")
    with ctx.write(Kind.USERS) as db:
        people.set_active(db, row.id, True)
        audit.record(db, at=ctx.entered(), user_id=actor.id, action="user.reactivate",
                     entity="user", entity_id=row.id, detail={"name": row.name})


@dataclass(frozen=True)
class UserSummary:
    """One user as the administrator's list shows them (never the password hash)."""

    name: str
    full_name: str | None
    role: str
    active: bool
    last_login: datetime | None  # the newest log-in to the window (the command line's are not kept)
    locked: bool  # too many failed log-ins: a password reset unlocks


def user_summaries(ctx: Context) -> list[UserSummary]:
    """Every user, active or not, by name, with their last log-in (admin)."""
    ctx.require(Action.ADMIN)
    now = ctx.entered()  # lock-outs run on the real clock
    with actionable_errors():
        last = audit.latest_by_user(ctx.db, "login")
        rows = people.users(ctx.db)
        states = {u.id: people.login_state(ctx.db, u.id) for u in rows}
    out = []
    for u in sorted(rows, key=lambda u: u.name.casefold()):
        locked_until = states[u.id][1]
        locked = locked_until is not None and from_utc_text(locked_until) > now
        out.append(UserSummary(u.name, u.full_name, u.role, u.active, last.get(u.id), locked))
    return out


def _user_named(ctx: Context, name: str) -> people.UserRow:
    with actionable_errors():
        row = people.user_by_name(ctx.db, (name or "").strip())
    if row is None:
        raise InvalidInput("name", f"There is no user '{name}': give the name of an existing "
                           "user.")
    return row


@dataclass
class Health:
    path: Path
    integrity: list[str]
    applied: list[str]
    pending: list[str]
    unknown: list[str]
    journal_mode: str
    foreign_keys: bool
    counts: dict[str, int] = field(default_factory=dict)
    tampering: list[str] = field(default_factory=list)  # triggers, audit chain, settings

    @property
    def healthy(self) -> bool:
        return not (self.integrity or self.pending or self.unknown or self.tampering) and \
            self.journal_mode == "wal"

    def lines(self) -> list[str]:
        out = [
            f"database: {self.path}",
            f"integrity: {'ok' if not self.integrity else '; '.join(self.integrity[:5])}",
            f"schema: {len(self.applied)} steps applied, latest {self.applied[-1] if self.applied else '-'}",
            f"pending migrations: {', '.join(self.pending) if self.pending else 'none'}",
            f"journal mode: {self.journal_mode}; foreign keys: {'on' if self.foreign_keys else 'off'}",
        ]
        if self.unknown:
            out.append(f"made by a newer version: unknown steps {', '.join(self.unknown)}")
        out += [f"changed outside the app: {finding}" for finding in self.tampering]
        if not self.tampering and not self.unknown:
            out.append("tamper checks: triggers as made, audit chain whole, settings in range")
        if self.counts:
            out.append(
                "records: " + ", ".join(f"{k} {v}" for k, v in self.counts.items()
                                       if not k.startswith("_"))
            )
        return out


def check_database(path: Path) -> Health:
    """Look without changing anything: integrity, schema version, pending migrations."""
    if not path.exists():
        from ward_app.storage.database import NoDatabase

        raise NoDatabase(f"There is no ward database at {path}: check the database file name.")
    if is_wal_file(path):  # a rollback-journal file (a backup) can be checked where it is
        refuse_read_only(path)
    with actionable_errors():
        db = connect(path, wal=False)
        try:
            return Health(
                path=path,
                integrity=integrity_problems(db),
                applied=applied_names(db),
                pending=pending_names(db),
                unknown=unknown_names(db),
                journal_mode=journal_mode(db),
                foreign_keys=foreign_keys_on(db),
                counts=table_counts(db.conn),
                tampering=tamper_findings(db),
            )
        finally:
            db.close()


def tamper_findings(db: Database) -> list[str]:
    """What was changed outside the app: triggers dropped, changed or added, breaks in the audit
    hash chain, settings (and the ward's time zone) that are not valid values in range."""
    from ward_app.services.settings import stored_problems

    applied = applied_names(db)
    if not applied or unknown_names(db):
        return []  # not a ward database, or a newer one: said already
    found = guards.trigger_problems(db.conn, applied)
    if guards.TAMPER_STEP in applied:
        found += audit.chain_problems(db)
    return found + stored_problems(db)


def make_backup(ctx: Context, folder: Path | None = None) -> Path:
    """A consistent online copy, verified to open and match, named by the time it was taken (an
    administrator, or the service account a scheduled backup runs as)."""
    actor = ctx.require(Action.BACKUP)
    folder = folder or ctx.path.parent / "backups"
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    target = backup_to(ctx.db, folder, f"{ctx.path.stem}-{stamp}.db")
    with actionable_errors():
        same = file_table_counts(target) == table_counts(ctx.db.conn)
    if not same:
        raise StorageProblem(f"The backup {target} does not match the database; try again.")
    with ctx.write(Kind.AUDIT) as db:
        audit.record(db, at=ctx.entered(), user_id=actor.id, action="backup", entity="database",
                     detail={"file": str(target)})
    return target
