"""Several workstations on one ward, kept in step through a PostgreSQL ward server
(docs/ward-server.md): make a server, join this workstation to it, sync, and say honestly how
in step this workstation is.

The password of the ward's PostgreSQL role is never kept in the ward database or in the address
stored there: ``join`` moves it into a libpq password file that only this user can read (0600),
``pgpass`` in the user's configuration folder (``WARD_APP_PGPASS`` names another), which libpq
reads itself. The OS keyring was not chosen: a shared ward workstation's keyring is unlocked per
desktop session and is missing on a headless service account, where ``ward-app sync`` runs.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from platformdirs import user_config_dir

from ward_app.domain.clock import from_utc_text
from ward_app.domain.errors import Refused
from ward_app.domain.roles import Action
from ward_app.domain.roles import require as require_role
from ward_app.domain.text import clean_text
from ward_app.services.changes import Kind
from ward_app.services.context import Context
from ward_app.storage import audit, people
from ward_app.storage.connection import Database
from ward_app.storage.errors import actionable_errors
from ward_app.storage.sync import conflicts, local

#: After this long without a round trip to the server the window says it is offline.
STALE_AFTER = timedelta(seconds=60)


def shown(url: str) -> str:
    """The server's address as shown and stored: never with its password."""
    from ward_app.storage.sync import server

    return server.shown(url)


def passfile() -> Path:
    """The libpq password file this user's workstation keeps the ward role's password in."""
    given = os.environ.get("WARD_APP_PGPASS")
    return Path(given) if given else Path(user_config_dir("ward-app", appauthor=False)) / "pgpass"


@dataclass(frozen=True)
class SyncStatus:
    """How in step this workstation is (``sync status --json`` prints ``to_json``)."""

    joined: bool
    server: str | None
    workstation: str
    workstation_name: str
    connected: bool
    pending_push: int
    waiting_in: int
    last_pull: datetime | None
    offline_since: datetime | None
    conflicts: int
    open_conflicts: int
    last_error: str | None

    def to_json(self, zone: Any) -> dict[str, Any]:
        def when(t: datetime | None) -> str | None:
            return t.astimezone(zone).isoformat(timespec="seconds") if t else None

        return {"server": self.server, "connected": self.connected,
                "pending_push": self.pending_push, "last_pull": when(self.last_pull),
                "conflicts": self.conflicts, "open_conflicts": self.open_conflicts,
                "offline_since": when(self.offline_since), "waiting_in": self.waiting_in,
                "workstation": self.workstation, "workstation_name": self.workstation_name,
                "joined": self.joined, "last_error": self.last_error}


def read_status(db: Database, *, now: datetime | None = None,
                connected: bool | None = None) -> SyncStatus:
    """The state as last recorded (``connected``: what a live probe or the worker knows; else
    in step only if the last round trip was within ``STALE_AFTER``). A damaged or busy file is
    a StorageProblem, as everywhere else (the window says it once, from its own checks)."""
    with actionable_errors():
        return _read_status(db, now=now, connected=connected)


def _read_status(db: Database, *, now: datetime | None, connected: bool | None) -> SyncStatus:
    ws = local.workstation(db)
    moment = now or datetime.now(UTC)
    last = from_utc_text(ws["last_contact_at"]) if ws["last_contact_at"] else None
    since = from_utc_text(ws["offline_since"]) if ws["offline_since"] else None
    joined = bool(ws["server_url"])
    if connected is None:
        connected = joined and since is None and last is not None and moment - last <= STALE_AFTER
    if joined and not connected and since is None:
        since = last
    acked = conflicts.acked_count(db)
    total = local.conflict_count(db)
    return SyncStatus(joined=joined, server=ws["server_url"], workstation=str(ws["id"]),
                      workstation_name=str(ws["name"]), connected=bool(connected),
                      pending_push=local.waiting_count(db), waiting_in=local.inbox_count(db),
                      last_pull=last, offline_since=None if connected else since,
                      conflicts=total, open_conflicts=total - acked,
                      last_error=None if connected else ws["last_error"])


def status(ctx: Context, *, probe: bool = False) -> SyncStatus:
    """This workstation's sync state; with ``probe``, whether the server answers now."""
    connected: bool | None = None
    if probe:
        ws = local.workstation(ctx.db)
        if ws["server_url"]:
            from ward_app.storage.sync import server

            try:
                with server.connect(ws["server_url"], passfile=passfile()) as conn, \
                        server.answering(ws["server_url"]):
                    server.check_ready(conn)
                connected = True
            except server.ServerProblem:
                connected = False
    return read_status(ctx.db, now=datetime.now(UTC), connected=connected)


def init_server(ctx: Context, url: str, *, grant: str | None = None) -> list[str]:
    """Create or update the ward's schema on the server (admin); the steps applied now."""
    from ward_app.storage.sync import server

    require_role(ctx.require_actor().role, Action.ADMIN)
    wards = [w.name for w in people.wards(ctx.db)]
    with server.connect(url, passfile=passfile()) as conn, server.answering(url):
        done = server.init(conn, wards=wards, grant=grant)
    with ctx.write(Kind.AUDIT):
        audit.record(ctx.db, at=ctx.entered(), user_id=ctx.require_actor().id,
                     action="ward_server_init", entity="ward", detail={
                         "server": server.shown(url), "steps": done, "grant": grant})
    return done


