"""The workstation's side of sync: this workstation's waiting rows as wire records, and the
applying of other workstations' records to the local file.

A wire record is a dict: ``gid``, ``tbl``, ``origin``, ``hlc``, ``base`` (the version a change was
made over, versioned tables only), ``deleted`` and ``data`` (the row's columns without its local
id; every reference to another row is that row's global id, or None). Applying one:

- an append-only record is inserted once (a second arrival is a no-op); an audit entry joins this
  workstation's hash chain at its end;
- a version of a changing row is kept in ``sync_versions``; the highest HLC is in force; two
  versions made over the same base at two workstations are a ``changed_twice`` conflict (both kept);
- a record naming a row this workstation has not received yet waits in ``sync_inbox`` and is tried
  again after each pull;
- a dose given at another workstation for a due time this patient already has a dose given for,
  from a different workstation, is ``recorded_twice`` (both kept; an urgent alert until
  acknowledged).
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from ward_app.domain.clock import to_utc_text
from ward_app.storage import audit as audit_store
from ward_app.storage.connection import Database
from ward_app.storage.sync import stamp
from ward_app.storage.sync import tables as T

Wire = dict[str, Any]


class MissingReference(Exception):
    """A record names a row this workstation does not have (yet)."""


@dataclass
class Applied:
    """What one pull changed here."""

    applied: int = 0
    skipped: int = 0
    waiting: int = 0
    conflicts: list[str] = field(default_factory=list)
    patient_ids: set[int] = field(default_factory=set)
    tables: set[str] = field(default_factory=set)


# --- this workstation ------------------------------------------------------------------------

def workstation(db: Database) -> dict[str, Any]:
    cur = db.execute("SELECT * FROM sync_workstation")
    names = [d[0] for d in cur.description]
    row = cur.fetchone()
    return dict(zip(names, row, strict=True))


def set_state(db: Database, **values: Any) -> None:
    sets = ", ".join(f"{k} = ?" for k in values)
    db.execute(f"UPDATE sync_workstation SET {sets}", list(values.values()))


def set_peers(db: Database, peers: Iterable[tuple[str, str]]) -> None:
    """The names of the ward's workstations, as the server lists them."""
    with db.atomic():
        for wid, name in peers:
            db.execute("INSERT INTO sync_peers (id, name) VALUES (?, ?) ON CONFLICT(id) DO UPDATE "
                       "SET name = excluded.name", [wid, name])


def waiting_count(db: Database) -> int:
    return int(db.execute("SELECT (SELECT count(*) FROM sync_rows WHERE pushed = 0) + "
                          "(SELECT count(*) FROM sync_versions WHERE pushed = 0)").fetchone()[0]
               ) + stamp.unstamped(db)


def inbox_count(db: Database) -> int:
    return int(db.execute("SELECT count(*) FROM sync_inbox").fetchone()[0])


def conflict_count(db: Database) -> int:
    return int(db.execute("SELECT count(*) FROM sync_conflicts").fetchone()[0])


# --- references -------------------------------------------------------------------------------

_FK_CACHE: dict[str, dict[str, str]] = {}


def references(db: Database, table: str) -> dict[str, str]:
    """column -> referenced table, for ``table``'s references to other rows."""
    if table not in _FK_CACHE:
        refs = {row[3]: row[2] for row in db.execute(f"PRAGMA foreign_key_list({table})")}
        refs.update({col: ref for (tbl, col), ref in T.EXTRA_REFS.items() if tbl == table})
        _FK_CACHE[table] = refs
    return _FK_CACHE[table]


def columns(db: Database, table: str) -> list[str]:
    return [row[1] for row in db.execute(f"PRAGMA table_info({table})")]


def gid_of(db: Database, table: str, row_id: int | None) -> str | None:
    if row_id is None:
        return None
    row = db.execute("SELECT gid FROM sync_rows WHERE tbl = ? AND row_id = ?",
                     [table, row_id]).fetchone()
    if row is None:
        raise MissingReference(f"{table} row {row_id} has no global id")
    return str(row[0])


