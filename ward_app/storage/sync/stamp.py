"""Global ids for this workstation's new clinical records, given when sync next runs.

Clinical records are only ever added, so a record made here that has no ``sync_rows`` entry yet is
one this workstation has not sent. Giving it its global id (UUID v7), origin and HLC at the next
sync round instead of in an INSERT trigger keeps the sync work off the moment a nurse records
(bench/sync_bench.py measured a per-row trigger at a fifth to a third more time per dose).
``sync_marks`` remembers, per table, the highest rowid already looked at, so each round reads only
the rows added since. Rows whose content can change (patients, flags, pumps, settings, users,
wards, co-medications, tapers) keep their triggers: a change must be noted as it happens.
"""

from __future__ import annotations

from ward_app.storage.connection import Database
from ward_app.storage.sync import tables as T


def _mark(db: Database, table: str) -> int:
    row = db.execute("SELECT upto FROM sync_marks WHERE tbl = ?", [table]).fetchone()
    return int(row[0]) if row else 0


def unstamped(db: Database) -> int:
    """How many records made here have no global id yet (they wait to be sent too)."""
    total = 0
    for table in T.STAMPED:
        total += int(db.execute(
            f"SELECT count(*) FROM {table} t WHERE t.rowid > ? AND NOT EXISTS (SELECT 1 FROM "
            f"sync_rows s WHERE s.tbl = '{table}' AND s.row_id = t.rowid)",
            [_mark(db, table)]).fetchone()[0])
    return total


def stamp(db: Database) -> int:
    """Enter every record made here since the last round in ``sync_rows`` (waiting to be sent),
    parents' tables first; the number entered. In the caller's transaction, or its own."""
    with db.atomic():
        me, hlc_ms, hlc_c = db.execute("SELECT id, hlc_ms, hlc_c FROM sync_workstation").fetchone()
        first = int(db.execute("SELECT coalesce(max(rowid), 0) FROM sync_rows").fetchone()[0])
        total = 0
        for table in T.STAMPED:
            upto = _mark(db, table)
            top = int(db.execute(f"SELECT coalesce(max(rowid), 0) FROM {table}").fetchone()[0])
            if top <= upto:
                continue
            cur = db.execute(
                f"INSERT INTO sync_rows (gid, tbl, row_id, origin, hlc, pushed) "
                f"SELECT {T.UUID7}, '{table}', t.rowid, ?, '', 0 FROM {table} t "
                f"WHERE t.rowid > ? AND NOT EXISTS (SELECT 1 FROM sync_rows s "
                f"WHERE s.tbl = '{table}' AND s.row_id = t.rowid) ORDER BY t.rowid", [me, upto])
            total += max(cur.rowcount, 0)
            db.execute("INSERT INTO sync_marks (tbl, upto) VALUES (?, ?) ON CONFLICT(tbl) DO "
                       "UPDATE SET upto = excluded.upto", [table, top])
        if total:
            # the hybrid logical clock's send step: one tick per record, in the order entered
            now_ms = int(db.execute(f"SELECT {T.NOW_MS}").fetchone()[0])
            ms = max(now_ms, int(hlc_ms))
            base = (int(hlc_c) + 1 if ms == int(hlc_ms) else 0) - first - 1
            db.execute("UPDATE sync_rows SET hlc = printf('%013d.%09d.%s', ?, rowid + ?, origin) "
                       "WHERE rowid > ? AND hlc = ''", [ms, base, first])
            last = int(db.execute("SELECT max(rowid) FROM sync_rows").fetchone()[0])
            db.execute("UPDATE sync_workstation SET hlc_ms = ?, hlc_c = ?", [ms, last + base])
    return total
