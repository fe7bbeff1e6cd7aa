"""The audit trail: who did what, when, to which record. Append-only, written in the same transaction."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlite_utils import Database

from ward_app.domain.clock import to_utc_text


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
    cur = db.execute(
        "INSERT INTO audit (at, user_id, action, entity, entity_id, patient_id, detail) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        [
            to_utc_text(at),
            user_id,
            action,
            entity,
            entity_id,
            patient_id,
            json.dumps(detail or {}, ensure_ascii=False, sort_keys=True, default=str),
        ],
    )
    return int(cur.lastrowid or 0)


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