def row_of(db: Database, table: str, gid: str | None) -> int | None:
    """The local row id of a global id (its own or an alias); MissingReference if unknown."""
    if gid is None:
        return None
    row = db.execute("SELECT row_id FROM sync_rows WHERE gid = ? AND tbl = ? AND row_id IS NOT NULL",
                     [gid, table]).fetchone() or db.execute(
        "SELECT row_id FROM sync_alias WHERE gid = ? AND tbl = ?", [gid, table]).fetchone()
    if row is None:
        raise MissingReference(f"{table} {gid}")
    return int(row[0])


def _encode_key(db: Database, key: str) -> str:
    """An alert key with its patient id (and row-id suffix) as global ids."""
    rule, _, rest = key.partition(":")
    pid, _, suffix = rest.partition(":")
    parts = [rule, "@" + (gid_of(db, "patients", int(pid)) or "")]
    table = T.suffix_table(rule)
    if suffix:
        parts.append("@" + (gid_of(db, table, int(suffix)) or "")
                     if table and suffix.isdigit() else suffix)
    return ":".join(parts)


def _decode_key(db: Database, key: str) -> str:
    rule, _, rest = key.partition(":")
    pid, _, suffix = rest.partition(":")
    parts = [rule, str(row_of(db, "patients", pid[1:]) if pid.startswith("@") else pid)]
    table = T.suffix_table(rule)
    if suffix:
        parts.append(str(row_of(db, table, suffix[1:]))
                     if table and suffix.startswith("@") else suffix)
    return ":".join(parts)


# --- reading this workstation's changes -------------------------------------------------------

def encode_row(db: Database, table: str, row_id: int) -> dict[str, Any] | None:
    cur = db.execute(f"SELECT * FROM {table} WHERE rowid = ?", [row_id])
    names = [d[0] for d in cur.description]
    row = cur.fetchone()
    if row is None:
        return None
    data = dict(zip(names, row, strict=True))
    for col in ("id", *T.LOCAL_COLUMNS.get(table, ()), *T.NOT_SENT.get(table, ())):
        data.pop(col, None)
    for col, ref in references(db, table).items():
        if col in data:
            data[col] = gid_of(db, ref, data[col])
    if table == "audit" and data.get("entity_id") is not None:
        entity = T.AUDIT_ENTITIES.get(str(data["entity"]))
        try:
            data["entity_id"] = gid_of(db, entity, data["entity_id"]) if entity else None
        except MissingReference:
            data["entity_id"] = None
    if table == "alert_acks":
        data["alert_key"] = _encode_key(db, str(data["alert_key"]))
    return data


def waiting(db: Database, *, limit: int = 500) -> list[Wire]:
    """This workstation's changes not yet on the server, oldest HLC first (at most ``limit``)."""
    stamp.stamp(db)
    out: list[Wire] = []
    for payload, in db.execute(
            "SELECT payload FROM sync_versions WHERE pushed = 0 ORDER BY hlc LIMIT ?", [limit]):
        out.append(json.loads(payload))
    rows = db.execute(
        "SELECT gid, tbl, row_id, origin, hlc, base, deleted FROM sync_rows WHERE pushed = 0 "
        "ORDER BY hlc LIMIT ?", [max(0, limit - len(out))]).fetchall()
    for gid, tbl, row_id, origin, hlc, base, deleted in rows:
        data = None if deleted else encode_row(db, tbl, row_id)
        out.append({"gid": gid, "tbl": tbl, "origin": origin, "hlc": hlc, "base": base,
                    "deleted": bool(deleted) or data is None, "data": data or {}})
    return out


def mark_sent(db: Database, sent: Iterable[Wire]) -> None:
    """The server holds these: they wait no more (unless changed again since they were read)."""
    with db.atomic():
        for w in sent:
            db.execute("UPDATE sync_versions SET pushed = 1 WHERE gid = ? AND hlc = ?",
                       [w["gid"], w["hlc"]])
            db.execute("UPDATE sync_rows SET pushed = 1 WHERE gid = ? AND hlc = ?",
                       [w["gid"], w["hlc"]])
            if w["tbl"] in T.VERSIONED:
                db.execute("INSERT OR IGNORE INTO sync_versions (gid, hlc, tbl, origin, base, "
                           "payload, pushed) VALUES (?, ?, ?, ?, ?, ?, 1)",
                           [w["gid"], w["hlc"], w["tbl"], w["origin"], w.get("base"),
                            json.dumps(w, sort_keys=True)])


