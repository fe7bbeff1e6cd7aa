"""Push and pull: one round (``once``) and the continuous loop (``run``) the window's worker and
``ward-app sync`` use. The engine has its own SQLite connection (the file is in WAL mode, so the
window reads and writes meanwhile) and applies at most ``BATCH`` records per transaction, so a
nurse's write never waits long behind a large catch-up.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg

from ward_app.domain.clock import to_utc_text
from ward_app.storage.connection import Database
from ward_app.storage.sync import local, server
from ward_app.storage.sync.server import ServerProblem

BATCH = 500


@dataclass
class Round:
    """What one round of sync did."""

    sent: int = 0
    received: int = 0
    waiting_in: int = 0
    conflicts: list[str] = field(default_factory=list)
    patient_ids: set[int] = field(default_factory=set)
    tables: set[str] = field(default_factory=set)

    def add(self, applied: local.Applied) -> None:
        self.received += applied.applied
        self.waiting_in = applied.waiting
        self.conflicts += applied.conflicts
        self.patient_ids |= applied.patient_ids
        self.tables |= applied.tables


def _now() -> str:
    return to_utc_text(datetime.now(UTC))


def mark_offline(db: Database, problem: str) -> None:
    """The server could not be reached: offline since the last contact (kept until one works)."""
    db.execute("UPDATE sync_workstation SET offline_since = coalesce(offline_since, "
               "last_contact_at, ?), last_error = ?", [_now(), problem])


def mark_contact(db: Database) -> None:
    db.execute("UPDATE sync_workstation SET last_contact_at = ?, offline_since = NULL, "
               "last_error = NULL", [_now()])


def push_all(db: Database, conn: psycopg.Connection[Any], me: str) -> int:
    sent = 0
    while True:
        batch = local.waiting(db, limit=BATCH)
        if not batch:
            return sent
        server.push(conn, batch, me)
        local.mark_sent(db, batch)
        sent += len(batch)
        if len(batch) < BATCH:
            return sent


def pull_all(db: Database, conn: psycopg.Connection[Any], result: Round) -> None:
    while True:
        after = int(local.workstation(db)["last_pull_seq"])
        records = server.pull(conn, after, limit=BATCH)
        if not records and not local.inbox_count(db):
            return
        result.add(local.apply(db, records, last_seq=records[-1][0] if records else after))
        if len(records) < BATCH:
            return


def exchange(db: Database, conn: psycopg.Connection[Any]) -> Round:
    """Send what waits here, then apply what the others sent."""
    me = str(local.workstation(db)["id"])
    result = Round()
    result.sent = push_all(db, conn, me)
    pull_all(db, conn, result)
    local.set_peers(db, server.workstations(conn))
    mark_contact(db)
    return result


def once(db: Database, *, passfile: Path | None) -> Round:
    """One round against the server this workstation joined (ServerProblem when it cannot)."""
    url = local.workstation(db)["server_url"]
    if not url:
        raise ServerProblem("This workstation has not joined a ward server: an administrator "
                            "joins it first ('ward-app join' with the server's address).")
    try:
        with server.connect(url, passfile=passfile) as conn:
            server.check_ready(conn)
            return exchange(db, conn)
    except ServerProblem as exc:
        mark_offline(db, str(exc))
        raise
    except psycopg.Error as exc:
        problem = f"The ward server at {server.shown(url)} stopped answering: {server._first_line(exc)}"
        mark_offline(db, problem)
        raise ServerProblem(problem) from exc


@dataclass
class Loop:
    """The continuous sync: sends within ``poll`` seconds of a local change, pulls as soon as
    another workstation's send is announced (LISTEN/NOTIFY) and every ``sweep`` seconds anyway,
    and after a failure tries again after ``retry`` seconds (doubling up to ``retry_most``)."""

    db: Database
    passfile: Path | None
    on_round: Callable[[Round], None] = lambda _r: None
    on_state: Callable[[bool, str | None], None] = lambda _c, _e: None
    poll: float = 0.2
    sweep: float = 15.0
    retry: float = 2.0
    retry_most: float = 30.0
    stop: threading.Event = field(default_factory=threading.Event)

    def run(self) -> None:
        wait = self.retry
        while not self.stop.is_set():
            try:
                self._connected()
                wait = self.retry
            except ServerProblem as exc:
                mark_offline(self.db, str(exc))
                self.on_state(False, str(exc))
            except psycopg.Error as exc:
                url = local.workstation(self.db)["server_url"] or ""
                problem = (f"The ward server at {server.shown(url)} stopped answering: "
                           f"{server._first_line(exc)}")
                mark_offline(self.db, problem)
                self.on_state(False, problem)
            except sqlite3.Error as exc:
                # This workstation's file could not take a round (locked for longer than the
                # busy timeout, say): say so and try again, rather than end the worker silently.
                problem = f"This workstation's ward file could not be synced: {exc}."
                with contextlib.suppress(sqlite3.Error):
                    mark_offline(self.db, problem)
                self.on_state(False, problem)
            if self.stop.wait(wait):
                return
            wait = min(wait * 2, self.retry_most)

    def _connected(self) -> None:
        url = local.workstation(self.db)["server_url"]
        if not url:
            raise ServerProblem("This workstation has not joined a ward server.")
        with server.connect(url, passfile=self.passfile) as conn, \
                server.connect(url, passfile=self.passfile, autocommit=True) as ears:
            server.check_ready(conn)
            server.listen(ears)
            self._round(conn)
            last_sweep = time.monotonic()
            while not self.stop.is_set():
                woken = server.woken(ears, self.poll)
                due = time.monotonic() - last_sweep >= self.sweep
                if woken or due or local.waiting_count(self.db):
                    self._round(conn)
                    last_sweep = time.monotonic()

    def _round(self, conn: psycopg.Connection[Any]) -> None:
        result = exchange(self.db, conn)
        self.on_state(True, None)
        if result.received or result.sent or result.conflicts:
            self.on_round(result)
