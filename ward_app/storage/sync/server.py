"""The ward server: PostgreSQL through psycopg 3 (no ORM).

The server keeps one append-only log of records, ``records``: every record and every version of a
changing row any workstation sent, in the order they arrived (``seq``). A workstation sends what it
has not sent (a record already there is not added twice: ``(gid, hlc)`` is unique) and pulls
everything after the last ``seq`` it applied. Sends are serialised by a transaction-level advisory
lock, so ``seq`` is also commit order and a pull never skips a record still being committed.
A NOTIFY on ``ward_records`` after each send wakes the other workstations' pulls.

The schema has its own numbered steps (``STEPS``), recorded in ``ward_server_migrations``.
It is created in the first schema on the connection's search_path: one database per ward, or
one schema per ward with ``options=-csearch_path%3Dward_7`` in the URL (docs/ward-server.md).
"""

from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit, urlunsplit

import psycopg
import psycopg.sql
from psycopg.types.json import Jsonb

from ward_app.storage.errors import StorageProblem
from ward_app.storage.sync.local import Wire

CHANNEL = "ward_records"
CONNECT_TIMEOUT_S = 3

#: The server schema's steps, in order; each is applied once, in one transaction with its record.
STEPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("s001_records", (
        """CREATE TABLE ward_info (
            key text PRIMARY KEY,
            value text NOT NULL
        )""",
        """CREATE TABLE workstations (
            id uuid PRIMARY KEY,
            name text NOT NULL,
            joined_at timestamptz NOT NULL DEFAULT now(),
            last_seen timestamptz
        )""",
        """CREATE TABLE records (
            seq bigserial PRIMARY KEY,
            gid uuid NOT NULL,
            tbl text NOT NULL,
            origin uuid NOT NULL,
            hlc text NOT NULL,
            base text,
            deleted boolean NOT NULL DEFAULT false,
            data jsonb NOT NULL,
            received_at timestamptz NOT NULL DEFAULT now(),
            UNIQUE (gid, hlc)
        )""",
        "CREATE INDEX records_tbl ON records (tbl, seq)",
        """CREATE FUNCTION records_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN RAISE EXCEPTION 'ward records are append-only'; END $$""",
        """CREATE TRIGGER records_no_change BEFORE UPDATE OR DELETE ON records
            FOR EACH ROW EXECUTE FUNCTION records_append_only()""",
    )),
)


class ServerProblem(StorageProblem):
    """The ward server cannot be used as asked (one sentence saying what to do; exit 3)."""


# --- addresses and passwords ------------------------------------------------------------------

def split_password(url: str) -> tuple[str, str | None]:
    """(the URL without its password, the password or None): the password may be in the address
    (ROLE:PASSWORD@) or a ``password=`` parameter (libpq takes both); neither is kept."""
    parts = urlsplit(url)
    if parts.scheme not in ("postgresql", "postgres"):
        raise ServerProblem(f"An address starting '{parts.scheme or url[:12]}' is not a PostgreSQL "
                            "address: give postgresql://ROLE@HOST/DATABASE.")
    query = parse_qsl(parts.query, keep_blank_values=True)
    given = [v for k, v in query if k == "password"]
    if parts.password is None and not given:
        return url, None
    password = unquote(parts.password) if parts.password is not None else given[-1]
    netloc = parts.netloc
    if parts.password is not None:
        user = quote(unquote(parts.username or ""), safe="")
        host = parts.hostname or ""
        if ":" in host:
            host = f"[{host}]"
        netloc = f"{user}@{host}" + (f":{parts.port}" if parts.port else "")
    rest = urlencode([(k, v) for k, v in query if k != "password"], quote_via=quote)
    return urlunsplit(parts._replace(netloc=netloc, query=rest)), password


def shown(url: str) -> str:
    """The address as shown and stored: never with a password."""
    return split_password(url)[0]


