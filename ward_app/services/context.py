"""Who is acting, on which database, at what moment: passed in, never global."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ward_app.storage.connection import Database

import contextlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from zoneinfo import ZoneInfo

from ward_app.domain.errors import InvalidInput, Refused
from ward_app.domain.roles import Action, can, why_not
from ward_app.domain.roles import require as require_role
from ward_app.domain.rules import Thresholds
from ward_app.domain.text import lookup_text
from ward_app.services.changes import NONE, Changes, Kind
from ward_app.storage import patients, people, settings
from ward_app.storage.backup import damaged_advice
from ward_app.storage.database import open_database, transaction
from ward_app.storage.errors import StorageProblem, actionable_errors


def system_clock() -> datetime:
    return datetime.now(UTC)


def real_clock() -> datetime:
    """The system clock, read for entry times (looked up at each call, so a test can freeze it)."""
    return datetime.now(UTC)


def default_entry_clock() -> datetime:
    """The default entry clock: when a record is entered. No option sets it."""
    return real_clock()


@dataclass(frozen=True)
class Actor:
    id: int
    name: str
    role: str


@dataclass
class Context:
    """The database, the clock and the acting user for one command or one window."""

    db: Database
    path: Path
    clock: Callable[[], datetime] = system_clock
    #: When records are entered (the system clock): never the act time ``clock`` gives.
    entry_clock: Callable[[], datetime] = default_entry_clock
    actor: Actor | None = None
    _zone: tzinfo | None = field(default=None, repr=False)
    _changes: Changes = field(default=NONE, repr=False)  # committed, not yet taken
    _pending: Changes = field(default=NONE, repr=False)  # in the open transaction

    def now(self) -> datetime:
        """When the act happened (``--now`` on the command line; else the system clock)."""
        return self.clock()

    def entered(self) -> datetime:
        """When the record is entered: the system clock, whatever the act time."""
        return self.entry_clock()

    @property
    def zone(self) -> tzinfo:
        """The ward's time zone (the first ward's; UTC before any ward exists)."""
        if self._zone is None:
            wards = people.wards(self.db)
            self._zone = ZoneInfo(wards[0].tz) if wards else UTC
        return self._zone

    def thresholds(self) -> Thresholds:
        """The settings in force: shipped defaults overlaid with the ward's stored values."""
        with actionable_errors():
            return Thresholds.defaults().with_overrides(settings.stored(self.db))

    def require_actor(self) -> Actor:
        if self.actor is None:
            raise Refused(
                "user.required", "No user is acting: sign in, or name who is acting."
            )
        return self.actor

    def require(self, action: Action) -> Actor:
        """The acting user, if their role may do ``action`` (else Refused, exit 1)."""
        actor = self.require_actor()
        require_role(actor.role, action)
        return actor

    def can(self, action: Action) -> bool:
        return self.actor is not None and can(self.actor.role, action)

    def why_not(self, action: Action) -> str | None:
        if self.actor is None:
            return "No user is logged in."
        return why_not(self.actor.role, action)

    @contextlib.contextmanager
    def write(self, *what: Kind | int | None, ward: bool = False) -> Iterator[Database]:
        """One transaction for one use-case (see ``_transaction``), saying what it changes: kinds
        and patient ids, e.g. ``ctx.write(Kind.DOSES, patient.id)``; ``ward=True`` for every
        patient. What a committed transaction wrote waits in ``take_changes()``; what was rolled
        back is forgotten."""
        outermost = not self.db.conn.in_transaction
        self.wrote(*what)
        if ward:
            self._pending |= Changes(ward=True)
        try:
            with self._transaction() as db:
                # checked inside the transaction: a discharge saved on another workstation a
                # moment ago is seen (the write lock is held from here to the commit)
                self._refuse_discharged(p for p in what if isinstance(p, int))
                yield db
        except BaseException:
            if outermost:
                self._pending = NONE
            raise
        if outermost:
            self._changes, self._pending = self._changes | self._pending, NONE

    def _refuse_discharged(self, patient_ids: Iterable[int]) -> None:
        """A discharged patient's record is read-only (clinical-rules §11): every write that
        names a patient (a dose, observations, an order, a pump record, a bed, an
        acknowledgement) is refused here, once for every use-case, with one sentence."""
        ids = list(patient_ids)
        if not ids:
            return
        for patient in patients.discharged_among(self.db, ids):
            raise Refused("patient.discharged", patient.read_only_reason(self.zone) or "")

    def wrote(self, *what: Kind | int | None) -> None:
        """Inside a write: add what is only known once written (a new patient's id)."""
        self._pending |= Changes.of(*(k for k in what if isinstance(k, Kind)),
                                    patients=(p for p in what if isinstance(p, int)))

    def take_changes(self) -> Changes:
        """What the writes committed since the last call changed (then forgotten)."""
        changes, self._changes = self._changes, NONE
        return changes

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[Database]:
        """One transaction for one use-case: all of it is saved, or none of it.

        The outermost write takes the write lock at once (BEGIN IMMEDIATE), so two workstations
        checking then writing the same thing are serialised (waiting up to busy_timeout) instead
        of both passing the check; nested writes become savepoints.
        """
        with actionable_errors(), transaction(self.db):
            yield self.db

    def close(self) -> None:
        self.db.close()


def open_context(
    path: Path, *, user: str | None = None, clock: Callable[[], datetime] = system_clock,
    create: bool = False, check_integrity: bool | str = True,
) -> Context:
    """Open the database with ``user`` as the acting user (no one when None). The name is trusted
    here: the front ends prove who is acting first (``services.auth.login``)."""
    try:
        db, _report = open_database(path, create=create, check_integrity=check_integrity)
    except StorageProblem as exc:
        if exc.damaged:
            raise StorageProblem(str(exc) + damaged_advice(Path(path)), damaged=True) from exc
        raise
    ctx = Context(db=db, path=Path(path), clock=clock)
    try:
        ctx.actor = resolve_actor(ctx, user)
    except BaseException:
        db.close()
        raise
    return ctx


def resolve_actor(ctx: Context, name: str | None) -> Actor | None:
    """The active user called ``name`` (None for no name: there is no default user)."""
    if not name:
        return None
    with actionable_errors():
        name = lookup_text(name, "user")
        row = people.user_by_name(ctx.db, name)
    if row is None or not row.active:
        raise InvalidInput(
            "user", f"There is no user '{name}': give the name of an existing user."
        )
    return Actor(row.id, row.name, row.role)


__all__ = ["Actor", "Context", "StorageProblem", "default_entry_clock", "open_context", "real_clock",
           "system_clock"]