# --- applying the others' ---------------------------------------------------------------------

def _decode(db: Database, w: Wire) -> dict[str, Any]:
    """The record's columns with local row ids (MissingReference if one is not here yet)."""
    table = w["tbl"]
    data = dict(w["data"])
    for col, ref in references(db, table).items():
        if col in data:
            data[col] = row_of(db, ref, data[col])
    if table == "audit" and data.get("entity_id") is not None:
        entity = T.AUDIT_ENTITIES.get(str(data.get("entity")))
        try:
            data["entity_id"] = row_of(db, entity, data["entity_id"]) if entity else None
        except MissingReference:
            data["entity_id"] = None
    if table == "alert_acks":
        data["alert_key"] = _decode_key(db, str(data["alert_key"]))
    known = set(columns(db, table))
    return {k: v for k, v in data.items() if k in known}


def _insert(db: Database, table: str, data: dict[str, Any]) -> int:
    if table == "audit":
        last = db.execute("SELECT id, hash FROM audit ORDER BY id DESC LIMIT 1").fetchone()
        audit_id = (last[0] + 1) if last else 1
        prev = (last[1] or audit_store.GENESIS) if last else audit_store.GENESIS
        values = [audit_id, *(data.get(c) for c in audit_store.HASHED_COLUMNS[1:])]
        cols = [*audit_store.HASHED_COLUMNS, "prev_hash", "hash"]
        db.execute(f"INSERT INTO audit ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
                   [*values, prev, audit_store.row_hash(values, prev)])
        return int(audit_id)
    cols = list(data)
    cur = db.execute(f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
                     [data[c] for c in cols])
    return int(cur.lastrowid or 0)


def _local_entry(db: Database, w: Wire) -> tuple[int | None, str | None, int, bool] | None:
    """(row id, in-force HLC, pushed, deleted) of the local row this record's gid names."""
    row = db.execute("SELECT row_id, hlc, pushed, deleted FROM sync_rows WHERE gid = ?",
                     [w["gid"]]).fetchone()
    if row is not None:
        return row[0], row[1], int(row[2]), bool(row[3])
    alias = db.execute("SELECT a.row_id, s.hlc, s.pushed, s.deleted FROM sync_alias a JOIN "
                       "sync_rows s ON s.tbl = a.tbl AND s.row_id = a.row_id WHERE a.gid = ?",
                       [w["gid"]]).fetchone()
    return (alias[0], alias[1], int(alias[2]), bool(alias[3])) if alias else None


def _unique_match(db: Database, table: str, data: dict[str, Any]) -> int | None:
    """The row already here that a record would duplicate on one of ``table``'s UNIQUE indexes."""
    for _seq, index, unique, *_rest in db.execute(f"PRAGMA index_list({table})").fetchall():
        if not unique:
            continue
        cols = [r[2] for r in db.execute(f"PRAGMA index_info('{index}')")]
        if not cols or any(c is None or data.get(c) is None for c in cols):
            continue
        where = " AND ".join(f"{c} = ?" for c in cols)
        row = db.execute(f"SELECT rowid FROM {table} WHERE {where}",
                         [data[c] for c in cols]).fetchone()
        if row is not None:
            return int(row[0])
    return None


def _natural_match(db: Database, table: str, data: dict[str, Any]) -> int | None:
    keys = T.NATURAL_KEYS.get(table)
    if not keys or any(data.get(k) is None for k in keys):
        return None
    where = " AND ".join(f"{k} = ?" for k in keys)
    row = db.execute(f"SELECT rowid FROM {table} WHERE {where}", [data[k] for k in keys]).fetchone()
    return int(row[0]) if row else None


