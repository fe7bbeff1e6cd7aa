"""Forms put away at the lock or a user switch: one row per form, its user's, with the fields as
typed (JSON; never a password). A draft, not a clinical record: replaced while parked, deleted
once saved or discarded."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ward_app.domain.clock import from_utc_text, to_utc_text
from ward_app.storage.connection import Database


@dataclass(frozen=True)
class StoredForm:
    id: int
    user_id: int
    patient_id: int | None
    kind: str
    state: dict[str, Any]
    parked_at: datetime


_COLUMNS = "id, user_id, patient_id, kind, state, parked_at"


def _form(row: Any) -> StoredForm:
    state = json.loads(row[4] or "{}")
    return StoredForm(row[0], row[1], row[2], row[3], state if isinstance(state, dict) else {},
                      from_utc_text(row[5]))


def _json(state: dict[str, Any]) -> str:
    return json.dumps(state, ensure_ascii=False, sort_keys=True)


def insert(db: Database, *, user_id: int, patient_id: int | None, kind: str,
           state: dict[str, Any], at: datetime) -> int:
    cur = db.execute(
        "INSERT INTO parked_forms (user_id, patient_id, kind, state, parked_at) "
        "VALUES (?, ?, ?, ?, ?)", [user_id, patient_id, kind, _json(state), to_utc_text(at)])
    return int(cur.lastrowid or 0)


def replace_state(db: Database, form_id: int, *, user_id: int, state: dict[str, Any],
                  at: datetime) -> bool:
    """The form's fields as typed now (only the user's own); False when there is no such row."""
    cur = db.execute("UPDATE parked_forms SET state = ?, parked_at = ? WHERE id = ? AND user_id = ?",
                     [_json(state), to_utc_text(at), form_id, user_id])
    return cur.rowcount > 0


def get(db: Database, form_id: int) -> StoredForm | None:
    row = db.execute(f"SELECT {_COLUMNS} FROM parked_forms WHERE id = ?", [form_id]).fetchone()
    return None if row is None else _form(row)


def of_user(db: Database, user_id: int) -> list[StoredForm]:
    """The user's parked forms, oldest first."""
    rows = db.execute(f"SELECT {_COLUMNS} FROM parked_forms WHERE user_id = ? ORDER BY id",
                      [user_id]).fetchall()
    return [_form(r) for r in rows]


def counts(db: Database) -> dict[int, int]:
    """How many forms each user has parked (users with none left out)."""
    rows = db.execute("SELECT user_id, count(*) FROM parked_forms GROUP BY user_id").fetchall()
    return {int(r[0]): int(r[1]) for r in rows}


def delete(db: Database, form_id: int, *, user_id: int) -> bool:
    cur = db.execute("DELETE FROM parked_forms WHERE id = ? AND user_id = ?", [form_id, user_id])
    return cur.rowcount > 0