def save_password(passfile: Path, url: str, password: str) -> None:
    """Add or replace this server's line in a libpq password file, kept 0600 (libpq ignores a
    password file that others can read)."""
    parts = urlsplit(url)
    fields = [parts.hostname or "localhost", str(parts.port or 5432),
              (parts.path or "/").lstrip("/") or "*", unquote(parts.username or "*")]

    def esc(text: str) -> str:
        return text.replace("\\", "\\\\").replace(":", "\\:")

    prefix = ":".join(esc(f) for f in fields) + ":"
    passfile.parent.mkdir(parents=True, exist_ok=True)
    lines = passfile.read_text(encoding="utf-8").splitlines() if passfile.exists() else []
    lines = [line for line in lines if not line.startswith(prefix)] + [prefix + esc(password)]
    fd = os.open(passfile, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write("\n".join(lines) + "\n")
    os.chmod(passfile, stat.S_IRUSR | stat.S_IWUSR)


# --- connections ------------------------------------------------------------------------------

def connect(url: str, *, passfile: Path | None = None, autocommit: bool = True) -> psycopg.Connection[Any]:
    """A connection to the ward server, or ServerProblem saying why not (in one sentence).

    In autocommit mode: each function here that writes opens its own ``conn.transaction()``, which
    then commits when it ends. (Without autocommit the first plain read opens a transaction that
    lasts the whole connection: every later ``transaction()`` is only a savepoint in it, so a push
    would be marked sent here long before the server commits it, and the loop's pushes, and the
    advisory lock they hold, would never be committed or released while it runs.)"""
    extra: dict[str, Any] = {"connect_timeout": CONNECT_TIMEOUT_S,
                             "application_name": "ward-app"}
    if passfile is not None and passfile.exists():
        extra["passfile"] = str(passfile)
    try:
        return psycopg.connect(url, autocommit=autocommit, **extra)
    except psycopg.OperationalError as exc:
        raise ServerProblem(f"The ward server at {shown(url)} cannot be reached: "
                            f"{_first_line(exc)}") from exc


@contextlib.contextmanager
def answering(url: str) -> Iterator[None]:
    """Turn what the server answers badly into ServerProblem (one sentence, exit 3)."""
    try:
        yield
    except psycopg.errors.InsufficientPrivilege as exc:
        role = unquote(urlsplit(url).username or "") or "this role"
        raise ServerProblem(f"The PostgreSQL role {role} may not use the ward's tables on "
                            f"{shown(url)}: the server's owner grants it when running 'ward-app "
                            f"server init' ({_first_line(exc)})") from exc
    except psycopg.Error as exc:
        raise ServerProblem(f"The ward server at {shown(url)} stopped answering: "
                            f"{_first_line(exc)}") from exc


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    line = (text[-1] if text else type(exc).__name__).strip()
    return line if line.endswith((".", "?", "!")) else line + "."


def applied_steps(conn: psycopg.Connection[Any]) -> list[str]:
    exists = conn.execute("SELECT to_regclass('ward_server_migrations')").fetchone()
    if not exists or exists[0] is None:
        return []
    return [r[0] for r in conn.execute("SELECT name FROM ward_server_migrations ORDER BY name")]


def init(conn: psycopg.Connection[Any], *, wards: Sequence[str], grant: str | None = None) -> list[str]:
    """Create (or bring up to date) the ward's schema; the steps applied now (ServerProblem, in
    one sentence, when the role may not create tables or the role to grant to does not exist)."""
    try:
        return _init(conn, wards=wards, grant=grant)
    except psycopg.errors.UndefinedObject as exc:
        raise ServerProblem(f"The role '{grant}' does not exist on the ward server: create it "
                            "first (CREATE ROLE ... LOGIN PASSWORD ...). Nothing was created.") from exc
    except psycopg.errors.InsufficientPrivilege as exc:
        raise ServerProblem("This PostgreSQL role may not create the ward's tables there: use the "
                            f"ward database's owner ({_first_line(exc)}) Nothing was created.") from exc


def _init(conn: psycopg.Connection[Any], *, wards: Sequence[str], grant: str | None) -> list[str]:
    done: list[str] = []
    with conn.transaction():
        conn.execute("CREATE TABLE IF NOT EXISTS ward_server_migrations ("
                     "name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())")
        have = set(applied_steps(conn))
        for name, statements in STEPS:
            if name in have:
                continue
            for sql in statements:
                conn.execute(sql)  # type: ignore[arg-type]
            conn.execute("INSERT INTO ward_server_migrations (name) VALUES (%s)", [name])
            done.append(name)
        known = conn.execute("SELECT value FROM ward_info WHERE key = 'wards'").fetchone()
        names = sorted({*(known[0].split("\n") if known and known[0] else []), *wards})
        conn.execute("INSERT INTO ward_info (key, value) VALUES ('wards', %s) ON CONFLICT (key) "
                     "DO UPDATE SET value = excluded.value", ["\n".join(names)])
        if grant:
            role = psycopg.sql.Identifier(grant)
            for sql in (
                "GRANT USAGE ON SCHEMA {schema} TO {role}",
                "GRANT SELECT ON ward_server_migrations, ward_info TO {role}",
                "GRANT SELECT, INSERT ON records TO {role}",
                "GRANT SELECT, INSERT, UPDATE ON workstations TO {role}",
                "GRANT USAGE ON SEQUENCE records_seq_seq TO {role}",
            ):
                schema = conn.execute("SELECT current_schema()").fetchone()
                conn.execute(psycopg.sql.SQL(sql).format(
                    role=role, schema=psycopg.sql.Identifier(schema[0] if schema else "public")))
    return done


def check_ready(conn: psycopg.Connection[Any]) -> None:
    have = applied_steps(conn)
    wanted = [name for name, _s in STEPS]
    if not have:
        raise ServerProblem("This PostgreSQL database is not a ward server yet: run "
                            "'ward-app server init' with its address first.")
    if have[: len(wanted)] != wanted and set(wanted) - set(have):
        raise ServerProblem("The ward server's schema is older than this app: run "
                            "'ward-app server init' with its address to bring it up to date.")
    if set(have) - set(wanted):
        raise ServerProblem("The ward server's schema is newer than this app: install the ward's "
                            "current version of ward-app on this workstation.")


def server_wards(conn: psycopg.Connection[Any]) -> list[str]:
    row = conn.execute("SELECT value FROM ward_info WHERE key = 'wards'").fetchone()
    return [n for n in (row[0].split("\n") if row and row[0] else []) if n]


def register(conn: psycopg.Connection[Any], workstation_id: str, name: str) -> None:
    with conn.transaction():
        conn.execute("INSERT INTO workstations (id, name, last_seen) VALUES (%s, %s, now()) "
                     "ON CONFLICT (id) DO UPDATE SET name = excluded.name, last_seen = now()",
                     [workstation_id, name])


def push(conn: psycopg.Connection[Any], records: Sequence[Wire], workstation_id: str) -> int:
    """Add the records the server does not hold yet; the number added."""
    if not records:
        return 0
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(hashtext(current_schema() || '.records'))")
        added = 0
        with conn.cursor() as cur:
            for w in records:
                cur.execute(
                    "INSERT INTO records (gid, tbl, origin, hlc, base, deleted, data) VALUES "
                    "(%s, %s, %s, %s, %s, %s, %s) ON CONFLICT (gid, hlc) DO NOTHING",
                    [w["gid"], w["tbl"], w["origin"], w["hlc"], w.get("base"),
                     bool(w["deleted"]), Jsonb(w["data"])])
                added += cur.rowcount
        conn.execute("UPDATE workstations SET last_seen = now() WHERE id = %s", [workstation_id])
        conn.execute("SELECT pg_notify(%s, current_schema())", [CHANNEL])
    return added


def pull(conn: psycopg.Connection[Any], after: int, *, limit: int = 500) -> list[tuple[int, Wire]]:
    """The records after ``after``, in order (at most ``limit``)."""
    with conn.transaction():
        rows = conn.execute(
            "SELECT seq, gid::text, tbl, origin::text, hlc, base, deleted, data FROM records "
            "WHERE seq > %s ORDER BY seq LIMIT %s", [after, limit]).fetchall()
    return [(int(seq), {"gid": gid, "tbl": tbl, "origin": origin, "hlc": hlc, "base": base,
                        "deleted": bool(deleted), "data": data})
            for seq, gid, tbl, origin, hlc, base, deleted, data in rows]


def last_seq(conn: psycopg.Connection[Any]) -> int:
    with conn.transaction():
        row = conn.execute("SELECT coalesce(max(seq), 0) FROM records").fetchone()
    return int(row[0]) if row else 0


def listen(conn: psycopg.Connection[Any]) -> None:
    """Start listening on this (autocommit) connection for other workstations' sends."""
    conn.execute(psycopg.sql.SQL("LISTEN {}").format(psycopg.sql.Identifier(CHANNEL)))


def woken(conn: psycopg.Connection[Any], timeout: float) -> bool:
    """Wait up to ``timeout`` seconds for a send notification; True if one came."""
    got = False
    for _n in _notifies(conn, timeout):
        got = True
    return got


def _notifies(conn: psycopg.Connection[Any], timeout: float) -> Iterator[Any]:
    yield from conn.notifies(timeout=timeout, stop_after=1)


def workstations(conn: psycopg.Connection[Any]) -> list[tuple[str, str]]:
    with conn.transaction():
        return [(str(i), str(n)) for i, n in conn.execute("SELECT id::text, name FROM workstations")]
