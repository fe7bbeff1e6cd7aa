"""The ward's own values for settings; anything not stored falls back to the shipped default."""

from __future__ import annotations

import json
from typing import Any

from ward_app.storage.connection import Database


def stored(db: Database) -> dict[str, Any]:
    return {key: json.loads(value) for key, value in db.execute("SELECT key, value FROM settings")}


def stored_text(db: Database) -> list[tuple[str, str]]:
    """(key, value as stored) for every stored setting, unparsed."""
    return [(r[0], r[1]) for r in db.execute("SELECT key, value FROM settings ORDER BY key")]


def store(db: Database, key: str, value: Any, *, user_id: int, at: str) -> None:
    db.execute("INSERT INTO settings (key, value, updated_at, updated_by) VALUES (?, ?, ?, ?) "
               "ON CONFLICT(key) DO UPDATE SET value = excluded.value, "
               "updated_at = excluded.updated_at, updated_by = excluded.updated_by",
               [key, json.dumps(value), at, user_id])


def forget(db: Database, key: str) -> None:
    db.execute("DELETE FROM settings WHERE key = ?", [key])


#: Tables whose rows are placed in time by the ward's clock.
CLINICAL_TABLES = ("orders", "administrations", "observations", "lab_results", "pump_refills",
                   "pump_alarms", "alert_acks", "tapers")


def has_clinical_records(db: Database) -> bool:
    """Whether any clinical record exists (orders, doses, observations, refills...)."""
    return any(db.execute(f"SELECT 1 FROM {t} LIMIT 1").fetchone() for t in CLINICAL_TABLES)