def _patient_of(table: str, data: dict[str, Any], row_id: int | None) -> int | None:
    if table == "patients":
        return row_id
    pid = data.get("patient_id")
    return int(pid) if isinstance(pid, int) else None


def _apply_one(db: Database, w: Wire, me: str, now: datetime, out: Applied) -> None:
    table = w["tbl"]
    if table not in T.SYNCED:
        out.skipped += 1
        return
    entry = _local_entry(db, w)
    if table not in T.VERSIONED:
        if entry is not None:
            out.skipped += 1
            return
        data = _decode(db, w)
        try:
            with db.atomic():
                row_id = _insert(db, table, data)
        except sqlite3.IntegrityError:
            same = _unique_match(db, table, data)
            if same is None:
                raise
            # A record there can be only one of (a pump alarm's resolution), made at two
            # workstations: the one here stays; the other is on the server and in the audit, and
            # its global id names this one (sync would otherwise fail here every round).
            db.execute("INSERT OR IGNORE INTO sync_alias (gid, tbl, row_id) VALUES (?, ?, ?)",
                       [w["gid"], table, same])
            out.skipped += 1
            return
        db.execute("INSERT INTO sync_rows (gid, tbl, row_id, origin, hlc, pushed) "
                   "VALUES (?, ?, ?, ?, ?, 1)", [w["gid"], table, row_id, w["origin"], w["hlc"]])
        out.applied += 1
        out.tables.add(table)
        pid = _patient_of(table, data, row_id)
        if table == "pump_refills" or table == "pump_alarms" or table == "pump_events":
            pid = pid or _pump_patient(db, data.get("pump_id"))
        if pid is not None:
            out.patient_ids.add(pid)
        if table == "administrations":
            _check_recorded_twice(db, row_id, data, w["origin"], now, out)
        return
    _apply_version(db, w, entry, me, now, out)


def _pump_patient(db: Database, pump_id: Any) -> int | None:
    row = db.execute("SELECT patient_id FROM pumps WHERE id = ?", [pump_id]).fetchone()
    return int(row[0]) if row else None


