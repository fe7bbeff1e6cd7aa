"""The audit trail: who did what, when, to which record. Append-only, written in the same transaction."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

from ward_app.domain.clock import from_utc_text, to_utc_text
from ward_app.storage.connection import Database


def record(
    db: Database,
    *,
    at: datetime,
    user_id: int | None,
    action: str,
    entity: str,
    entity_id: int | None = None,
    patient_id: int | None = None,
    detail: dict[str, Any] | None = None,
) -> int:
    """Add an audit row, chained to the one before it (see ``row_hash``), in the caller's
    transaction (in one of its own when there is none, so no other writer can come between)."""
    with db.atomic():
        last = db.execute("SELECT id, hash FROM audit ORDER BY id DESC LIMIT 1").fetchone()
        audit_id = (last[0] + 1) if last else 1
        prev = (last[1] or GENESIS) if last else GENESIS
        values = [audit_id, to_utc_text(at), user_id, action, entity, entity_id, patient_id,
                  json.dumps(detail or {}, ensure_ascii=False, sort_keys=True, default=str)]
        db.execute(
            f"INSERT INTO audit ({', '.join(HASHED_COLUMNS)}, prev_hash, hash) "
            f"VALUES ({', '.join('?' * (len(HASHED_COLUMNS) + 2))})",
            [*values, prev, row_hash(values, prev)],
        )
    return audit_id


#: The audit columns each row's hash covers (with the previous row's hash), in this order.
HASHED_COLUMNS = ("id", "at", "user_id", "action", "entity", "entity_id", "patient_id", "detail")

#: The previous hash of the first audit row.
GENESIS = "0" * 64


def row_hash(values: Sequence[Any], prev_hash: str) -> str:
    """sha256 (hex) of a row's ``HASHED_COLUMNS`` values and the previous row's hash, as one
    canonical JSON array: changing any column, or removing or inserting a row, breaks the chain."""
    text = json.dumps([*values, prev_hash], ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def chain_rows(db: Database) -> Iterator[tuple[list[Any], str | None, str | None]]:
    """Every audit row in id order: (its HASHED_COLUMNS values, prev_hash, hash)."""
    cols = ", ".join(HASHED_COLUMNS)
    for row in db.execute(f"SELECT {cols}, prev_hash, hash FROM audit ORDER BY id"):
        yield list(row[:-2]), row[-2], row[-1]


def chain_problems(db: Database, *, most: int = 5) -> list[str]:
    """One line per break in the audit hash chain (at most ``most``); [] when it is whole."""
    out: list[str] = []
    prev = GENESIS
    for values, prev_hash, stored in chain_rows(db):
        if prev_hash != prev:
            out.append(f"audit chain broken at entry {values[0]}: the entry before it was removed, "
                       "added or changed outside the app")
        elif stored != row_hash(values, prev_hash):
            out.append(f"audit chain broken at entry {values[0]}: its content was changed outside "
                       "the app")
        if len(out) >= most:
            break
        prev = stored or ""
    return out


def compute_chain(db: Database) -> Iterator[tuple[str, str, int]]:
    """(prev_hash, hash, id) for every existing row, in id order: what a migration stores."""
    prev = GENESIS
    for values, _p, _h in list(chain_rows(db)):
        digest = row_hash(values, prev)
        yield prev, digest, values[0]
        prev = digest


def entries(db: Database, *, patient_id: int | None = None, limit: int = 1000) -> list[dict[str, Any]]:
    where, params = ("WHERE a.patient_id = ?", [patient_id]) if patient_id is not None else ("", [])
    rows = db.execute(
        f"SELECT a.id, a.at, u.name AS user, a.action, a.entity, a.entity_id, a.patient_id, a.detail "
        f"FROM audit a LEFT JOIN users u ON u.id = a.user_id {where} ORDER BY a.id DESC LIMIT ?",
        [*params, limit],
    ).fetchall()
    keys = ["id", "at", "user", "action", "entity", "entity_id", "patient_id", "detail"]
    out = []
    for row in rows:
        item = dict(zip(keys, row, strict=True))
        item["detail"] = json.loads(item["detail"])
        out.append(item)
    return out


def search(
    db: Database, *, patient_id: int | None = None, user_id: int | None = None,
    since: datetime | None = None, before: datetime | None = None, limit: int = 2000,
) -> list[tuple[Any, ...]]:
    """Audit rows, newest first, as (id, at, user name or '(nobody)', action, entity, entity_id,
    MRN, patient name, detail JSON), only about ``patient_id`` / by ``user_id`` when given."""
    where: list[str] = ["1=1"]
    params: list[Any] = []
    if patient_id is not None:
        where.append("a.patient_id = ?")
        params.append(patient_id)
    if user_id is not None:
        where.append("a.user_id = ?")
        params.append(user_id)
    if since:
        where.append("a.at >= ?")
        params.append(to_utc_text(since))
    if before:
        where.append("a.at < ?")
        params.append(to_utc_text(before))
    return db.execute(
        f"""SELECT a.id, a.at, coalesce(u.name, '(nobody)'), a.action, a.entity, a.entity_id,
                   p.mrn, p.name, a.detail
            FROM audit a LEFT JOIN users u ON u.id = a.user_id
            LEFT JOIN patients p ON p.id = a.patient_id
            WHERE {' AND '.join(where)} ORDER BY a.id DESC LIMIT ?""",
        [*params, limit]).fetchall()


def first_entry(db: Database, entity: str, entity_id: int) -> tuple[str, str, str] | None:
    """(at, user name or '?', action) of the first audit entry about a record that is not a
    correction: who made the original."""
    row = db.execute(
        "SELECT a.at, coalesce(u.name, '?'), a.action FROM audit a LEFT JOIN users u "
        "ON u.id = a.user_id WHERE a.entity = ? AND a.entity_id = ? AND a.action NOT LIKE "
        "'%entered_in_error' ORDER BY a.id LIMIT 1", [entity, entity_id]).fetchone()
    return (row[0], row[1], row[2]) if row else None


def latest_at(db: Database, action: str) -> datetime | None:
    """When the newest audit entry of ``action`` was made (None if there is none)."""
    row = db.execute("SELECT at FROM audit WHERE action = ? ORDER BY id DESC LIMIT 1",
                     [action]).fetchone()
    return from_utc_text(row[0]) if row else None


def latest_detail(db: Database, action: str) -> dict[str, Any] | None:
    """The detail of the newest audit entry of ``action`` (None if there is none)."""
    row = db.execute("SELECT detail FROM audit WHERE action = ? ORDER BY id DESC LIMIT 1",
                     [action]).fetchone()
    return json.loads(row[0]) if row else None


def latest_by_user(db: Database, action: str) -> dict[int, datetime]:
    """user id -> when their newest audit entry of ``action`` was made (one pass over the trail;
    users with none are left out)."""
    rows = db.execute("SELECT user_id, max(at) FROM audit WHERE action = ? AND user_id IS NOT NULL "
                      "GROUP BY user_id", [action]).fetchall()
    return {int(user_id): from_utc_text(at) for user_id, at in rows}
