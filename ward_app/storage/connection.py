"""The ward database connection: the few calls the repositories make, on plain ``sqlite3``.

sqlite-utils stays the schema's tool (its ``Migrations`` registry, storage/migrations.py), but
importing it costs about 0.14 s (it pulls in dateutil and pluggy), a sixth of the window's
start-up. Opening an up-to-date ward, reading it and writing records need none of it, so the
repositories use this class and sqlite-utils is imported only when schema steps are applied
(``as_sqlite_utils``). The connection is in autocommit mode (``isolation_level=None``): a
statement outside BEGIN ... COMMIT is its own transaction, exactly as sqlite-utils' ``execute``
behaves on such a connection.
"""

from __future__ import annotations

import contextlib
import secrets
import sqlite3
from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import sqlite_utils


class Database:
    """One open ward database (``conn`` is the sqlite3 connection, autocommit mode)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def execute(self, sql: str,
                parameters: Sequence[Any] | Mapping[str, Any] | None = None) -> sqlite3.Cursor:
        if parameters is None:
            return self.conn.execute(sql)
        return self.conn.execute(sql, parameters)

    def table_names(self) -> list[str]:
        return [r[0] for r in self.conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]

    @contextlib.contextmanager
    def atomic(self) -> Iterator[Database]:
        """A transaction, or a savepoint inside one (as sqlite-utils' ``atomic``)."""
        if not self.conn.in_transaction:
            self.conn.execute("BEGIN")
            try:
                yield self
            except BaseException:
                if self.conn.in_transaction:
                    self.conn.execute("ROLLBACK")
                raise
            self.conn.execute("COMMIT")
            return
        savepoint = f"ward_app_{secrets.token_hex(8)}"
        self.conn.execute(f"SAVEPOINT {savepoint}")
        try:
            yield self
        except BaseException:
            # a RAISE(ROLLBACK) trigger can end the whole transaction, savepoint included
            if self.conn.in_transaction:
                self.conn.execute(f"ROLLBACK TO SAVEPOINT {savepoint}")
                self.conn.execute(f"RELEASE SAVEPOINT {savepoint}")
            raise
        self.conn.execute(f"RELEASE SAVEPOINT {savepoint}")

    def as_sqlite_utils(self) -> sqlite_utils.Database:
        """The same connection seen through sqlite-utils (imported now), for the migrations."""
        from ward_app.storage import quiet_sqlite_utils

        return quiet_sqlite_utils().Database(self.conn, execute_plugins=False)

    def close(self) -> None:
        self.conn.close()