def _apply_version(db: Database, w: Wire, entry: tuple[int | None, str | None, int, bool] | None,
                   me: str, now: datetime, out: Applied) -> None:
    table = w["tbl"]
    if db.execute("SELECT 1 FROM sync_versions WHERE gid = ? AND hlc = ?",
                  [w["gid"], w["hlc"]]).fetchone() or (entry and entry[1] == w["hlc"]):
        out.skipped += 1
        return
    data = None if w["deleted"] else _decode(db, w)
    if entry is None and data is not None:
        same = _natural_match(db, table, data)
        if same is not None:
            db.execute("INSERT OR IGNORE INTO sync_alias (gid, tbl, row_id) VALUES (?, ?, ?)",
                       [w["gid"], table, same])
            entry = _local_entry(db, w)
            if entry is not None and entry[2] == 0 and not entry[3]:
                # This workstation's own row of that key is not sent yet: keep its version as it
                # is now to send, so the others learn its key even if it is deleted here before
                # the next round (a deletion alone does not say which row it was).
                mine = waiting_one(db, table, same)
                if mine is not None:
                    db.execute("INSERT OR IGNORE INTO sync_versions (gid, hlc, tbl, origin, base, "
                               "payload, pushed) VALUES (?, ?, ?, ?, ?, ?, 0)",
                               [mine["gid"], mine["hlc"], table, mine["origin"], mine["base"],
                                json.dumps(mine, sort_keys=True)])
        elif (gone := _deleted_at(db, table, data)) is not None and gone > w["hlc"]:
            # The row of this natural key (a flag set at two workstations) was deleted here later
            # than this version was made: a workstation that held both as one row deleted that
            # row too, so this one is deleted here as well (the same result everywhere).
            db.execute("INSERT OR IGNORE INTO sync_versions (gid, hlc, tbl, origin, base, "
                       "payload, pushed) VALUES (?, ?, ?, ?, ?, ?, 1)",
                       [w["gid"], w["hlc"], table, w["origin"], w.get("base"),
                        json.dumps(w, sort_keys=True)])
            _note_deleted(db, table, w)
            out.skipped += 1
            return
    # Two versions made over the same base at different workstations: both kept, one in force.
    siblings = db.execute(
        "SELECT hlc, origin FROM sync_versions WHERE gid = ? AND base IS ? AND hlc != ? "
        "AND origin != ?", [w["gid"], w.get("base"), w["hlc"], w["origin"]]).fetchall()
    pending = db.execute("SELECT hlc FROM sync_rows WHERE gid = ? AND pushed = 0 AND base IS ? "
                         "AND origin != ?", [w["gid"], w.get("base"), w["origin"]]).fetchone()
    db.execute("INSERT INTO sync_versions (gid, hlc, tbl, origin, base, payload, pushed) "
               "VALUES (?, ?, ?, ?, ?, ?, 1)", [w["gid"], w["hlc"], table, w["origin"],
                                                w.get("base"), json.dumps(w, sort_keys=True)])
    row_id = entry[0] if entry else None
    if (siblings or pending) and w.get("base") is not None:
        other = pending[0] if pending else siblings[0][0]
        _conflict(db, "changed_twice", f"changed_twice:{w['gid']}:{w.get('base')}",
                  _patient_of(table, data or {}, row_id), table, [row_id] if row_id else [],
                  {"versions": sorted([w["hlc"], other]),
                   "in_force": max(w["hlc"], other, entry[1] if entry else "")}, now, out)
    if entry is not None and entry[1] is not None and entry[1] > w["hlc"]:
        out.skipped += 1  # older than the version in force here: kept in the history only
        return
    if entry is not None and entry[2] == 0 and row_id is not None and not entry[3]:
        # This workstation's own change, not sent yet, is overtaken: keep it to send.
        mine = waiting_one(db, table, row_id)
        if mine is not None:
            db.execute("INSERT OR IGNORE INTO sync_versions (gid, hlc, tbl, origin, base, payload, "
                       "pushed) VALUES (?, ?, ?, ?, ?, ?, 0)",
                       [mine["gid"], mine["hlc"], table, mine["origin"], mine["base"],
                        json.dumps(mine, sort_keys=True)])
    out.tables.add(table)
    if w["deleted"] and row_id is None and table in T.NATURAL_KEYS:
        # Deleted where this workstation holds its natural key under another global id (it got
        # the other workstation's row of that key after deleting its own, or the reverse): the
        # latest in force, as for any version of the row.
        was = _last_live(db, table, w["gid"])
        same = _natural_match(db, table, was) if was is not None else None
        held = db.execute("SELECT hlc FROM sync_rows WHERE tbl = ? AND row_id = ?",
                          [table, same]).fetchone() if same is not None else None
        if held is not None and held[0] < w["hlc"]:
            row_id = same
    if w["deleted"]:
        if row_id is not None:
            db.execute(f"DELETE FROM {table} WHERE rowid = ?", [row_id])
            db.execute("DELETE FROM sync_alias WHERE tbl = ? AND row_id = ?", [table, row_id])
        db.execute("UPDATE sync_rows SET row_id = NULL WHERE tbl = ? AND row_id = ?",
                   [table, row_id])
        _note_deleted(db, table, w)
        out.applied += 1
        return
    assert data is not None
    if row_id is None:
        row_id = _insert(db, table, data)
        db.execute("INSERT INTO sync_rows (gid, tbl, row_id, origin, hlc, base, pushed) "
                   "VALUES (?, ?, ?, ?, ?, ?, 1) ON CONFLICT(gid) DO UPDATE SET row_id = "
                   "excluded.row_id, origin = excluded.origin, hlc = excluded.hlc, "
                   "base = excluded.base, pushed = 1, deleted = 0",
                   [w["gid"], table, row_id, w["origin"], w["hlc"], w.get("base")])
    else:
        sets = ", ".join(f"{c} = ?" for c in data)
        if sets:
            db.execute(f"UPDATE {table} SET {sets} WHERE rowid = ?", [*data.values(), row_id])
        db.execute("UPDATE sync_rows SET origin = ?, hlc = ?, base = ?, pushed = 1 "
                   "WHERE tbl = ? AND row_id = ?",
                   [w["origin"], w["hlc"], w.get("base"), table, row_id])
    out.applied += 1
    pid = _patient_of(table, data, row_id)
    if pid is not None:
        out.patient_ids.add(pid)