@dataclass(frozen=True)
class Joined:
    server: str
    sent: int
    received: int
    conflicts: int


def join(ctx: Context, url: str, *, name: str | None = None) -> Joined:
    """Make this workstation's database a replica of the ward on ``url``: send everything it has,
    receive the rest. An admin joins a database in use; a new, empty one needs no one."""
    from ward_app.storage.sync import engine, server

    if ctx.actor is not None:
        require_role(ctx.actor.role, Action.ADMIN)
    elif people.users(ctx.db):
        raise Refused("identity", "Joining a ward database in use needs an administrator: say who is acting.")
    address, password = server.split_password(url)
    with server.connect(url, passfile=passfile()) as conn, server.answering(url):
        server.check_ready(conn)
        theirs = server.server_wards(conn)
        ours = [w.name for w in people.wards(ctx.db)]
        if ours and theirs and not {w.casefold() for w in ours} & {w.casefold() for w in theirs}:
            raise Refused("ward", f"This database is for {', '.join(ours)} but the server at "
                          f"{address} keeps {', '.join(theirs)}: join that ward's server.")
        if password is not None:
            server.save_password(passfile(), address, password)
        if name is not None:
            local.set_state(ctx.db, name=clean_text(name, "name", label="workstation name", longest=60,
                                                    required=True))
        ws = local.workstation(ctx.db)
        server.register(conn, str(ws["id"]), str(ws["name"]))
        local.set_state(ctx.db, server_url=address,
                        joined_at=datetime.now(UTC).isoformat(timespec="seconds"))
        with ctx.write(Kind.AUDIT, ward=True):
            audit.record(ctx.db, at=ctx.entered(), user_id=ctx.actor.id if ctx.actor else None,
                         action="ward_server_joined", entity="ward",
                         detail={"server": address, "workstation": ws["name"]})
        result = engine.exchange(ctx.db, conn)
    return Joined(server=address, sent=result.sent, received=result.received,
                  conflicts=len(result.conflicts))


def sync_once(ctx: Context) -> Any:
    """One round: send what waits here, apply what the others sent (ServerProblem, exit 3, when
    the server cannot be reached; the waiting records stay waiting)."""
    from ward_app.storage.sync import engine

    return engine.once(ctx.db, passfile=passfile())


def run(ctx: Context, *, on_round: Any = None, on_state: Any = None) -> Any:
    """Sync continuously until interrupted (returns the loop, whose ``stop`` event ends it)."""
    from ward_app.storage.sync import engine

    loop = engine.Loop(ctx.db, passfile(), on_round=on_round or (lambda _r: None),
                       on_state=on_state or (lambda _c, _e: None))
    return loop


class Background:
    """The window's sync: ``run()`` (on a worker thread) opens its own connection to the ward
    file, syncs until ``stop()``, and closes it. ``on_round(Round)`` is called after a round that
    sent or received something (``Round.patient_ids``: whose records arrived), ``on_state(
    connected, problem)`` whenever the server's state is known; both on the worker thread."""

    def __init__(self, path: Path, *, on_round: Any, on_state: Any) -> None:
        import threading

        self.path = Path(path)
        self.on_round = on_round
        self.on_state = on_state
        self._stop = threading.Event()

    def joined(self) -> bool:
        from ward_app.storage.database import connect

        db = connect(self.path, wal=False)
        try:
            return bool(local.workstation(db)["server_url"])
        finally:
            db.close()

    def run(self) -> None:
        from ward_app.storage.database import connect
        from ward_app.storage.sync import engine

        db = connect(self.path)
        try:
            engine.Loop(db, passfile(), on_round=self.on_round, on_state=self.on_state,
                        stop=self._stop).run()
        finally:
            db.close()

    def stop(self) -> None:
        self._stop.set()


def offline_line(db: Database, zone: Any, now: datetime | None = None) -> str | None:
    """What a printed sheet says when this workstation is not in step with the ward server
    (None when it is, or has not joined one)."""
    st = read_status(db, now=now)
    if not st.joined or st.connected:
        return None
    if st.offline_since is None:
        return ("Offline: this workstation has not reached the ward server yet: other "
                "workstations' records are missing.")
    since = st.offline_since.astimezone(zone)
    day = "" if (now or datetime.now(UTC)).astimezone(zone).date() == since.date() else \
        since.strftime(" %a %d %b")
    return (f"Offline since {since:%H:%M}{day}: other workstations' records after that are "
            "missing.")


def has_users(path: Path) -> bool:
    """Whether the database at ``path`` has any user (a new workstation's has none)."""
    from ward_app.storage.database import connect

    db = connect(path, wal=False)
    try:
        return "users" in db.table_names() and bool(people.users(db))
    finally:
        db.close()