def _deleted_at(db: Database, table: str, data: dict[str, Any]) -> str | None:
    """The HLC of the latest deletion here of a row of ``table`` with the natural key of ``data``
    (local ids), as far as the versions kept here say (None: none)."""
    keys = T.NATURAL_KEYS.get(table)
    if not keys or any(data.get(k) is None for k in keys):
        return None

    def same(a: Any, b: Any) -> bool:
        return a.casefold() == b.casefold() if isinstance(a, str) and isinstance(b, str) else a == b

    latest: str | None = None
    for gid, hlc in db.execute("SELECT gid, hlc FROM sync_rows WHERE tbl = ? AND deleted = 1",
                               [table]).fetchall():
        if latest is not None and hlc <= latest:
            continue
        was = _last_live(db, table, gid)
        if was is not None and all(same(was.get(k), data[k]) for k in keys):
            latest = hlc
    return latest


def _last_live(db: Database, table: str, gid: str) -> dict[str, Any] | None:
    """The columns (local ids) of the last version of ``gid`` kept here that was not a deletion
    (None: none kept, or it names a row not here)."""
    for (payload,) in db.execute("SELECT payload FROM sync_versions WHERE gid = ? AND tbl = ? "
                                 "ORDER BY hlc DESC", [gid, table]).fetchall():
        w = json.loads(payload)
        if w.get("deleted"):
            continue
        try:
            return _decode(db, w)
        except MissingReference:
            return None
    return None


def _note_deleted(db: Database, table: str, w: Wire) -> None:
    db.execute("INSERT INTO sync_rows (gid, tbl, row_id, origin, hlc, base, pushed, deleted) "
               "VALUES (?, ?, NULL, ?, ?, ?, 1, 1) ON CONFLICT(gid) DO UPDATE SET "
               "row_id = NULL, origin = excluded.origin, hlc = excluded.hlc, "
               "base = excluded.base, pushed = 1, deleted = 1",
               [w["gid"], table, w["origin"], w["hlc"], w.get("base")])


def waiting_one(db: Database, table: str, row_id: int) -> Wire | None:
    row = db.execute("SELECT gid, origin, hlc, base FROM sync_rows WHERE tbl = ? AND row_id = ?",
                     [table, row_id]).fetchone()
    data = encode_row(db, table, row_id) if row else None
    if row is None or data is None:
        return None
    return {"gid": row[0], "tbl": table, "origin": row[1], "hlc": row[2], "base": row[3],
            "deleted": False, "data": data}


GIVEN = ("given", "given_late")


def _check_recorded_twice(db: Database, row_id: int, data: dict[str, Any], origin: str,
                          now: datetime, out: Applied) -> None:
    """A dose given here from another workstation for a due time this patient already has a
    dose given for (not entered in error) from a different workstation."""
    if data.get("outcome") not in GIVEN or not data.get("due_at"):
        return
    rows = db.execute(
        """SELECT a.id FROM administrations a JOIN sync_rows s
               ON s.tbl = 'administrations' AND s.row_id = a.id
           WHERE a.patient_id = ? AND a.due_at = ? AND a.outcome IN ('given', 'given_late')
             AND a.id != ? AND s.origin != ?
             AND NOT EXISTS (SELECT 1 FROM administrations c WHERE c.corrects_id = a.id
                             AND c.outcome = 'entered_in_error')""",
        [data["patient_id"], data["due_at"], row_id, origin]).fetchall()
    if not rows:
        return
    due = datetime.fromisoformat(str(data["due_at"])).astimezone(UTC).isoformat()
    _conflict(db, "recorded_twice", f"dose.recorded_twice:{data['patient_id']}:{due}",
              int(data["patient_id"]), "administrations", [row_id, *(r[0] for r in rows)],
              {"due_at": data["due_at"]}, now, out)


def _conflict(db: Database, kind: str, key: str, patient_id: int | None, table: str,
              row_ids: list[int], detail: dict[str, Any], now: datetime, out: Applied) -> None:
    old = db.execute("SELECT row_ids FROM sync_conflicts WHERE key = ?", [key]).fetchone()
    ids = sorted(set(row_ids) | set(json.loads(old[0]) if old else []))
    db.execute("INSERT INTO sync_conflicts (kind, key, patient_id, tbl, row_ids, detail, "
               "detected_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(key) DO UPDATE SET "
               "row_ids = excluded.row_ids",
               [kind, key, patient_id, table, json.dumps(ids), json.dumps(detail, sort_keys=True),
                to_utc_text(now)])
    out.conflicts.append(key)
    if patient_id is not None:
        out.patient_ids.add(patient_id)


def _receive_clock(db: Database, records: Iterable[Wire]) -> None:
    """The hybrid logical clock's receive step: never issue a time below one seen."""
    top = max((int(str(w["hlc"]).split(".")[0]) for w in records), default=0)
    db.execute("UPDATE sync_workstation SET hlc_c = CASE WHEN ? > hlc_ms THEN 0 ELSE hlc_c END, "
               "hlc_ms = max(hlc_ms, ?)", [top, top])


@contextlib.contextmanager
def _immediate(db: Database) -> Iterator[None]:
    """One transaction holding the write lock from the start (BEGIN IMMEDIATE, as
    storage.database.transaction, which this package cannot import: database imports it)."""
    if db.conn.in_transaction:
        with db.atomic():
            yield
        return
    db.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        if db.conn.in_transaction:
            db.execute("ROLLBACK")
        raise
    try:
        db.execute("COMMIT")
    except BaseException:
        if db.conn.in_transaction:
            db.execute("ROLLBACK")
        raise


@contextlib.contextmanager
def applying(db: Database) -> Iterator[None]:
    """The local triggers off: what is applied here is not this workstation's change."""
    db.execute("UPDATE sync_workstation SET applying = 1")
    try:
        yield
    finally:
        db.execute("UPDATE sync_workstation SET applying = 0")


def apply(db: Database, records: list[tuple[int, Wire]], *, last_seq: int,
          now: datetime | None = None) -> Applied:
    """Apply records pulled from the server (with their server sequence numbers) and the waiting
    ones, in one transaction with the new pull position: all of it is saved, or none."""
    moment = now or datetime.now(UTC)
    out = Applied()
    with _immediate(db), applying(db):
        stamp.stamp(db)  # this workstation's own records first: a conflict names their origin
        me = str(db.execute("SELECT id FROM sync_workstation").fetchone()[0])
        queue = [(seq, w) for seq, w in db.execute("SELECT seq, payload FROM sync_inbox ORDER BY seq")
                 for w in [json.loads(w)]] + list(records)
        db.execute("DELETE FROM sync_inbox")
        _receive_clock(db, (w for _s, w in queue))
        progress = True
        refused: list[tuple[int, Wire]] = []
        while queue and progress:
            progress = False
            later: list[tuple[int, Wire]] = []
            for seq, w in queue:
                try:
                    with db.atomic():
                        _apply_one(db, w, me, moment, out)
                    progress = True
                except MissingReference as exc:
                    later.append((seq, {**w, "_why": str(exc)}))
                except sqlite3.IntegrityError as exc:
                    # A record this file's rules refuse (made by another version of the app, or
                    # a clash not foreseen): it waits in the inbox, counted and tried again after
                    # each pull, instead of stopping every other record from arriving.
                    refused.append((seq, {**w, "_why": f"refused here: {exc}"}))
            queue = later
        queue += refused
        for seq, w in queue:
            db.execute("INSERT OR REPLACE INTO sync_inbox (seq, payload, why) VALUES (?, ?, ?)",
                       [seq, json.dumps({k: v for k, v in w.items() if k != "_why"}),
                        w.get("_why", "")])
        out.waiting = len(queue)
        db.execute("UPDATE sync_workstation SET last_pull_seq = max(last_pull_seq, ?)", [last_seq])
    return out
